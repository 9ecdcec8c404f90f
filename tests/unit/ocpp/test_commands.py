"""CSMS -> station payloads per version; 2.x variables named as the station reports them."""

from __future__ import annotations

from typing import Any

import pytest

from ocpay.ocpp import commands
from ocpay.ocpp.commands import UnsupportedCommand
from ocpay.ocpp.handlers.notify_report import variable_key
from ocpay.ocpp.schemas import SchemaSet

SCHEMAS = SchemaSet()


@pytest.mark.parametrize(
    ("component", "variable"),
    [
        ({"name": "TariffCostCtrlr"}, {"name": "Enabled", "instance": "Cost"}),
        ({"name": "EVSE", "evse": {"id": 2}}, {"name": "Power"}),
        ({"name": "Connector", "instance": "A", "evse": {"id": 1}}, {"name": "Available", "instance": "x"}),
    ],
)
def test_a_reported_variable_is_set_under_the_same_name(component: dict[str, Any], variable: dict[str, Any]) -> None:
    command = commands.set_configuration("2.0.1", variable_key(component, variable), "true")
    SCHEMAS.validate("2.0.1", command.action, command.payload)
    (data,) = command.payload["setVariableData"]
    assert (data["component"], data["variable"], data["attributeValue"]) == (component, variable, "true")


def test_a_2x_variable_needs_a_component() -> None:
    with pytest.raises(UnsupportedCommand, match="Component"):
        commands.set_configuration("2.1", "HeartbeatInterval", "60")


def test_1_6_keys_are_plain() -> None:
    command = commands.set_configuration("1.6", "HeartbeatInterval", "60")
    SCHEMAS.validate("1.6", command.action, command.payload)
    assert command.payload == {"key": "HeartbeatInterval", "value": "60"}
