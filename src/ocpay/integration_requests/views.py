"""Integration requests, feature requests and history entries as plain dicts (for the API and the console)."""

from __future__ import annotations

from typing import Any

from ocpay.store.models import FeatureRequest, IntegrationRequest, RequestHistoryEntry


def request_summary(r: IntegrationRequest) -> dict[str, Any]:
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


def history_summary(h: RequestHistoryEntry) -> dict[str, Any]:
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


def feature_summary(f: FeatureRequest) -> dict[str, Any]:
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
