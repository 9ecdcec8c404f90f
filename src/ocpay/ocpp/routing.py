"""The routing table: which handler answers which action, per OCPP version (like MaEVe's routing.go)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

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
from ocpay.ocpp.ports import CallContext, PaymentPort
from ocpay.ocpp.schemas import actions

Handler = Callable[[CallContext, dict[str, Any]], Awaitable[dict[str, Any]]]

_COMMON: dict[str, Handler] = {
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

_STANDARD: dict[str, dict[str, Handler]] = {
    "1.6": {
        **_COMMON,
        "StartTransaction": start_transaction.handle,
        "StopTransaction": stop_transaction.handle,
        "DiagnosticsStatusNotification": station_notices.diagnostics_status,
    },
    "2.0.1": {
        **_COMMON,
        "TransactionEvent": transaction_event.handle,
        "NotifyEvent": station_notices.notify_event,
        "NotifyReport": notify_report.handle,
    },
}
_STANDARD["2.1"] = dict(_STANDARD["2.0.1"])


_PAYMENT_VERSIONS = ("2.0.1", "2.1")  # standard payment actions exist from 2.x on


class Router:
    """Maps (version, action) to a handler. Each server builds its own, so extensions stay local.

    With a payment port, the standard payment actions it answers (2.1 NotifySettlement, ...) are routed
    to it, in every version that knows the action and has no handler of its own for it.
    """

    def __init__(self, payments: PaymentPort | None = None) -> None:
        self._routes = {version: dict(table) for version, table in _STANDARD.items()}
        for action in payments.answered_actions() if payments is not None else ():
            for version in _PAYMENT_VERSIONS:
                if action in actions(version) and self.handler(version, action) is None:
                    self.add(version, action, payment_action.for_action(action))

    def add(self, version: str, action: str, handler: Handler) -> None:
        """Route one more action."""
        self._routes[version][action] = handler

    def handler(self, version: str, action: str) -> Handler | None:
        """The handler of `action` in `version`, or None where nothing routes it."""
        return self._routes[version].get(action)

    def routed(self) -> list[tuple[str, str]]:
        """Every routed (version, action)."""
        return [(version, action) for version, table in self._routes.items() for action in table]

    @staticmethod
    def unrouted_error(version: str, action: str) -> str:
        """A CALL nobody handles: known to the version -> NotSupported, otherwise NotImplemented."""
        return "NotSupported" if action in actions(version) else "NotImplemented"
