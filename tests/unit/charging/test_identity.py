"""Station identities: the one rule (charging/identity.py) and the stations service that applies it."""

from __future__ import annotations

import threading

import pytest

from ocpay.charging import identity, stations
from ocpay.charging.stations import InvalidIdentity, Stations
from ocpay.store.db import Database

VALID = ["CP-1", "cp_01", "A" * 48, "DE*ABC*E123", "site.3", "x=1+2|y@z", "..a", "-", "<b>CP&amp;\"'<i>", "CP#1"]
INVALID = [
    "",
    "A" * 49,
    ".",
    "..",
    "...",
    "CP/1",
    "CP:1",  # the Basic auth user name cannot hold a colon
    "CP 1",
    "CP\n1",
    "CP\r\nINFO forged line",
    "CP\x001",
    "CP\t1",
    "CP\u202e1",  # right-to-left override
    "CP\u200f1",  # right-to-left mark
    "Ladesäule",
    "CP\x7f",
    "\u00a0CP",  # no-break space
]


@pytest.mark.parametrize("value", VALID)
def test_what_ocpp_allows_is_an_identity(value: str) -> None:
    assert identity.problem(value) is None and identity.is_identity(value)


@pytest.mark.parametrize("value", INVALID)
def test_everything_else_is_refused_with_a_reason(value: str) -> None:
    reason = identity.problem(value)
    assert reason is not None and "identity" in reason
    assert not identity.is_identity(value)


async def test_the_service_refuses_to_register_an_identity_ocpp_does_not_allow(db: Database) -> None:
    service = Stations(db, open_registration=True)
    for value in ["CP\x00NUL", "CP\nX", ".."]:
        with pytest.raises(InvalidIdentity):
            await service.add(value)
        admission = await service.admit(value, None, None)  # open registration registers nothing either
        assert admission.status == 400 and "identity" in admission.reason
    assert await service.all() == []


async def test_the_password_is_checked_in_a_worker_thread_not_on_the_event_loop(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = Stations(db)
    await service.add("CP-1", password="right-password-16")
    threads: list[str] = []
    original = stations.check_password

    def spy(password: str, stored: str) -> bool:
        threads.append(threading.current_thread().name)
        return original(password, stored)

    monkeypatch.setattr(stations, "check_password", spy)
    assert (await service.admit("CP-1", "wrong", None)).status == 401
    assert (await service.admit("CP-1", "right-password-16", None)).status == 101
    assert len(threads) == 2 and threading.main_thread().name not in threads
