"""TransactionEvent (2.x): every event reaches the session port as one neutral TransactionEvent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ocpay.ocpp.handlers import transaction_event
from ocpay.ocpp.model import Authorization, IdToken, MeterSample, TransactionEvent, TransactionEventReply
from tests.unit.ocpp.fakes import STATION, T0, FakeSessions, ask, context

STARTED: dict[str, Any] = {
    "eventType": "Started",
    "timestamp": "2025-03-14T09:26:53.589Z",
    "triggerReason": "Authorized",
    "seqNo": 0,
    "transactionInfo": {"transactionId": "tx-77", "chargingState": "EVConnected", "remoteStartId": 12},
    "evse": {"id": 1, "connectorId": 1},
    "idToken": {"idToken": "04A2B3C4", "type": "ISO14443"},
    "meterValue": [{"timestamp": "2025-03-14T09:26:53.589Z", "sampledValue": [{"value": 12040}]}],
}


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
async def test_a_started_event_reaches_the_port_and_the_token_verdict_goes_back(version: str) -> None:
    sessions = FakeSessions(event_reply=TransactionEventReply(authorization=Authorization("Accepted")))

    answer = await ask(transaction_event.handle, context(version, sessions=sessions), "TransactionEvent", STARTED)

    event = TransactionEvent(
        event_type="Started",
        transaction_id="tx-77",
        seq_no=0,
        trigger_reason="Authorized",
        timestamp=T0,
        evse_id=1,
        connector_id=1,
        id_token=IdToken("04A2B3C4", "ISO14443"),
        charging_state="EVConnected",
        remote_start_id=12,
        samples=(MeterSample(T0, "Energy.Active.Import.Register", 12040.0, unit="Wh"),),
    )
    assert sessions.calls == [("transaction_event", (STATION, version, event))]
    assert answer == {"idTokenInfo": {"status": "Accepted"}}


async def test_an_updated_event_with_only_the_required_fields_leaves_the_rest_empty() -> None:
    sessions = FakeSessions(event_reply=TransactionEventReply())
    payload = {
        "eventType": "Updated",
        "timestamp": "2025-03-14T09:26:53.589Z",
        "triggerReason": "MeterValuePeriodic",
        "seqNo": 3,
        "transactionInfo": {"transactionId": "tx-77"},
    }

    answer = await ask(transaction_event.handle, context("2.0.1", sessions=sessions), "TransactionEvent", payload)

    event = TransactionEvent("Updated", "tx-77", 3, "MeterValuePeriodic", T0)
    assert sessions.calls == [("transaction_event", (STATION, "2.0.1", event))]
    assert answer == {}


async def test_an_ended_event_sent_offline_hears_the_total_cost() -> None:
    sessions = FakeSessions(event_reply=TransactionEventReply(total_cost=Decimal("7.89")))
    payload = {
        "eventType": "Ended",
        "timestamp": "2025-03-14T09:26:53.589Z",
        "triggerReason": "EVDeparted",
        "seqNo": 9,
        "offline": True,
        "transactionInfo": {"transactionId": "tx-77", "stoppedReason": "EVDisconnected", "chargingState": "Idle"},
    }

    answer = await ask(transaction_event.handle, context("2.0.1", sessions=sessions), "TransactionEvent", payload)

    [(_, (_, _, event))] = sessions.calls
    assert (event.event_type, event.stopped_reason, event.charging_state, event.offline) == (
        "Ended",
        "EVDisconnected",
        "Idle",
        True,
    )
    assert answer == {"totalCost": 7.89}


async def test_an_event_of_an_unknown_token_hears_unknown_and_the_cost_so_far() -> None:
    reply = TransactionEventReply(authorization=Authorization("Unknown"), total_cost=Decimal("0"))
    sessions = FakeSessions(event_reply=reply)

    answer = await ask(transaction_event.handle, context("2.1", sessions=sessions), "TransactionEvent", STARTED)

    assert answer == {"idTokenInfo": {"status": "Unknown"}, "totalCost": 0.0}


async def test_a_21_cost_limit_reaches_the_port_as_an_exact_amount() -> None:
    sessions = FakeSessions()
    payload = {**STARTED, "transactionInfo": {"transactionId": "tx-78", "transactionLimit": {"maxCost": 30.1}}}

    await ask(transaction_event.handle, context("2.1", sessions=sessions), "TransactionEvent", payload)

    [(_, (_, _, event))] = sessions.calls
    assert event.max_cost == Decimal("30.1")  # not Decimal(30.1), which carries the float's binary error


async def test_a_21_limit_without_a_cost_leaves_max_cost_empty() -> None:
    sessions = FakeSessions()
    payload = {**STARTED, "transactionInfo": {"transactionId": "tx-78", "transactionLimit": {"maxEnergy": 20000}}}

    await ask(transaction_event.handle, context("2.1", sessions=sessions), "TransactionEvent", payload)

    [(_, (_, _, event))] = sessions.calls
    assert event.max_cost is None


async def test_a_session_port_that_fails_fails_the_event() -> None:
    sessions = FakeSessions(raises={"transaction_event": RuntimeError("database gone")})

    with pytest.raises(RuntimeError):
        await transaction_event.handle(context("2.0.1", sessions=sessions), STARTED)
