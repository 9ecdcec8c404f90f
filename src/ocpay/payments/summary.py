"""A card session's neutral payment summary: event kinds, how statuses rank, amounts as stored.

The SQL twin of `summarise` is UPDATE_SESSION_PAYMENT (store/statements.py): both follow the rules here.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation, Overflow
from typing import Any

from ocpay.ocpp.model import money
from ocpay.store.models import ChargingSession

# Showing a price says nothing about who pays: RFID sessions see prices too.
DISPLAY_ONLY = frozenset({"price_shown", "price_requested"})
_SUMMARY_STATUS = {
    "authorized": "authorized",
    "declined": "declined",
    "settled": "settled",
    "canceled": "canceled",
    "failed": "failed",
}
# The status only moves forward: a late or retried message never takes a settled session back.
_STATUS_RANK = {"authorized": 1, "declined": 2, "canceled": 2, "failed": 2, "settled": 3}


def summary_values(kind: str | None, amount: Decimal | None, fields: dict[str, Any]) -> dict[str, Any]:
    """What an event of `kind` changes in its session's payment summary (None: leave as it is)."""
    status = _SUMMARY_STATUS.get(kind or "")
    return {
        "status": status,
        "rank": _STATUS_RANK.get(status or "", 0),
        "authorized_amount": amount if kind == "authorized" else None,
        "final_amount": amount if kind == "settled" else None,
        "currency": text(fields.get("currency"), 3),
        "brand": text(fields.get("brand"), 30),
    }


def summarise(
    session: ChargingSession, dialect_id: str, kind: str | None, amount: Decimal | None, fields: dict[str, Any]
) -> None:
    """Apply one event to the session's summary in memory: the ORM twin of UPDATE_SESSION_PAYMENT."""
    if kind in DISPLAY_ONLY:
        return
    values = summary_values(kind, amount, fields)
    session.billing = "terminal"  # a terminal took the payment: never billed by the CSMS
    session.dialect = session.dialect or dialect_id
    status = values["status"]
    if status and values["rank"] >= _STATUS_RANK.get(session.payment_status or "", 0):
        session.payment_status = status
    for column, key in (("authorized_amount", "authorized_amount"), ("final_amount", "final_amount"),
                        ("currency", "currency"), ("card_brand", "brand")):  # fmt: skip
        if values[key] is not None:
            setattr(session, column, values[key])


def amount(value: Any, scale: float) -> Decimal | None:
    """A message's amount times the dialect's scale, to four places; None where it is no number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return (Decimal(str(value)) * Decimal(str(scale))).quantize(Decimal("0.0001"))
    except (InvalidOperation, ValueError):
        return None


def received_amount(value: Any, scale: float, what: str) -> Decimal | None:
    """A station's amount as `amount` reads it; ValueRefused where it is a number no payment can have.

    Not finite (NaN, Infinity), negative, or beyond what is kept (ocpp.model.MAX_AMOUNT): refused,
    never stored. Text that is no number stays None, as in `amount`.
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        scaled = Decimal(str(value)) * Decimal(str(scale))
    except (InvalidOperation, ValueError):
        return None
    except Overflow:  # beyond even Decimal's exponent: no amount at all
        return money(Decimal("Infinity"), what)
    return money(scaled, what).quantize(Decimal("0.0001"))


def text(value: Any, limit: int) -> str | None:
    """A value as text cut to its column's length; None stays None."""
    return None if value is None else str(value)[:limit]
