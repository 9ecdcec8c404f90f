"""What the requester of an integration request is told of each outcome: the `Notice` and its texts.

A notice is built from the request at the moment of the outcome (`build_notice`) and said in two
forms, JSON for webhooks and plain text for mail. Both go through `redaction.mask` once more, so a
payment identifier that slipped into a reason or a gap is not sent out in clear. Sending is
`notifications`' job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ocpay.payments.redaction import mask
from ocpay.store.models import FeatureRequest, IntegrationRequest

_SUMMARY = {
    "assessed": "Integration request #{id} ({charger} x {terminal}) was assessed: {verdict}",
    "verdict_overridden": "Integration request #{id} ({charger} x {terminal}): the verdict is now {verdict}",
    "rejected": "Integration request #{id} ({charger} x {terminal}) was rejected",
    "in_development": "Integration request #{id} ({charger} x {terminal}) is in development",
    "released": "Integration request #{id} ({charger} x {terminal}) is released",
}
_WITH_VERDICT = ("assessed", "verdict_overridden")  # the events that tell the reasons and next steps


@dataclass(slots=True)
class Notice:
    """One outcome of a request, as the requester is told it."""

    event: str  # assessed, verdict_overridden, rejected, in_development, released
    request: dict[str, Any]  # id, status, verdict, dialect, confidence, charger, terminal, ocpp_version
    summary: str  # one line for people
    reasons: list[str]
    next_steps: list[str]
    gaps: list[dict[str, Any]]
    note: str | None = None
    feature_request: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The notice as a JSON object, payment identifiers masked."""
        body = {
            "event": self.event,
            "summary": self.summary,
            "request": self.request,
            "reasons": self.reasons,
            "next_steps": self.next_steps,
            "gaps": self.gaps,
            "note": self.note,
            "feature_request": self.feature_request,
        }
        return mask(body)

    def text(self) -> str:
        """The notice as plain text for people (a mail body), payment identifiers masked."""
        body = self.to_json()
        lines = [body["summary"], ""]
        req = body["request"]
        lines.append(f"Charger: {req.get('charger')}")
        lines.append(f"Terminal: {req.get('terminal')}")
        if req.get("ocpp_version"):
            lines.append(f"OCPP: {req['ocpp_version']}")
        lines.append(f"Status: {req.get('status')}")
        if req.get("verdict"):
            lines.append(f"Verdict: {req['verdict']}" + (f" (dialect {req['dialect']})" if req.get("dialect") else ""))
        if body["note"]:
            lines += ["", f"Note: {body['note']}"]
        for title, items in (("Reasons", body["reasons"]), ("Next steps", body["next_steps"])):
            if items:
                lines += ["", f"{title}:"] + [f"  - {x}" for x in items]
        if body["gaps"]:
            lines += ["", "Gaps:"] + [
                f"  - {g.get('kind')}: {g.get('message')}: {g.get('detail')}" for g in body["gaps"]
            ]
        if body["feature_request"]:
            fr = body["feature_request"]
            lines += ["", f"Feature request #{fr.get('id')}: {fr.get('title')} ({fr.get('status')})"]
        return "\n".join(lines) + "\n"


def build_notice(
    event: str, request: IntegrationRequest, feature: FeatureRequest | None, note: str | None = None
) -> Notice:
    """The notice of `event` for the request as it is now; gaps only for a needs_development verdict."""
    assessment = request.assessment or {}
    summary = _SUMMARY[event].format(
        id=request.id,
        charger=request.charger,
        terminal=request.terminal,
        verdict=(request.verdict or "").replace("_", " "),
    )
    gaps = [
        {"kind": g.get("kind"), "message": g.get("message"), "detail": g.get("detail")}
        for g in assessment.get("gaps", [])
    ]
    return Notice(
        event=event,
        request={
            "id": request.id,
            "status": request.status,
            "verdict": request.verdict,
            "dialect": request.dialect,
            "confidence": request.confidence,
            "charger": request.charger,
            "terminal": request.terminal,
            "ocpp_version": request.ocpp_version,
            "reject_reason": request.reject_reason,
        },
        summary=summary,
        reasons=list(assessment.get("reasons", [])) if event in _WITH_VERDICT else [],
        next_steps=list(assessment.get("next_steps", [])) if event in _WITH_VERDICT else [],
        gaps=gaps if event in _WITH_VERDICT and request.verdict == "needs_development" else [],
        note=note,
        feature_request=(
            {"id": feature.id, "title": feature.title, "status": feature.status} if feature is not None else None
        ),
    )
