"""The dialect's own messages on session triggers, with the OCA cost messages as the example."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from ocpay.integrations.dialects import Dialect, DialectSet
from ocpay.payments.outbox import StationOutbox
from ocpay.payments.templates import Templates
from ocpay.payments.triggers import Triggers
from ocpay.store.models import StationPrice
from tests.unit.payments.fakes import FakeDb

OCA = DialectSet.load().get("org.openchargealliance.costmsg")
assert OCA is not None
START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PRICE = StationPrice(
    station_id="CS1",
    currency="EUR",
    kwh_price=Decimal("0.40"),
    hour_price=Decimal("0"),
    flat_fee=Decimal("0"),
    idle_hour_price=None,
    idle_grace_minutes=None,
    price_text=None,
)


class Fixture(SimpleNamespace):
    triggers: Triggers
    scheduled: list[tuple[str, Any]]
    shown: list[str]
    sent: list[tuple[str, str, str | None, Any]]
    versions_asked: list[str]


def build(dialects: list[tuple[Dialect, dict[str, Any]]], *, price: StationPrice | None = PRICE) -> Fixture:
    f = Fixture(scheduled=[], shown=[], sent=[], versions_asked=[])

    async def get_price(station_id: str) -> StationPrice | None:
        return price

    async def shown(station_id: str, dialect: Dialect, message: Any, session: Any, context: Any) -> None:
        f.shown.append(message.name)

    async def station(station_id: str) -> Any:
        f.versions_asked.append(station_id)
        return SimpleNamespace(ocpp_version="1.6")

    async def data_transfer(station_id: str, vendor_id: str, message_id: str | None, data: Any = None) -> Any:
        f.sent.append((station_id, vendor_id, message_id, data))
        return {"status": "Accepted"}

    outbox = StationOutbox()
    outbox.connect(SimpleNamespace(data_transfer=data_transfer))
    f.triggers = Triggers(
        SimpleNamespace(dialects_for=lambda station_id, session_dialect: dialects),  # type: ignore[arg-type]
        Templates(FakeDb(), SimpleNamespace(get=get_price)),  # type: ignore[arg-type]
        SimpleNamespace(shown=shown),  # type: ignore[arg-type]
        SimpleNamespace(get=station),  # type: ignore[arg-type]
        SimpleNamespace(schedule=lambda station_id, work: f.scheduled.append((station_id, work))),  # type: ignore[arg-type]
        outbox,
    )
    return f


def stopped_session() -> Any:
    return SimpleNamespace(
        id=7,
        transaction_id="7",
        dialect=None,
        status="completed",
        started_at=START,
        stopped_at=START + timedelta(hours=1),
        energy_wh=16_500,
        meter_start_wh=0,
        meter_stop_wh=16_500,
    )


async def test_a_2_0_1_answer_is_amended_with_the_price_and_the_price_is_recorded_as_shown() -> None:
    f = build([(OCA, {})])
    amendments = await f.triggers.fire("CS1", "2.0.1", "authorized", None, "Authorize", id_token="RFID1")
    assert amendments == [{"idTokenInfo": {"personalMessage": {"format": "UTF8", "content": "0.40 EUR/kWh"}}}]
    assert f.shown == ["AuthorizePrice"] and f.scheduled == []


async def test_only_the_answer_being_sent_is_amended() -> None:
    f = build([(OCA, {})])
    assert await f.triggers.fire("CS1", "2.0.1", "authorized", None, None) == []
    assert f.shown == []


async def test_a_1_6_station_gets_the_dialect_s_data_transfer_after_its_answer() -> None:
    f = build([(OCA, {})])
    assert await f.triggers.fire("CS1", "1.6", "authorized", None, "Authorize", id_token="RFID1") == []
    assert [station for station, _ in f.scheduled] == ["CS1"] and f.sent == []  # not before the answer
    await f.scheduled[0][1]()
    assert f.sent == [
        ("CS1", "org.openchargealliance.costmsg", "SetUserPrice", {"idToken": "RFID1", "priceText": "0.40 EUR/kWh"})
    ]
    assert f.shown == ["SetUserPrice"]


async def test_a_message_needing_a_price_is_not_sent_without_one() -> None:
    f = build([(OCA, {})], price=None)
    await f.triggers.fire("CS1", "1.6", "authorized", None, "Authorize", id_token="RFID1")
    await f.scheduled[0][1]()
    assert f.sent == [] and f.shown == []


@pytest.mark.parametrize(("idle_fee_after_stop", "sent"), [(False, ["FinalCost"]), (True, [])])
async def test_the_final_cost_waits_for_the_unplug_when_idle_fees_run_after_stop(
    idle_fee_after_stop: bool, sent: list[str]
) -> None:
    f = build([(OCA, {"idle_fee_after_stop": idle_fee_after_stop})])
    await f.triggers.fire("CS1", "1.6", "session_stopped", stopped_session(), "StopTransaction")
    for _, work in f.scheduled:
        await work()
    assert [message_id for _, _, message_id, _ in f.sent] == sent
    if sent:
        assert f.sent[0][3] == {"transactionId": 7, "cost": 6.6, "priceText": "Total 6.60 EUR"}


async def test_without_a_dialect_nothing_is_read_or_sent() -> None:
    f = build([])
    assert await f.triggers.fire("CS1", None, "session_stopped", stopped_session(), "StopTransaction") == []
    assert f.versions_asked == [] and f.scheduled == []


async def test_a_trigger_from_a_custom_message_asks_the_station_s_version() -> None:
    f = build([(OCA, {})])
    await f.triggers.fire("CS1", None, "session_started", stopped_session())
    assert f.versions_asked == ["CS1"] and [w for _, w in f.scheduled]  # 1.6: RunningCost queued


@pytest.mark.parametrize("trigger", ["session_started", "session_stopped"])
async def test_a_retried_message_queues_no_follow_up_again(trigger: Any) -> None:
    f = build([(OCA, {})])
    action = "StartTransaction" if trigger == "session_started" else "StopTransaction"
    await f.triggers.fire("CS1", "1.6", trigger, stopped_session(), action)
    await f.triggers.fire("CS1", "1.6", trigger, stopped_session(), action, repeated=True)
    assert len(f.scheduled) == 1  # the first processing's RunningCost / FinalCost only


async def test_a_retried_message_gets_the_same_amended_answer() -> None:
    f = build([(OCA, {})])
    first = await f.triggers.fire("CS1", "2.0.1", "authorized", None, "Authorize", id_token="RFID1")
    again = await f.triggers.fire("CS1", "2.0.1", "authorized", None, "Authorize", id_token="RFID1", repeated=True)
    assert again == first != []
