"""Standard payment actions that a dialect answers (OCPP 2.1 NotifySettlement, VatNumberValidation, ...)."""

from __future__ import annotations

from typing import Any

from ocpay.ocpp.ports import CallContext


async def handle(ctx: CallContext, payload: dict[str, Any], action: str) -> dict[str, Any]:
    """The payment port's answer to `action`; LookupError without a payments layer."""
    if ctx.ports.payments is None:
        raise LookupError(f"{action} needs the payments layer")
    return await ctx.ports.payments.ocpp_action(ctx.station_id, ctx.version, action, payload)


def for_action(action: str) -> Any:
    """A routable handler bound to one action name."""

    async def bound(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
        return await handle(ctx, payload, action)

    bound.__name__ = f"handle_{action}"
    return bound
