"""The routing table: which handler answers which action, per OCPP version."""

from __future__ import annotations

from typing import Any

import pytest

from ocpay.ocpp.handlers import (
    authorize,
    boot_notification,
    data_transfer,
    heartbeat,
    meter_values,
    notify_report,
    payment_action,
    start_transaction,
    station_notices,
    status_notification,
    stop_transaction,
    transaction_event,
)
from ocpay.ocpp.ports import CallContext
from ocpay.ocpp.routing import Handler, Router
from ocpay.ocpp.schemas import SchemaSet, actions

COMMON: dict[str, Handler] = {
    "BootNotification": boot_notification.handle,
    "Heartbeat": heartbeat.handle,
    "StatusNotification": status_notification.handle,
    "Authorize": authorize.handle,
    "MeterValues": meter_values.handle,
    "DataTransfer": data_transfer.handle,
    "FirmwareStatusNotification": station_notices.firmware_status,
    "LogStatusNotification": station_notices.log_status,
    "SecurityEventNotification": station_notices.security_event,
}
V2X: dict[str, Handler] = {
    **COMMON,
    "TransactionEvent": transaction_event.handle,
    "NotifyEvent": station_notices.notify_event,
    "NotifyReport": notify_report.handle,
}
EXPECTED: dict[str, dict[str, Handler]] = {
    "1.6": {
        **COMMON,
        "StartTransaction": start_transaction.handle,
        "StopTransaction": stop_transaction.handle,
        "DiagnosticsStatusNotification": station_notices.diagnostics_status,
    },
    "2.0.1": V2X,
    "2.1": V2X,
}


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
def test_each_version_routes_exactly_its_actions_to_their_handlers(version: str) -> None:
    router = Router()

    assert sorted(action for v, action in router.routed() if v == version) == sorted(EXPECTED[version])
    for action, handler in EXPECTED[version].items():
        assert router.handler(version, action) is handler, action


def test_16_has_start_and_stop_and_2x_has_transaction_events() -> None:
    router = Router()

    assert router.handler("1.6", "TransactionEvent") is None
    assert router.handler("2.0.1", "StartTransaction") is None
    assert router.handler("2.1", "StopTransaction") is None


def test_every_routed_action_has_its_official_request_and_answer_schemas() -> None:
    schemas = SchemaSet()
    for version, action in Router().routed():
        assert action in actions(version), (version, action)
        schemas.compile(version, action, False)  # raises FileNotFoundError if a schema is missing
        schemas.compile(version, action, True)


async def _settlement(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    return {}


def test_an_added_route_is_answered_by_its_handler() -> None:
    router = Router()
    handler = payment_action.for_action("NotifySettlement")

    router.add("2.1", "NotifySettlement", handler)

    assert router.handler("2.1", "NotifySettlement") is handler
    assert ("2.1", "NotifySettlement") in router.routed()


def test_an_added_route_stays_in_its_router_and_its_version() -> None:
    router = Router()
    router.add("2.1", "NotifySettlement", _settlement)

    assert router.handler("2.0.1", "NotifySettlement") is None  # 2.1's table is a copy of 2.0.1's, not the same
    assert Router().handler("2.1", "NotifySettlement") is None  # each server builds its own router


def test_an_unknown_action_is_not_routed() -> None:
    assert Router().handler("2.0.1", "MakeCoffee") is None


@pytest.mark.parametrize(
    ("version", "action", "code"),
    [
        ("1.6", "SignCertificate", "NotSupported"),  # a 1.6 security-extension action nobody handles
        ("2.0.1", "Get15118EVCertificate", "NotSupported"),
        ("2.1", "NotifySettlement", "NotSupported"),  # no dialect answers it: known, but not supported
        ("1.6", "TransactionEvent", "NotImplemented"),  # a 2.x action is unknown to 1.6
        ("2.0.1", "NotifySettlement", "NotImplemented"),  # a 2.1 action is unknown to 2.0.1
        ("2.1", "MakeCoffee", "NotImplemented"),
    ],
)
def test_an_unrouted_call_is_not_supported_if_the_version_knows_it_otherwise_not_implemented(
    version: str, action: str, code: str
) -> None:
    assert Router.unrouted_error(version, action) == code
