"""Read models across domains for the REST API and the console: list totals, the dashboard, the inbox assessment."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from ocpay.app.container import Services
from ocpay.assessment import assess, recorded_documentation
from ocpay.ocpp.model import now
from ocpay.payments.health import FAILED_PAYMENTS
from ocpay.store.models import ChargingSession
from ocpay.store.queries import overview as queries


async def count_stations(services: Services) -> int:
    """How many stations are registered."""
    async with services.db.read() as s:
        return await queries.count_stations(s)


async def count_sessions(
    services: Services, *, station_id: str | None = None, status: str | None = None, since: datetime | None = None
) -> int:
    """How many sessions match the filter (the same filter as the session list)."""
    return await services.sessions.count(station_id=station_id, status=status, since=since)


async def price_currencies(services: Services, sessions: list[ChargingSession]) -> dict[str, str]:
    """station id -> the currency of its price, for the stations of card sessions whose messages named none."""
    currencies: dict[str, str] = {}
    for station_id in {x.station_id for x in sessions if x.billing == "terminal" and x.currency is None}:
        price = await services.payments.prices.get(station_id)  # cached
        if price is not None:
            currencies[station_id] = price.currency
    return currencies


async def count_id_tokens(services: Services) -> int:
    """How many id tokens are known."""
    async with services.db.read() as s:
        return await queries.count_id_tokens(s)


async def count_unrecognised(services: Services, station_id: str | None = None) -> int:
    """How many unrecognised messages are kept (of one station, when given)."""
    async with services.db.read() as s:
        return await queries.count_unrecognised(s, station_id)


async def count_requests(services: Services, status: str | None = None) -> int:
    """How many integration requests there are (in one status, when given)."""
    async with services.db.read() as s:
        return await queries.count_requests(s, status)


async def count_feature_requests(services: Services, status: str | None = None) -> int:
    """How many feature requests there are (in one status, when given)."""
    async with services.db.read() as s:
        return await queries.count_feature_requests(s, status)


async def dashboard(services: Services) -> dict[str, Any]:
    """Stations online, sessions now, card sessions today, payment success rate, unrecognised messages."""
    midnight = now().replace(hour=0, minute=0, second=0, microsecond=0)
    async with services.db.read() as s:
        figures = await queries.dashboard_figures(s, midnight)
    outcomes: dict[str | None, int] = figures.pop("card_outcomes")
    failed = sum(n for status, n in outcomes.items() if status in FAILED_PAYMENTS)
    succeeded = sum(n for status, n in outcomes.items() if status in ("settled", "authorized"))
    decided = failed + succeeded
    return {
        "stations": figures["stations"],
        "stations_online": figures["stations_online"],
        "sessions_active": figures["sessions_active"],
        "card_sessions_today": figures["card_sessions_today"],
        "payment_success_rate": None if decided == 0 else round(succeeded / decided, 4),
        "payments_failed_today": failed,
        "unrecognised_messages": figures["unrecognised_messages"],
        "open_requests": figures["open_requests"],
    }


async def assess_recorded(services: Services, station_id: str, terminal: str | None = None) -> dict[str, Any]:
    """The assessment of what a station sent that no dialect recognised (masked samples only).

    Raises DocumentError when nothing was recorded for the station.
    """
    doc = await recorded_documentation(services.db, station_id)
    result = await asyncio.to_thread(assess, doc, services.dialects, services.catalog, terminal=terminal)
    return {"station_id": station_id, **result.to_json()}
