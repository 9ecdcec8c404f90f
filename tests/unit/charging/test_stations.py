"""Stations: the password hash, admitting a connecting station, and the settings it reports."""

from __future__ import annotations

import pytest

from ocpay.charging.configuration import Change
from ocpay.charging.stations import StationExists, Stations, UnknownStation, check_password, hash_password
from ocpay.ocpp.model import ReportedVariable, now
from ocpay.ocpp.ports import Admission
from ocpay.store.db import Database
from ocpay.store.models import StationSetting


def test_a_hashed_password_checks_out_and_nothing_else_does() -> None:
    stored = hash_password("s3cret-Pass")
    assert stored.startswith("scrypt$") and "s3cret-Pass" not in stored
    assert check_password("s3cret-Pass", stored)
    assert not check_password("s3cret-pass", stored)
    assert not check_password("", stored)


def test_the_same_password_hashes_differently_each_time_and_both_check_out() -> None:
    first, second = hash_password("pw"), hash_password("pw")
    assert first != second  # a fresh salt each time
    assert check_password("pw", first) and check_password("pw", second)


@pytest.mark.parametrize("stored", ["pw", "scrypt$only-two", "bcrypt$c2FsdA==$ZGlnZXN0", "a$b$c$d"])
def test_a_stored_value_not_made_by_hash_password_never_checks_out(stored: str) -> None:
    assert check_password("pw", stored) is False


def test_only_the_scrypt_scheme_is_accepted() -> None:
    other_scheme = hash_password("pw").replace("scrypt$", "plain$", 1)
    assert check_password("pw", other_scheme) is False


async def test_a_station_with_a_password_is_admitted_only_with_it(db: Database) -> None:
    stations = Stations(db)
    await stations.add("CP-1", password="right")
    assert await stations.admit("CP-1", "right", None) == Admission(101)
    assert await stations.admit("CP-1", "wrong", None) == Admission(401, "wrong credentials")
    assert await stations.admit("CP-1", None, None) == Admission(401, "credentials required")


async def test_with_client_certificates_the_certificate_alone_decides(db: Database) -> None:
    stations = Stations(db)
    await stations.add("CP-1", password="right")
    assert await stations.admit("CP-1", None, True) == Admission(101)
    refused = Admission(401, "the client certificate is not this station's")
    assert await stations.admit("CP-1", "right", False) == refused


async def test_a_station_without_a_password_is_admitted_as_it_is(db: Database) -> None:
    stations = Stations(db)
    await stations.add("CP-1")
    assert await stations.admit("CP-1", None, None) == Admission(101)
    await stations.set_password("CP-1", "now-one")
    assert await stations.admit("CP-1", None, None) == Admission(401, "credentials required")


async def test_an_unknown_station_is_refused_unless_registration_is_open(db: Database) -> None:
    assert await Stations(db).admit("CP-NEW", None, None) == Admission(404, "unknown station")
    assert await Stations(db).get("CP-NEW") is None
    assert await Stations(db, open_registration=True).admit("CP-NEW", None, None) == Admission(101)
    assert await Stations(db).get("CP-NEW") is not None  # registered on the way in


async def test_adding_twice_or_changing_an_unknown_station_is_refused(db: Database) -> None:
    stations = Stations(db)
    await stations.add("CP-1")
    with pytest.raises(StationExists):
        await stations.add("CP-1")
    with pytest.raises(UnknownStation):
        await stations.set_password("CP-2", "pw")
    assert await stations.remove("CP-1") is True
    assert await stations.remove("CP-1") is False


async def test_reported_settings_are_inserted_then_updated(db: Database) -> None:
    stations = Stations(db)
    await stations.add("CP-1")
    await stations.store_settings("CP-1", [ReportedVariable("HeartbeatInterval", "300"), ReportedVariable("A", "1")])
    await stations.store_settings("CP-1", [ReportedVariable("HeartbeatInterval", "60", True)])
    settings = {x.key: (x.value, x.readonly) for x in await stations.settings("CP-1")}
    assert settings == {"A": ("1", False), "HeartbeatInterval": ("60", True)}


# -- settings ----------------------------------------------------------------------------------------------------
async def test_a_reported_secret_is_stored_only_as_set(db: Database) -> None:
    stations = Stations(db)
    await stations.add("CP-1")
    await stations.report("CP-1", [ReportedVariable("SecurityCtrlr.BasicAuthPassword", "hunter2-hunter2-hunter2")])
    assert [(x.key, x.value) for x in await stations.settings("CP-1")] == [("SecurityCtrlr.BasicAuthPassword", "set")]


async def test_an_accepted_change_is_the_setting_and_one_needing_a_reboot_is_pending_until_read(db: Database) -> None:
    stations = Stations(db)
    await stations.add("CP-1")
    await stations.store_settings("CP-1", [ReportedVariable("HeartbeatInterval", "60"), ReportedVariable("X", "1")])
    await stations.settings_changed(
        "CP-1",
        [
            Change("HeartbeatInterval", "90", "Accepted"),
            Change("X", "2", "RebootRequired"),
            Change("Y", "3", "Rejected"),
            Change("AuthorizationKey", "41424344454647484950", "RebootRequired"),
        ],
    )
    assert {x.key: x.value for x in await stations.settings("CP-1")} == {"HeartbeatInterval": "90", "X": "1"}
    assert stations.pending("CP-1") == {"X": "2", "AuthorizationKey": "set"}
    await stations.store_settings("CP-1", [ReportedVariable("X", "2")])  # read again after the reboot
    assert stations.pending("CP-1") == {"AuthorizationKey": "set"}
    stations.forget_pending("CP-1", ["AuthorizationKey"])
    assert stations.pending("CP-1") == {}


async def test_a_secret_stored_in_clear_before_is_concealed_at_start(db: Database) -> None:
    stations = Stations(db)
    await stations.add("CP-1")
    async with db.write() as s:  # as an older ocpay kept them
        s.add(StationSetting(station_id="CP-1", key="AuthorizationKey", value="4142434445464748", updated_at=now()))
        s.add(StationSetting(station_id="CP-1", key="AuthorizeRemoteTxRequests", value="true", updated_at=now()))
    assert await stations.conceal_stored_secrets() == 1
    assert {x.key: x.value for x in await stations.settings("CP-1")} == {
        "AuthorizationKey": "set",
        "AuthorizeRemoteTxRequests": "true",
    }
    assert await stations.conceal_stored_secrets() == 0
