"""Station prices: the ad hoc price a station shows, the cost displayed to the driver, rounding to the cent.

The station's own tariff stays in the station; the terminal captures the real amount. What is
computed here is only shown (OCA cost messages, 2.0.1 totalCost and personal messages).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ocpay.ocpp.model import now
from ocpay.store.db import Database
from ocpay.store.models import ChargingSession, StationPrice
from ocpay.store.queries import payments as queries


class Prices:
    """Station prices, kept in memory once read: they change rarely and are read on every custom message."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[str, StationPrice | None] = {}  # this process sets every price it caches

    async def get(self, station_id: str) -> StationPrice | None:
        """The station's price, or None while none is set."""
        if station_id not in self._cache:
            async with self.db.read() as s:
                self._cache[station_id] = await queries.station_price(s, station_id)
        return self._cache[station_id]

    async def set(self, station_id: str, **values: Any) -> StationPrice:
        """Set some of the station's price fields (creating its price); LookupError for an unknown station."""
        async with self.db.write() as s:
            if await queries.station(s, station_id) is None:
                raise LookupError(f"no station {station_id}")
            price = await queries.station_price(s, station_id)
            if price is None:
                price = StationPrice(station_id=station_id)
                s.add(price)
            for name, value in values.items():
                setattr(price, name, value)
            price.updated_at = now()
        self._cache[station_id] = price
        return price

    def forget(self) -> None:
        """Drop every cached price: another process (the CLI) may have changed them."""
        self._cache.clear()


def price_view(price: StationPrice | None) -> dict[str, Any]:
    """The price as dialect templates read it (`$price.kwh`, `$price.text`, ...); {} without a price."""
    if price is None:
        return {}
    return {
        "kwh": float(price.kwh_price),
        "hour": float(price.hour_price),
        "flat": float(price.flat_fee),
        "idle_hour": None if price.idle_hour_price is None else float(price.idle_hour_price),
        "idle_grace_minutes": price.idle_grace_minutes,
        "currency": price.currency,
        "text": price.price_text or price_text(price),
    }


def price_text(price: StationPrice) -> str:
    """The price in words, when the operator wrote none: "0.42 EUR/kWh, 2.00 EUR/h, 1.00 EUR per session"."""
    parts = [f"{price.kwh_price:.2f} {price.currency}/kWh"]
    if price.hour_price:
        parts.append(f"{price.hour_price:.2f} {price.currency}/h")
    if price.flat_fee:
        parts.append(f"{price.flat_fee:.2f} {price.currency} per session")
    return ", ".join(parts)


def final_text(price: StationPrice, cost: float | None) -> str | None:
    """The final cost in words ("Total 6.60 EUR"), or None while the session has no final cost."""
    return None if cost is None else f"Total {cost:.2f} {price.currency}"


def costs(
    price: StationPrice, session: ChargingSession, moment: datetime, unplugged: datetime | None
) -> dict[str, Any]:
    """The running and final (once stopped) displayed cost; idle time after `unplugged` is priced past the grace."""
    end = session.stopped_at or moment
    hours = Decimal(max((end - session.started_at).total_seconds(), 0)) / 3600
    energy = Decimal(str(session.energy_wh or 0)) / 1000
    running = price.flat_fee + price.kwh_price * energy + price.hour_price * hours
    final = running
    if unplugged is not None and session.stopped_at is not None and price.idle_hour_price:
        idle_minutes = Decimal((unplugged - session.stopped_at).total_seconds()) / 60 - (price.idle_grace_minutes or 0)
        if idle_minutes > 0:
            final += price.idle_hour_price * idle_minutes / 60
    return {"running": cents(running), "final": cents(final) if session.stopped_at else None}


def cents(amount: Decimal) -> float:
    """Money shown to the driver: rounded half up to the cent in decimal, then made a JSON number."""
    return float(amount.quantize(Decimal("0.01"), ROUND_HALF_UP))
