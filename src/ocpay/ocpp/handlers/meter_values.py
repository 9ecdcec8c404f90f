"""MeterValues: readings of a connector, inside a session or not."""

from __future__ import annotations

from typing import Any

from ocpay.ocpp.handlers._convert import meter_samples
from ocpay.ocpp.model import MeterReport
from ocpay.ocpp.ports import CallContext


async def handle(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    """MeterValues: the samples go to the sessions port (1.6 with their transaction)."""
    samples = meter_samples(payload["meterValue"], ctx.version)
    if ctx.version == "1.6":
        tx = payload.get("transactionId")
        report = MeterReport(payload["connectorId"], None if tx is None else str(tx), samples)
    else:
        report = MeterReport(payload["evseId"], None, samples)  # 2.x MeterValues are outside transactions
    await ctx.ports.sessions.meter_values(ctx.station_id, report)
    ctx.observed(report)
    return {}
