"""StopTransaction (1.6): the session port closes the session; a tag that ended it hears its verdict."""

from __future__ import annotations

import pytest

from ocpay.ocpp.handlers import stop_transaction
from ocpay.ocpp.model import Authorization, IdToken, MeterSample, SessionStop, SessionStopped
from tests.unit.ocpp.fakes import STATION, T0, FakeSessions, ask, context

STOP = {"transactionId": 1042, "meterStop": 19870, "timestamp": "2025-03-14T09:26:53.589Z"}


async def test_a_stop_by_tag_hears_the_tag_verdict() -> None:
    sessions = FakeSessions(stopped=SessionStopped(Authorization("Accepted")))
    payload = {**STOP, "idTag": "04A2B3C4", "reason": "EVDisconnected"}

    answer = await ask(stop_transaction.handle, context("1.6", sessions=sessions), "StopTransaction", payload)

    stop = SessionStop(1042, 19870, T0, reason="EVDisconnected", id_token=IdToken("04A2B3C4"))
    assert sessions.calls == [("stop", (STATION, stop))]
    assert answer == {"idTagInfo": {"status": "Accepted"}}


async def test_a_stop_without_tag_or_reason_is_a_local_stop_answered_empty() -> None:
    sessions = FakeSessions(stopped=SessionStopped())

    answer = await ask(stop_transaction.handle, context("1.6", sessions=sessions), "StopTransaction", STOP)

    assert sessions.calls == [("stop", (STATION, SessionStop(1042, 19870, T0, reason="Local")))]
    assert answer == {}


async def test_a_stop_of_an_unknown_transaction_is_still_answered() -> None:
    # the port answers for the tag whether or not it knew the transaction: the station must not retry forever
    sessions = FakeSessions(stopped=SessionStopped(Authorization("Invalid")))
    payload = {**STOP, "transactionId": 999999, "idTag": "04A2B3C4"}

    answer = await ask(stop_transaction.handle, context("1.6", sessions=sessions), "StopTransaction", payload)

    [(_, (_, stop))] = sessions.calls
    assert stop.transaction_id == 999999
    assert answer == {"idTagInfo": {"status": "Invalid"}}


async def test_a_stop_with_an_unknown_tag_hears_invalid() -> None:
    sessions = FakeSessions(stopped=SessionStopped(Authorization("Unknown")))

    answer = await ask(
        stop_transaction.handle, context("1.6", sessions=sessions), "StopTransaction", {**STOP, "idTag": "NOBODY"}
    )

    assert answer == {"idTagInfo": {"status": "Invalid"}}


async def test_transaction_data_reaches_the_port_as_samples() -> None:
    sessions = FakeSessions()
    payload = {
        **STOP,
        "transactionData": [
            {
                "timestamp": "2025-03-14T09:26:53.589Z",
                "sampledValue": [{"value": "19870", "unit": "Wh", "context": "Transaction.End"}],
            }
        ],
    }

    await ask(stop_transaction.handle, context("1.6", sessions=sessions), "StopTransaction", payload)

    [(_, (_, stop))] = sessions.calls
    assert stop.samples == (
        MeterSample(T0, "Energy.Active.Import.Register", 19870.0, unit="Wh", context="Transaction.End"),
    )


async def test_a_session_port_that_fails_fails_the_stop() -> None:
    sessions = FakeSessions(raises={"stop": RuntimeError("database gone")})

    with pytest.raises(RuntimeError):
        await stop_transaction.handle(context("1.6", sessions=sessions), STOP)
