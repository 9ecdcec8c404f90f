"""StartTransaction (1.6): the session port opens a session and hands out the transaction id."""

from __future__ import annotations

import pytest

from ocpay.ocpp.handlers import start_transaction
from ocpay.ocpp.model import Authorization, AuthStatus, IdToken, SessionStart, SessionStarted
from tests.unit.ocpp.fakes import STATION, T0, FakeSessions, ask, context

START = {"connectorId": 1, "idTag": "04A2B3C4", "meterStart": 12040, "timestamp": "2025-03-14T09:26:53.589Z"}


async def test_a_start_gets_its_transaction_id_and_the_tag_verdict() -> None:
    sessions = FakeSessions(started=SessionStarted(1042, Authorization("Accepted")))

    answer = await ask(start_transaction.handle, context("1.6", sessions=sessions), "StartTransaction", START)

    start = SessionStart(connector_id=1, id_token=IdToken("04A2B3C4"), meter_start_wh=12040, timestamp=T0)
    assert sessions.calls == [("start", (STATION, start))]
    assert answer == {"transactionId": 1042, "idTagInfo": {"status": "Accepted"}}


async def test_a_start_on_a_reservation_names_it() -> None:
    sessions = FakeSessions()

    await ask(
        start_transaction.handle, context("1.6", sessions=sessions), "StartTransaction", {**START, "reservationId": 5}
    )

    [(_, (_, start))] = sessions.calls
    assert start.reservation_id == 5


@pytest.mark.parametrize(
    ("status", "heard"), [("Unknown", "Invalid"), ("ConcurrentTx", "ConcurrentTx"), ("Expired", "Expired")]
)
async def test_a_start_with_a_tag_that_is_not_accepted_still_gets_a_transaction_id(
    status: AuthStatus, heard: str
) -> None:
    # 1.6 requires a transaction id in every answer; the station ends a session whose tag is not accepted
    sessions = FakeSessions(started=SessionStarted(1043, Authorization(status)))

    answer = await ask(start_transaction.handle, context("1.6", sessions=sessions), "StartTransaction", START)

    assert answer == {"transactionId": 1043, "idTagInfo": {"status": heard}}


async def test_a_session_port_that_fails_fails_the_start() -> None:
    sessions = FakeSessions(raises={"start": RuntimeError("database gone")})

    with pytest.raises(RuntimeError):
        await start_transaction.handle(context("1.6", sessions=sessions), START)
