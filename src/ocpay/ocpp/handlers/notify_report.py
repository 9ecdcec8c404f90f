"""2.x NotifyReport: the station's device model, kept as key/value configuration."""

from __future__ import annotations

from typing import Any

from ocpay.ocpp.model import MAX_SETTING_KEY, ReportedVariable, ValueRefused
from ocpay.ocpp.ports import CallContext


def variable_key(component: dict[str, Any], variable: dict[str, Any]) -> str:
    """`Component[instance][evse].Variable[instance]`, the name the API and dialects use."""
    name = component["name"]
    if "instance" in component:
        name += f"[{component['instance']}]"
    if "evse" in component:
        name += f"[evse {component['evse']['id']}]"
    key = f"{name}.{variable['name']}"
    if "instance" in variable:
        key += f"[{variable['instance']}]"
    return key


async def handle(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    """NotifyReport: the Actual values of the report go to the stations port."""
    variables = []
    for item in payload.get("reportData") or ():
        key = variable_key(item["component"], item["variable"])
        if len(key) > MAX_SETTING_KEY:  # each part at its schema maximum: longer than any real station's name
            raise ValueRefused("PropertyConstraintViolation", f"{key[:60]}... is over {MAX_SETTING_KEY} characters")
        for attribute in item["variableAttribute"]:
            if attribute.get("type", "Actual") != "Actual":
                continue
            readonly = attribute.get("mutability") == "ReadOnly"
            variables.append(ReportedVariable(key, attribute.get("value"), readonly))
    await ctx.ports.stations.report(ctx.station_id, variables)
    return {}
