"""Station prices: kept once read, the displayed cost, and money rounded half up to the cent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from ocpay.payments.prices import Prices, cents, costs, final_text, price_text, price_view
from ocpay.store.models import StationPrice
from ocpay.store.queries import payments as queries
from tests.unit.payments.fakes import FakeDb

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def price(**values: Any) -> StationPrice:
    fields = {
        "station_id": "CS1",
        "currency": "EUR",
        "kwh_price": Decimal("0.40"),
        "hour_price": Decimal("0"),
        "flat_fee": Decimal("0"),
        "idle_hour_price": None,
        "idle_grace_minutes": None,
        "price_text": None,
    }
    return StationPrice(**{**fields, **values})


def session(energy_wh: float, minutes: float, stopped: bool = True) -> Any:
    end = START + timedelta(minutes=minutes)
    return SimpleNamespace(started_at=START, stopped_at=end if stopped else None, energy_wh=energy_wh)


def test_displayed_money_is_rounded_half_up_to_the_cent() -> None:
    assert [cents(Decimal(x)) for x in ("2.675", "0.125", "6.6", "0.004", "0.005")] == [2.68, 0.13, 6.6, 0.0, 0.01]


def test_cost_is_flat_fee_plus_energy_plus_time() -> None:
    p = price(kwh_price=Decimal("0.42"), hour_price=Decimal("1.20"), flat_fee=Decimal("1.00"))
    # 15 kWh and 30 minutes: 1.00 + 6.30 + 0.60
    assert costs(p, session(15_000, 30), START, None) == {"running": 7.9, "final": 7.9}


def test_a_running_session_has_no_final_cost_yet() -> None:
    running = session(10_000, 0, stopped=False)
    assert costs(price(), running, START + timedelta(minutes=10), None) == {"running": 4.0, "final": None}


def test_idle_time_after_the_grace_is_priced_into_the_final_cost_only() -> None:
    p = price(idle_hour_price=Decimal("6.00"), idle_grace_minutes=10)
    stopped = session(10_000, 60)
    unplugged = stopped.stopped_at + timedelta(minutes=40)  # 30 minutes past the grace: 3.00
    assert costs(p, stopped, unplugged, unplugged) == {"running": 4.0, "final": 7.0}
    early = stopped.stopped_at + timedelta(minutes=5)
    assert costs(p, stopped, early, early)["final"] == 4.0


def test_price_in_words_names_only_what_is_charged() -> None:
    assert price_text(price()) == "0.40 EUR/kWh"
    full = price(hour_price=Decimal("2"), flat_fee=Decimal("1"))
    assert price_text(full) == "0.40 EUR/kWh, 2.00 EUR/h, 1.00 EUR per session"
    assert price_view(price(price_text="Ad hoc: 0.40 EUR/kWh"))["text"] == "Ad hoc: 0.40 EUR/kWh"
    assert price_view(None) == {}
    assert final_text(price(), 6.6) == "Total 6.60 EUR" and final_text(price(), None) is None


async def test_a_price_is_read_once_until_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = {"CS1": price()}

    async def station_price(s: Any, station_id: str) -> StationPrice | None:
        return stored.get(station_id)

    monkeypatch.setattr(queries, "station_price", station_price)
    db = FakeDb()
    prices = Prices(db)  # type: ignore[arg-type]
    assert await prices.get("CS1") is stored["CS1"] and await prices.get("CS1") is stored["CS1"]
    assert await prices.get("CS2") is None and await prices.get("CS2") is None  # no price is remembered too
    assert db.reads == 2
    prices.forget()
    await prices.get("CS1")
    assert db.reads == 3


async def test_setting_a_price_keeps_it_without_reading_it_back(monkeypatch: pytest.MonkeyPatch) -> None:
    async def station(s: Any, station_id: str) -> Any:
        return SimpleNamespace(id=station_id) if station_id == "CS1" else None

    async def station_price(s: Any, station_id: str) -> None:
        return None

    added: list[Any] = []
    monkeypatch.setattr(queries, "station", station)
    monkeypatch.setattr(queries, "station_price", station_price)
    db = FakeDb()
    db.session = SimpleNamespace(add=added.append)
    prices = Prices(db)  # type: ignore[arg-type]
    set_price = await prices.set("CS1", kwh_price=Decimal("0.42"), currency="EUR")
    assert added == [set_price] and set_price.kwh_price == Decimal("0.42")
    assert await prices.get("CS1") is set_price and db.reads == 0
    with pytest.raises(LookupError):
        await prices.set("NOPE", kwh_price=Decimal("1"))
