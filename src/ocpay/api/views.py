"""Views: every object the API, the console and the CLI show, turned into the plain dicts they answer with.

Each view takes a domain record and returns a JSON-ready dict (times stay `datetime`, amounts become floats).
Payment identifiers appear only as they are stored (masked); secrets and password hashes never appear.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from typing import Any

from ocpay.integration_requests import RequestDetail, RequestRow
from ocpay.integrations.catalog import CatalogEntry
from ocpay.integrations.dialects import Dialect
from ocpay.store.models import (
    ApiToken,
    BootRecord,
    ChargingSession,
    CommandRecord,
    Connector,
    FeatureRequest,
    IdTokenRecord,
    IntegrationRequest,
    MeterValueRecord,
    PaymentEvent,
    RequestHistoryEntry,
    Station,
    StationNoticeRecord,
    StationSetting,
    UnrecognisedMessage,
)

SESSIONS_CSV_COLUMNS = [
    "billing", "id", "station_id", "transaction_id", "status", "started_at", "stopped_at", "energy_wh",
    "id_token", "stop_reason", "payment_dialect", "payment_status", "authorized_amount", "final_amount",
    "currency", "card_brand",
]  # fmt: skip


def _amount(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


# -- charging ------------------------------------------------------------------------------------------------
def station_view(station: Station) -> dict[str, Any]:
    """A station as listed: identity, firmware, binding and connection state; whether it has a password, not which."""
    return {
        "id": station.id,
        "vendor": station.vendor,
        "model": station.model,
        "serial": station.serial,
        "firmware": station.firmware,
        "ocpp_version": station.ocpp_version,
        "integration": station.integration,
        "connected": station.connected,
        "has_password": station.password_hash is not None,
        "registered_at": station.registered_at,
        "last_boot_at": station.last_boot_at,
        "last_seen_at": station.last_seen_at,
    }


OFFLINE = "Unknown"  # a connector's status while its station is not connected: nobody knows it


def connector_view(connector: Connector, online: bool) -> dict[str, Any]:
    """A connector: its status (`Unknown` while the station is offline) and the status it last reported."""
    return {
        "evse_id": connector.evse_id,
        "connector_id": connector.connector_id,
        "status": connector.status if online else OFFLINE,
        "last_status": connector.status,
        "error_code": connector.error_code,
        "info": connector.info,
        "updated_at": connector.updated_at,
    }


def connector_brief_view(connector: Connector, online: bool) -> dict[str, Any]:
    """A connector in four fields (`ocpay stations show`): evse, connector, status (`Unknown` offline), error."""
    return {
        "evse": connector.evse_id,
        "connector": connector.connector_id,
        "status": connector.status if online else OFFLINE,
        "error": connector.error_code,
    }


def setting_view(setting: StationSetting) -> dict[str, Any]:
    """A setting as the station last reported it (a write-only secret only as "set")."""
    return {"key": setting.key, "value": setting.value, "readonly": setting.readonly, "updated_at": setting.updated_at}


def boot_view(boot: BootRecord) -> dict[str, Any]:
    """One BootNotification: firmware, model and OCPP version at that time."""
    return {
        "at": boot.at,
        "ocpp_version": boot.ocpp_version,
        "vendor": boot.vendor,
        "model": boot.model,
        "serial": boot.serial,
        "firmware": boot.firmware,
        "reason": boot.reason,
    }


def notice_view(notice: StationNoticeRecord) -> dict[str, Any]:
    """One station notice (firmware, security, rejected dialect message, ...)."""
    return {"kind": notice.kind, "status": notice.status, "at": notice.at, "detail": notice.detail}


def session_view(session: ChargingSession, price_currency: str | None = None) -> dict[str, Any]:
    """A session with its energy and, for a card session, the neutral payment summary (never an identifier).

    `meter_stop_wh` is the meter at the stop: None while the session is active (`energy_wh` is the energy so
    far). A payment whose messages name no currency is in the currency of the station's price
    (`price_currency`), the price the session ran under.
    """
    return {
        "id": session.id,
        "station_id": session.station_id,
        "transaction_id": session.transaction_id,
        "evse_id": session.evse_id,
        "connector_id": session.connector_id,
        "id_token": session.id_token,
        "status": session.status,
        "started_at": session.started_at,
        "stopped_at": session.stopped_at,
        "meter_start_wh": session.meter_start_wh,
        "meter_stop_wh": None if session.status == "active" else session.meter_stop_wh,
        "energy_wh": session.energy_wh,
        "stop_reason": session.stop_reason,
        "charging_state": session.charging_state,
        "ocpp_version": session.ocpp_version,
        "billing": session.billing,
        "payment": None
        if session.billing != "terminal"
        else {
            "method": "terminal",
            "dialect": session.dialect,
            "status": session.payment_status,
            "authorized_amount": _amount(session.authorized_amount),
            "final_amount": _amount(session.final_amount),
            "currency": session.currency or price_currency,
            "brand": session.card_brand,
        },
    }


def meter_value_view(sample: MeterValueRecord) -> dict[str, Any]:
    """One meter sample of a session."""
    return {
        "at": sample.at,
        "measurand": sample.measurand,
        "value": sample.value,
        "unit": sample.unit,
        "phase": sample.phase,
    }


def id_token_view(token: IdTokenRecord) -> dict[str, Any]:
    """An id token with its authorisation policy."""
    return {
        "value": token.value,
        "type": token.type,
        "status": token.status,
        "expires_at": token.expires_at,
        "parent_id": token.parent_id,
        "note": token.note,
    }


def command_view(record: CommandRecord) -> dict[str, Any]:
    """A command log record: what was sent, the outcome and the (masked) answer or error."""
    return {
        "id": record.id,
        "station_id": record.station_id,
        "command": record.command,
        "arguments": record.arguments,
        "outcome": record.outcome,
        "answer": record.answer,
        "error": record.error,
        "actor": record.actor,
        "at": record.at,
    }


def sessions_export_view(
    export: dict[str, list[ChargingSession]], currencies: dict[str, str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The session export, each group (`terminal_paid`, `csms_billed`) as session views (see `session_view`)."""
    currencies = currencies or {}
    return {
        group: [session_view(x, currencies.get(x.station_id)) for x in sessions] for group, sessions in export.items()
    }


def sessions_csv(export: dict[str, list[dict[str, Any]]]) -> str:
    """The session export as CSV, one row per session, terminal-paid first; `billing` says which side bills it."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=SESSIONS_CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for group in ("terminal_paid", "csms_billed"):
        for row in export[group]:
            payment = row.get("payment") or {}
            writer.writerow(
                {
                    **{k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()},
                    "billing": "terminal" if group == "terminal_paid" else "csms",
                    "payment_dialect": payment.get("dialect"),
                    "payment_status": payment.get("status"),
                    "authorized_amount": payment.get("authorized_amount"),
                    "final_amount": payment.get("final_amount"),
                    "currency": payment.get("currency"),
                    "card_brand": payment.get("brand"),
                }
            )
    return out.getvalue()


# -- payments ------------------------------------------------------------------------------------------------
def payment_event_view(event: PaymentEvent) -> dict[str, Any]:
    """A payment event: kind, status, amount and brand; the transaction reference is already stored masked."""
    return {
        "id": event.id,
        "session_id": event.session_id,
        "dialect": event.dialect,
        "message": event.message,
        "kind": event.kind,
        "at": event.at,
        "status": event.status,
        "amount": _amount(event.amount),
        "currency": event.currency,
        "brand": event.brand,
        "transaction_id": event.transaction_ref,
        "terminal_id": event.terminal_id,
        "receipt_url": event.receipt_url,
    }


def health_view(health: dict[str, Any], price_currency: str | None = None) -> dict[str, Any]:
    """A station's integration health, its last card session as a session view."""
    last = health["last_card_session"]
    return {**health, "last_card_session": None if last is None else session_view(last, price_currency)}


def unrecognised_view(message: UnrecognisedMessage) -> dict[str, Any]:
    """A custom message no dialect recognised, with its masked sample."""
    return {
        "id": message.id,
        "station_id": message.station_id,
        "ocpp_version": message.ocpp_version,
        "vendor_id": message.vendor_id,
        "message_id": message.message_id or None,
        "first_seen_at": message.first_seen_at,
        "last_seen_at": message.last_seen_at,
        "count": message.count,
        "sample": message.sample,
    }


# -- dialects and catalog ------------------------------------------------------------------------------------
def dialect_view(dialect: Dialect) -> dict[str, Any]:
    """A dialect as listed: provenance, OCPP versions and its messages in one line each."""
    return {
        "id": dialect.id,
        "title": dialect.title,
        "version": dialect.version,
        "provenance": dialect.provenance.kind,
        "source": dialect.provenance.source,
        "ocpp_versions": dialect.ocpp_versions,
        "messages": [
            {
                "name": m.name,
                "kind": m.kind,
                "direction": m.direction,
                "vendor_id": m.vendor_id,
                "message_id": m.message_id,
                "action": m.action,
                "event": m.event or (sorted(set(m.event_by_status.values())) or None),
            }
            for m in dialect.messages
        ],
    }


def dialect_detail_view(dialect: Dialect) -> dict[str, Any]:
    """The whole dialect, as its file says it (field aliases as in the file)."""
    return dialect.model_dump(mode="json", by_alias=True)


def catalog_entry_view(entry: CatalogEntry) -> dict[str, Any]:
    """A catalog entry as listed: the charger x terminal pair, its dialect and status."""
    return {
        "id": entry.id,
        "title": entry.title,
        "charger": entry.charger.model_dump(),
        "terminal": entry.terminal.model_dump(),
        "dialect": entry.dialect,
        "status": entry.status,
        "ocpp_versions": entry.ocpp_versions,
    }


def catalog_entry_detail_view(entry: CatalogEntry) -> dict[str, Any]:
    """The whole catalog entry with its title and setup guide."""
    return {"title": entry.title, **entry.model_dump(mode="json")}


# -- access --------------------------------------------------------------------------------------------------
def api_token_view(token: ApiToken) -> dict[str, Any]:
    """What may be shown of an API token: never its secret or its hash."""
    return {
        "name": token.name,
        "role": token.role,
        "hint": token.hint + "...",
        "created_at": token.created_at,
        "revoked_at": token.revoked_at,
        "active": token.revoked_at is None,
    }


# -- integration requests ---------------------------------------------------------------------------------
def request_view(r: IntegrationRequest) -> dict[str, Any]:
    """An integration request's own fields (no documents, no assessment)."""
    return {
        "id": r.id,
        "requester": r.requester,
        "charger": r.charger,
        "terminal": r.terminal,
        "ocpp_version": r.ocpp_version,
        "status": r.status,
        "verdict": r.verdict,
        "assessed_verdict": r.assessed_verdict,
        "dialect": r.dialect,
        "confidence": r.confidence,
        "override_note": r.override_note,
        "overridden_by": r.overridden_by,
        "reject_reason": r.reject_reason,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    }


def history_entry_view(h: RequestHistoryEntry) -> dict[str, Any]:
    """One entry of a request's history: a transition, a notice, or a delivery."""
    return {
        "at": h.at,
        "kind": h.kind,
        "actor": h.actor,
        "from_status": h.from_status,
        "to_status": h.to_status,
        "channel": h.channel,
        "outcome": h.outcome,
        "detail": h.detail,
    }


def feature_request_view(f: FeatureRequest) -> dict[str, Any]:
    """A feature request with its gaps and drafted dialect."""
    return {
        "id": f.id,
        "request_id": f.request_id,
        "title": f.title,
        "status": f.status,
        "closest_dialect": f.closest_dialect,
        "gaps": f.gaps,
        "drafted_dialect": f.drafted_dialect,
        "created_at": f.created_at,
        "updated_at": f.updated_at,
    }


def request_row_view(row: RequestRow) -> dict[str, Any]:
    """A request in a list: its fields and how many documents it has."""
    return {**request_view(row.request), "documents": row.documents}


def request_detail_view(detail: RequestDetail) -> dict[str, Any]:
    """A request with its documents (no content), assessment, history and feature request."""
    assessment = detail.request.assessment or {}
    return {
        **request_view(detail.request),
        "documents": [
            {
                "id": d.id,
                "name": d.name,
                "media_type": d.media_type,
                "size": d.size,
                "sha256": d.sha256,
                "uploaded_at": d.uploaded_at,
            }
            for d in detail.documents
        ],
        "gaps": assessment.get("gaps", []),
        "reasons": assessment.get("reasons", []),
        "next_steps": assessment.get("next_steps", []),
        "assessment": assessment,
        "history": [history_entry_view(h) for h in detail.history],
        "feature_request": feature_request_view(detail.feature) if detail.feature else None,
    }
