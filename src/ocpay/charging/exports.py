"""Session exports that keep terminal-paid sessions apart from the sessions the CSMS bills.

A card session was paid at the terminal with the station's own tariff: it appears with the amount the
terminal reported and is never priced again. Only `csms_billed` sessions go to the CSMS's billing.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from ocpay.charging.sessions import session_summary
from ocpay.store.db import Database
from ocpay.store.queries import charging as queries

CSV_COLUMNS = [
    "billing", "id", "station_id", "transaction_id", "status", "started_at", "stopped_at", "energy_wh",
    "id_token", "stop_reason", "payment_dialect", "payment_status", "authorized_amount", "final_amount",
    "currency", "card_brand",
]  # fmt: skip


async def export_sessions(
    db: Database, *, since: datetime | None = None, until: datetime | None = None, completed_only: bool = True
) -> dict[str, list[dict[str, Any]]]:
    """Sessions started in [since, until), oldest first, split into `terminal_paid` and `csms_billed`."""
    async with db.read() as s:
        sessions = await queries.sessions_started_between(s, since=since, until=until, completed_only=completed_only)
    return {
        "terminal_paid": [session_summary(x) for x in sessions if x.billing == "terminal"],
        "csms_billed": [session_summary(x) for x in sessions if x.billing != "terminal"],
    }


def export_csv(export: dict[str, list[dict[str, Any]]]) -> str:
    """One row per session, terminal-paid first; the `billing` column says which side bills it."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for billing in ("terminal_paid", "csms_billed"):
        for row in export[billing]:
            payment = row.get("payment") or {}
            writer.writerow(
                {
                    **{k: _cell(v) for k, v in row.items()},
                    "billing": "terminal" if billing == "terminal_paid" else "csms",
                    "payment_dialect": payment.get("dialect"),
                    "payment_status": payment.get("status"),
                    "authorized_amount": payment.get("authorized_amount"),
                    "final_amount": payment.get("final_amount"),
                    "currency": payment.get("currency"),
                    "card_brand": payment.get("brand"),
                }
            )
    return out.getvalue()


def _cell(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
