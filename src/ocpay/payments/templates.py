"""Dialect templates: the values a dialect's answers and messages may name (`$price.text`, `$session.transaction_id`).

`Templates.context` gathers them for one station (its price, session, parameters); `render` fills a
template with them, dropping what rendered to nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ocpay.integrations.paths import get_path
from ocpay.ocpp.model import format_time, now
from ocpay.payments.prices import Prices, costs, final_text, price_view
from ocpay.store.db import Database
from ocpay.store.models import ChargingSession
from ocpay.store.queries import payments as queries

VAT_NUMBER = re.compile(r"^[A-Z]{2}[0-9A-Z+*]{2,13}$")


class Templates:
    """Builds the context dialect templates are rendered with."""

    def __init__(self, db: Database, prices: Prices, receipt_url_template: str | None = None) -> None:
        self.db = db
        self.prices = prices
        self.receipt_url_template = receipt_url_template

    async def context(
        self,
        station_id: str,
        params: dict[str, Any],
        data: Any = None,
        *,
        issued_token: str | None = None,
        session: ChargingSession | None = None,
        id_token: str | None = None,
        trigger: str | None = None,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """What templates may name: `param`, `now`, `message` (`data`), `price`, `check`, `session`, `cost`, ..."""
        moment = now()
        price = await self.prices.get(station_id)
        context: dict[str, Any] = {
            "param": {k: None if v is None else str(v) for k, v in params.items()},
            "now": format_time(moment),
            "id_token": id_token,
            "issued_token": issued_token,
            "message": data if isinstance(data, dict) else {},
            "price": price_view(price),
            "check": {
                "vat_number": "Accepted" if VAT_NUMBER.match(str(get_path(data, "vatNumber") or "")) else "Rejected"
            },
            "receipt_url": None,
        }
        if session is not None:
            unplugged = (at or moment) if trigger == "connector_unplugged" else None
            context["session"] = {
                "transaction_id": session.transaction_id,
                "transaction_number": _number(session.transaction_id),
                "meter_wh": int(session.meter_stop_wh or session.meter_start_wh or 0),
                "energy_wh": session.energy_wh or 0,
                "cost_state": "Charging" if session.status == "active" else "Idle",
            }
            context["cost"] = costs(price, session, moment, unplugged) if price else {}
            context["cost"]["zero_when_nothing_delivered"] = 0 if not session.energy_wh else None
            context["price"]["final_text"] = final_text(price, context["cost"].get("final")) if price else None
        if self.receipt_url_template and await self._receipt_by_csms(station_id, params):
            context["receipt_url"] = self.receipt_url_template.format(
                station_id=station_id,
                session_id=session.id if session else "",
                transaction_id=(session.transaction_id if session else ""),
            )
        return context

    async def _receipt_by_csms(self, station_id: str, params: dict[str, Any]) -> bool:
        """C21.FR.03: the station's own PaymentCtrlr.ReceiptByCSMS, when it reported it, else the parameter."""
        async with self.db.read() as s:
            reported = await queries.station_setting(s, station_id, "PaymentCtrlr.ReceiptByCSMS")
        value = reported.value if reported is not None else params.get("receipt_by_csms", "true")
        return str(value).lower() == "true"


def render(template: Any, context: dict[str, Any]) -> Any:
    """The template with each `$root.path` replaced from `context`; objects that rendered empty become None."""
    if isinstance(template, str) and template.startswith("$"):
        root, _, path = template[1:].partition(".")
        value = context.get(root)
        return get_path(value, path) if path else value
    if isinstance(template, dict):
        rendered = {k: render(v, context) for k, v in template.items()}
        rendered = {k: v for k, v in rendered.items() if v is not None and v != {}}
        return rendered or None
    if isinstance(template, list):
        return [render(v, context) for v in template]
    return template


def _number(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None
