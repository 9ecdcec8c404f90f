"""CSMS -> station commands, one neutral request each, built for the station's OCPP version."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ocpay.ocpp.handlers.data_transfer import encode_data


@dataclass(frozen=True, slots=True)
class Command:
    """A CSMS -> station call: the action and its payload for one OCPP version."""

    action: str
    payload: dict[str, Any]


class UnsupportedCommand(ValueError):
    """A command that cannot be put in the station's OCPP version."""

    pass


def remote_start(version: str, id_token: str, evse_id: int | None, remote_start_id: int) -> Command:
    """RemoteStartTransaction (1.6) or RequestStartTransaction (2.x)."""
    if version == "1.6":
        payload: dict[str, Any] = {"idTag": id_token}
        if evse_id is not None:
            payload["connectorId"] = evse_id
        return Command("RemoteStartTransaction", payload)
    payload = {"idToken": {"idToken": id_token, "type": "Central"}, "remoteStartId": remote_start_id}
    if evse_id is not None:
        payload["evseId"] = evse_id
    return Command("RequestStartTransaction", payload)


def remote_stop(version: str, transaction_id: str) -> Command:
    """RemoteStopTransaction (1.6) or RequestStopTransaction (2.x)."""
    if version == "1.6":
        if not (transaction_id.isascii() and transaction_id.isdigit() and int(transaction_id) < 2**31):
            raise UnsupportedCommand(
                f"transaction_id: OCPP 1.6 transaction ids are whole numbers, not {transaction_id!r}"
            )
        return Command("RemoteStopTransaction", {"transactionId": int(transaction_id)})
    return Command("RequestStopTransaction", {"transactionId": transaction_id})


def reset(version: str, hard: bool) -> Command:
    """Reset: Hard/Soft (1.6) or Immediate/OnIdle (2.x)."""
    if version == "1.6":
        return Command("Reset", {"type": "Hard" if hard else "Soft"})
    return Command("Reset", {"type": "Immediate" if hard else "OnIdle"})


def set_configuration(version: str, key: str, value: str) -> Command:
    """1.6 key, or 2.x `Component.Variable` (see notify_report.variable_key for the naming)."""
    if version == "1.6":
        return Command("ChangeConfiguration", {"key": key, "value": value})
    component, variable = _split_variable(key)
    return Command(
        "SetVariables",
        {"setVariableData": [{"component": component, "variable": variable, "attributeValue": value}]},
    )


def get_configuration(version: str, keys: list[str], request_id: int) -> Command:
    """GetConfiguration (1.6); GetVariables, or GetBaseReport for everything under `request_id` (2.x)."""
    if version == "1.6":
        return Command("GetConfiguration", {"key": keys} if keys else {})
    if not keys:
        return Command("GetBaseReport", {"requestId": request_id, "reportBase": "FullInventory"})
    data = []
    for key in keys:
        component, variable = _split_variable(key)
        data.append({"component": component, "variable": variable})
    return Command("GetVariables", {"getVariableData": data})


def trigger_message(version: str, message: str, evse_id: int | None) -> Command:
    """TriggerMessage for `message`, on one EVSE or the whole station."""
    if version == "1.6":
        payload: dict[str, Any] = {"requestedMessage": message}
        if evse_id is not None:
            payload["connectorId"] = evse_id
        return Command("TriggerMessage", payload)
    payload = {"requestedMessage": message}
    if evse_id is not None:
        payload["evse"] = {"id": evse_id}
    return Command("TriggerMessage", payload)


def data_transfer(version: str, vendor_id: str, message_id: str | None, data: Any) -> Command:
    """DataTransfer; 1.6 carries structured data as JSON text."""
    payload: dict[str, Any] = {"vendorId": vendor_id}
    if message_id is not None:
        payload["messageId"] = message_id
    if data is not None:
        payload["data"] = encode_data(version, data)
    return Command("DataTransfer", payload)


def unlock_connector(version: str, evse_id: int, connector_id: int) -> Command:
    """UnlockConnector of one connector."""
    if version == "1.6":
        return Command("UnlockConnector", {"connectorId": evse_id})
    return Command("UnlockConnector", {"evseId": evse_id, "connectorId": connector_id})


def change_availability(version: str, evse_id: int, operative: bool) -> Command:
    """ChangeAvailability of one EVSE (0 or none: the whole station)."""
    if version == "1.6":
        return Command(
            "ChangeAvailability",
            {"connectorId": evse_id, "type": "Operative" if operative else "Inoperative"},
        )
    payload: dict[str, Any] = {"operationalStatus": "Operative" if operative else "Inoperative"}
    if evse_id:
        payload["evse"] = {"id": evse_id}
    return Command("ChangeAvailability", payload)


_VARIABLE_KEY = re.compile(
    r"^(?P<component>[^.\[\]]+)(?:\[(?!evse )(?P<component_instance>[^\]]+)\])?(?:\[evse (?P<evse>\d+)\])?"
    r"\.(?P<variable>[^.\[\]]+)(?:\[(?P<variable_instance>[^\]]+)\])?$"
)


def _split_variable(key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """`Component[instance][evse N].Variable[instance]` (as notify_report.variable_key writes it) -> 2.x types."""
    match = _VARIABLE_KEY.match(key)
    if match is None:
        raise UnsupportedCommand(f"2.x variables are named Component[instance].Variable[instance], not {key!r}")
    component: dict[str, Any] = {"name": match["component"]}
    if match["component_instance"]:
        component["instance"] = match["component_instance"]
    if match["evse"]:
        component["evse"] = {"id": int(match["evse"])}
    variable: dict[str, Any] = {"name": match["variable"]}
    if match["variable_instance"]:
        variable["instance"] = match["variable_instance"]
    return component, variable
