"""Status and event notifications that are recorded for the operator, one small handler per action."""

from __future__ import annotations

from typing import Any

from ocpay.ocpp.model import StationNotice, parse_time
from ocpay.ocpp.ports import CallContext


async def _record(ctx: CallContext, kind: str, status: str | None, payload: dict[str, Any]) -> dict[str, Any]:
    timestamp = parse_time(payload.get("timestamp") or payload.get("generatedAt"))
    await ctx.ports.stations.notice(ctx.station_id, StationNotice(kind, status, timestamp, payload))
    return {}


async def firmware_status(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    """FirmwareStatusNotification."""
    return await _record(ctx, "firmware", payload["status"], payload)


async def diagnostics_status(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    """1.6 DiagnosticsStatusNotification."""
    return await _record(ctx, "diagnostics", payload["status"], payload)


async def log_status(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    """1.6 security extension and 2.x LogStatusNotification."""
    return await _record(ctx, "log", payload["status"], payload)


async def security_event(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    """SecurityEventNotification."""
    return await _record(ctx, "security", payload["type"], payload)


async def notify_event(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    """2.x NotifyEvent: device-model events (faults, alerts, value changes)."""
    return await _record(ctx, "event", None, payload)
