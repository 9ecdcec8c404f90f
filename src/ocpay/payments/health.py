"""Integration health: is a station's payment integration set up as its dialect needs, and is it working?"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ocpay.charging.stations import Stations
from ocpay.ocpp.model import now
from ocpay.payments.bindings import Binding
from ocpay.payments.engine import Payments
from ocpay.store.db import Database
from ocpay.store.models import Station, StationSetting
from ocpay.store.queries import payments as queries

FAILED_PAYMENTS = ("failed", "declined")
ATTENTION_FAILURE_RATE = 0.2  # above this share of failed card sessions, the integration needs attention


class IntegrationHealth:
    """Reads a station's integration health from its binding, its reported settings and its recent sessions."""

    def __init__(self, db: Database, stations: Stations, payments: Payments) -> None:
        self.db = db
        self.stations = stations
        self.payments = payments

    async def station(self, station_id: str, window: int = 20) -> dict[str, Any] | None:
        """The health of the station's integration, or None for an unknown station.

        - configuration: each key the dialect and the catalog entry need, compared with what the station last
          reported (GetConfiguration / GetVariables / NotifyReport): ok, mismatch, or unknown (never reported);
        - the last card session;
        - failure rate: card sessions failed or declined among the last `window`, and the dialect messages
          the engine rejected (station notices of kind "dialect") over the last 24 hours.
        """
        station = await self.stations.get(station_id)
        if station is None:
            return None
        binding = self.payments.binding(station_id)
        configuration = await self._configuration(station, binding)
        async with self.db.read() as s:
            recent = await queries.recent_card_sessions(s, station_id, window)
            rejected = await queries.rejected_dialect_messages(s, station_id, now() - timedelta(hours=24))
            last_rejected = await queries.last_rejected_dialect_message(s, station_id)
            last_event = await queries.last_payment_event_at(s, station_id)
        failed = sum(1 for x in recent if x.payment_status in FAILED_PAYMENTS)
        mismatches = [c["key"] for c in configuration if c["state"] == "mismatch"]
        unknowns = [c["key"] for c in configuration if c["state"] == "unknown"]
        failure_rate = None if not recent else round(failed / len(recent), 4)
        return {
            "station_id": station_id,
            "status": _status(binding, mismatches, unknowns, rejected, failure_rate),
            "connected": station.connected,
            "integration": binding.entry_id if binding else station.integration,
            "dialect": binding.dialect.id if binding else None,
            "configuration": configuration,
            "adopted": _adopted(configuration),
            "mismatches": mismatches,
            "unknowns": unknowns,
            "last_card_session": recent[0] if recent else None,
            "last_payment_event_at": last_event,
            "card_sessions_considered": len(recent),
            "card_sessions_failed": failed,
            "failure_rate": failure_rate,
            "rejected_dialect_messages_24h": rejected,
            "last_rejected_dialect_message": None
            if last_rejected is None
            else {"at": last_rejected.at, "status": last_rejected.status, "detail": last_rejected.detail},
        }

    async def _configuration(self, station: Station, binding: Binding | None) -> list[dict[str, Any]]:
        """Each key the dialect and the catalog entry need, against the value the station last reported.

        `parameter` names the binding's parameter a key's expected value is; `adopted` says that the binding
        left it unset and took the station's value.
        """
        if binding is None:
            return []
        settings = {x.key: x for x in await self.stations.settings(station.id)}
        configuration: list[dict[str, Any]] = []
        for key in self.payments.bindings.configuration(binding, station.ocpp_version):
            expected = binding.dialect.resolve(key.expected, binding.params) if key.expected else None
            reported = settings.get(key.key)
            parameter = key.expected.removeprefix("$param.") if key.expected and key.expected[0] == "$" else None
            configuration.append(
                {
                    "key": key.key,
                    "expected": expected,
                    "parameter": parameter,
                    "adopted": parameter in binding.adopted,
                    "reported": None if reported is None else reported.value,
                    "reported_at": None if reported is None else reported.updated_at,
                    "state": _setting_state(reported, expected),
                    "owner": key.owner,
                    "description": key.description,
                }
            )
        return configuration


def _adopted(configuration: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """parameter -> the station's value the binding took (it left the parameter unset), and where it was read."""
    return {
        c["parameter"]: {"value": c["expected"], "key": c["key"], "reported_at": c["reported_at"]}
        for c in configuration
        if c["adopted"]
    }


def _setting_state(reported: StationSetting | None, expected: str | None) -> str:
    if reported is None:
        return "unknown"
    return "ok" if expected is None or (reported.value or "") == expected else "mismatch"


def _status(
    binding: Binding | None, mismatches: list[str], unknowns: list[str], rejected: int, failure_rate: float | None
) -> str:
    if binding is None:
        return "unbound"
    if mismatches or rejected or (failure_rate or 0) > ATTENTION_FAILURE_RATE:
        return "attention"
    return "unverified" if unknowns else "ok"
