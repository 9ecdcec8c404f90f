"""Authorize: is this id token allowed to charge here? (1.6 idTag, 2.x idToken)"""

from __future__ import annotations

from typing import Any

from ocpay.ocpp.handlers._convert import id_tag_info, id_token_info, id_token_v2
from ocpay.ocpp.model import IdToken
from ocpay.ocpp.ports import CallContext


async def handle(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Authorize: the id token's authorization from the sessions port."""
    token = IdToken(payload["idTag"]) if ctx.version == "1.6" else id_token_v2(payload["idToken"])
    auth = await ctx.ports.sessions.authorize(ctx.station_id, token)
    ctx.observed(token, auth)
    if ctx.version == "1.6":
        return {"idTagInfo": id_tag_info(auth)}
    return {"idTokenInfo": id_token_info(auth)}
