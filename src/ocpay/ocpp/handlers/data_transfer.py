"""DataTransfer from a station: 1.6 carries `data` as a string, 2.x as any JSON value."""

from __future__ import annotations

from typing import Any

import orjson

from ocpay.gateway.framing import MAX_DEPTH, deeper_than
from ocpay.ocpp.model import CustomMessage, ValueRefused
from ocpay.ocpp.ports import CallContext


def decode(version: str, payload: dict[str, Any]) -> CustomMessage:
    """A DataTransfer payload as a CustomMessage; 1.6 JSON text is parsed, other text kept as it is."""
    vendor_id, message_id = payload["vendorId"], payload.get("messageId")
    data = payload.get("data")
    if version == "1.6" and isinstance(data, str):
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError:
            return CustomMessage(vendor_id, message_id, data, raw_data=data, data_is_json=False)
        if deeper_than(parsed, MAX_DEPTH):  # the frame's own bound, for JSON carried inside a string
            raise ValueRefused("FormatViolation", f"data nests deeper than {MAX_DEPTH} levels")
        return CustomMessage(vendor_id, message_id, parsed, raw_data=data)
    return CustomMessage(vendor_id, message_id, data)


def encode_data(version: str, data: Any) -> Any:
    """1.6 answers carry data as a string too; structured answers are serialised to JSON text."""
    if version == "1.6" and not isinstance(data, str):
        return orjson.dumps(data).decode()
    return data


async def handle(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    """The custom-message port's answer, its data encoded for the version."""
    reply = await ctx.ports.custom.data_transfer(ctx.station_id, ctx.version, decode(ctx.version, payload))
    answer: dict[str, Any] = {"status": reply.status}
    if reply.data is not None and reply.status not in ("UnknownVendorId", "UnknownMessageId"):
        answer["data"] = encode_data(ctx.version, reply.data)
    return answer
