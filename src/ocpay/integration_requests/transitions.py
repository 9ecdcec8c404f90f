"""The status machines of an integration request and of its feature request.

Everything that affects the state machines lives in this file: the states, the one table of
allowed moves, and every function that changes a status. A request moves through

    received -> assessed -> supported | compatible | needs_development | no_payment_evidence
    needs_development -> feature_requested -> in_development -> released
    any state but released -> rejected (with a reason)

and a reviewer may override the verdict while the request is not yet in development. A verdict of
`OPENS_FEATURE` (needs_development) opens a feature request (or reopens the withdrawn one); the others
open none (`no_payment_evidence` waits for the requester's card session); overriding the
verdict away from it, or rejecting the request, withdraws the feature request; the feature request
moves to in_development and released together with its request. Every move of a request is
recorded in its history.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, get_args

from sqlalchemy.ext.asyncio import AsyncSession

from ocpay.integration_requests.errors import IllegalTransition
from ocpay.integration_requests.history import SYSTEM, transition_entry
from ocpay.ocpp.model import now
from ocpay.payments.redaction import mask
from ocpay.store.models import FeatureRequest, IntegrationRequest

Verdict = Literal["supported", "compatible", "needs_development", "no_payment_evidence"]
Status = Literal[
    "received", "assessed", Verdict, "feature_requested", "in_development", "released", "rejected"
]  # fmt: skip
FeatureStatus = Literal["opened", "in_development", "released", "withdrawn"]
Machine = Literal["request", "feature"]

VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
STATUSES: tuple[Status, ...] = get_args(Status)
FEATURE_STATUSES: tuple[FeatureStatus, ...] = get_args(FeatureStatus)
ACTIVE_FEATURE: frozenset[FeatureStatus] = frozenset({"opened", "in_development"})
OPENS_FEATURE: frozenset[Verdict] = frozenset({"needs_development"})  # the verdicts that open a feature request

# Both machines in one table: machine -> state -> the states it may move to (none: final).
TRANSITIONS: dict[Machine, dict[str, frozenset[str]]] = {
    "request": {
        "received": frozenset({"assessed", "rejected"}),
        "assessed": frozenset({*VERDICTS, "rejected"}),
        "supported": frozenset({"compatible", "needs_development", "no_payment_evidence", "rejected"}),
        "compatible": frozenset({"supported", "needs_development", "no_payment_evidence", "rejected"}),
        "needs_development": frozenset(
            {"feature_requested", "supported", "compatible", "no_payment_evidence", "rejected"}
        ),
        "no_payment_evidence": frozenset({"supported", "compatible", "needs_development", "rejected"}),
        "feature_requested": frozenset(
            {"in_development", "supported", "compatible", "no_payment_evidence", "rejected"}
        ),
        "in_development": frozenset({"released", "rejected"}),
        "released": frozenset(),
        "rejected": frozenset(),
    },
    "feature": {
        "opened": frozenset({"in_development", "withdrawn"}),
        "in_development": frozenset({"released", "withdrawn"}),
        "released": frozenset(),
        "withdrawn": frozenset({"opened"}),  # the verdict went back to needs_development
    },
}


def allowed(machine: Machine, state: str) -> frozenset[str]:
    """The states `state` may move to in that machine; empty for a final state."""
    return TRANSITIONS[machine][state]


# -- one move ------------------------------------------------------------------------------------------------
def check(request: IntegrationRequest, to: str) -> None:
    """Raise IllegalTransition, naming the allowed moves, unless the request may move to `to`."""
    if to not in allowed("request", request.status):
        options = ", ".join(sorted(allowed("request", request.status))) or "nothing (final)"
        raise IllegalTransition(
            f"integration request {request.id} is {request.status}; it cannot move to {to} (allowed: {options})"
        )


def move(s: AsyncSession, request: IntegrationRequest, to: str, actor: str, detail: str | None) -> None:
    """Move the request to `to` if the table allows it, and record the move in its history."""
    check(request, to)
    before = request.status
    request.status = to
    request.updated_at = now()
    s.add(transition_entry(request.id, before, to, actor, detail))


def move_feature(feature: FeatureRequest, to: str) -> None:
    """Move the feature request to `to` if the table allows it; raise IllegalTransition otherwise."""
    if to not in allowed("feature", feature.status):
        raise IllegalTransition(f"feature request {feature.id} is {feature.status}; it cannot move to {to}")
    feature.status = to
    feature.updated_at = now()


def withdraw_feature(feature: FeatureRequest | None) -> None:
    """Withdraw the feature request if there is one still open or in development."""
    if feature is not None and feature.status in ACTIVE_FEATURE:
        move_feature(feature, "withdrawn")


class AssessmentResult(Protocol):
    """What the transitions read of an assessment (`reading.AssessmentRecord`, `assessment.Assessment`)."""

    @property
    def verdict(self) -> str: ...
    @property
    def dialect(self) -> str | None: ...
    @property
    def confidence(self) -> float: ...
    @property
    def reasons(self) -> list[str]: ...
    @property
    def drafted_dialect(self) -> str | None: ...
    def to_json(self) -> dict[str, Any]: ...


# -- the moves of the workflow ---------------------------------------------------------------------------------
async def record_assessment(
    s: AsyncSession, request: IntegrationRequest, result: AssessmentResult
) -> FeatureRequest | None:
    """received -> assessed -> the verdict's status; a verdict of OPENS_FEATURE opens the feature request."""
    data = result.to_json()
    move(s, request, "assessed", SYSTEM, _assessed_detail(result, data))
    request.assessment = data
    request.assessed_verdict = request.verdict = result.verdict
    request.dialect = result.dialect
    request.confidence = result.confidence
    move(s, request, result.verdict, SYSTEM, "; ".join(mask(r) for r in result.reasons[:3]))
    if result.verdict not in OPENS_FEATURE:
        return None
    return await open_feature(s, request, SYSTEM, data["gaps"], result.drafted_dialect)


async def open_feature(
    s: AsyncSession,
    request: IntegrationRequest,
    actor: str,
    gaps: list[dict[str, Any]],
    drafted: str | None,
    existing: FeatureRequest | None = None,
) -> FeatureRequest:
    """needs_development -> feature_requested, with the gaps and the drafted dialect (reopens `existing`)."""
    at = now()
    title = f"Dialect for {request.charger} x {request.terminal}"[:300]
    if existing is not None:
        move_feature(existing, "opened")
        feature = existing
        feature.gaps, feature.drafted_dialect, feature.closest_dialect = gaps, drafted, request.dialect
    else:
        feature = FeatureRequest(
            request_id=request.id, title=title, status="opened", closest_dialect=request.dialect,
            gaps=gaps, drafted_dialect=drafted, created_at=at, updated_at=at,
        )  # fmt: skip
        s.add(feature)
        await s.flush()  # the feature request's id names it in the history
    kinds = ", ".join(sorted({str(g.get("kind")) for g in gaps})) or "none listed"
    move(s, request, "feature_requested", actor, f"feature request {feature.id} opened: {len(gaps)} gap(s) ({kinds})")
    return feature


async def override(
    s: AsyncSession, request: IntegrationRequest, feature: FeatureRequest | None, verdict: str, note: str, actor: str
) -> FeatureRequest | None:
    """Replace the verdict (the note says why); returns the request's feature request afterwards."""
    if request.verdict == verdict and request.status not in ("received", "assessed"):
        raise IllegalTransition(f"integration request {request.id} is already {verdict}")
    check(request, verdict)
    request.verdict = verdict
    request.override_note = note
    request.overridden_by = actor
    if verdict not in OPENS_FEATURE:
        withdraw_feature(feature)
    move(s, request, verdict, actor, f"verdict overridden ({request.assessed_verdict} assessed): {note}")
    if verdict not in OPENS_FEATURE:
        return feature
    gaps = list((request.assessment or {}).get("gaps") or [])
    gaps.append({"kind": "reviewer", "message": "(review)", "detail": note})
    drafted = (request.assessment or {}).get("drafted_dialect")
    return await open_feature(s, request, actor, gaps, drafted, feature)


def reject(
    s: AsyncSession, request: IntegrationRequest, feature: FeatureRequest | None, reason: str, actor: str
) -> None:
    """Any state but a final one -> rejected, with the reason; an active feature request is withdrawn."""
    check(request, "rejected")
    withdraw_feature(feature)
    request.reject_reason = reason
    move(s, request, "rejected", actor, reason)


def advance_feature(
    s: AsyncSession, request: IntegrationRequest, feature: FeatureRequest | None, to: str, actor: str, note: str | None
) -> None:
    """Move the feature request, and its request with it, to in_development or released."""
    if feature is None:
        raise IllegalTransition(f"integration request {request.id} has no feature request (status {request.status})")
    if to not in allowed("feature", feature.status):
        raise IllegalTransition(
            f"feature request {feature.id} is {feature.status}; it cannot move to {to}"
            + (" (release comes after in_development)" if to == "released" else "")
        )
    check(request, to)
    move_feature(feature, to)
    move(s, request, to, actor, note.strip() if note else None)


def _assessed_detail(result: AssessmentResult, data: dict[str, Any]) -> str:
    closest = f", closest dialect {result.dialect}" if result.dialect else ""
    gaps = data.get("gaps_total", len(data.get("gaps") or []))
    return f"verdict {result.verdict}{closest}, confidence {result.confidence:.2f}, {gaps} gap(s)"
