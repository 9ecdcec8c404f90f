"""The status machines of a request and its feature request: one table, every move checked against it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from ocpay.integration_requests import transitions
from ocpay.integration_requests.errors import IllegalTransition
from ocpay.integration_requests.transitions import FEATURE_STATUSES, STATUSES, TRANSITIONS, VERDICTS, allowed
from ocpay.store.models import FeatureRequest, IntegrationRequest, RequestHistoryEntry


class FakeSession:
    """What the transitions use of a session: add, and flush (which gives new rows their ids)."""

    def __init__(self) -> None:
        self.added: list[Any] = []

    def add(self, row: Any) -> None:
        self.added.append(row)

    async def flush(self) -> None:
        for n, row in enumerate(self.added, start=1):
            if isinstance(row, FeatureRequest) and row.id is None:
                row.id = 100 + n

    def moves(self) -> list[tuple[str | None, str | None, str]]:
        return [(h.from_status, h.to_status, h.actor) for h in self.added if isinstance(h, RequestHistoryEntry)]


@dataclass
class Result:
    """The parts of an assessment the transitions read."""

    verdict: str
    dialect: str | None = "acme"
    confidence: float = 0.75
    reasons: list[str] = field(default_factory=lambda: ["a reason"])
    gaps: list[dict[str, Any]] = field(default_factory=list)
    drafted_dialect: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "gaps": list(self.gaps), "reasons": self.reasons}


def request(status: str, **fields: Any) -> IntegrationRequest:
    return IntegrationRequest(id=7, status=status, charger="Acme FastOne", terminal="PayBox", **fields)


def feature(status: str) -> FeatureRequest:
    return FeatureRequest(id=3, request_id=7, title="Dialect for Acme FastOne x PayBox", status=status)


# The machines as the workflow promises them (from -> the states it may move to), written out by hand.
REQUEST_MOVES = {
    "received": "assessed rejected",
    "assessed": "supported compatible needs_development no_payment_evidence rejected",
    "supported": "compatible needs_development no_payment_evidence rejected",
    "compatible": "supported needs_development no_payment_evidence rejected",
    "needs_development": "feature_requested supported compatible no_payment_evidence rejected",
    "no_payment_evidence": "supported compatible needs_development rejected",
    "feature_requested": "in_development supported compatible no_payment_evidence rejected",
    "in_development": "released rejected",
    "released": "",
    "rejected": "",
}
FEATURE_MOVES = {
    "opened": "in_development withdrawn",
    "in_development": "released withdrawn",
    "released": "",
    "withdrawn": "opened",
}
ALLOWED = [(a, b) for a, nexts in REQUEST_MOVES.items() for b in nexts.split()]
REFUSED = [(a, b) for a in STATUSES for b in STATUSES if b not in REQUEST_MOVES[a].split()]
FEATURE_ALLOWED = [(a, b) for a, nexts in FEATURE_MOVES.items() for b in nexts.split()]
FEATURE_REFUSED = [(a, b) for a in FEATURE_STATUSES for b in FEATURE_STATUSES if b not in FEATURE_MOVES[a].split()]


def test_the_table_is_the_promised_machines() -> None:
    assert {a: set(nexts.split()) for a, nexts in REQUEST_MOVES.items()} == TRANSITIONS["request"]
    assert {a: set(nexts.split()) for a, nexts in FEATURE_MOVES.items()} == TRANSITIONS["feature"]


def test_the_statuses_are_the_states_of_the_table_in_their_order() -> None:
    assert STATUSES == (
        "received", "assessed", "supported", "compatible", "needs_development", "no_payment_evidence",
        "feature_requested", "in_development", "released", "rejected",
    )  # fmt: skip
    assert tuple(TRANSITIONS["request"]) == STATUSES
    assert tuple(TRANSITIONS["feature"]) == FEATURE_STATUSES
    assert VERDICTS == ("supported", "compatible", "needs_development", "no_payment_evidence")
    for machine, states in (("request", STATUSES), ("feature", FEATURE_STATUSES)):
        assert all(to in states for nexts in TRANSITIONS[machine].values() for to in nexts)


@pytest.mark.parametrize(("before", "after"), ALLOWED)
def test_every_allowed_move_is_made_and_recorded(before: str, after: str) -> None:
    s, r = FakeSession(), request(before)
    transitions.move(s, r, after, "reviewer", "why")
    assert r.status == after
    assert r.updated_at is not None
    assert s.moves() == [(before, after, "reviewer")]


@pytest.mark.parametrize(("before", "after"), REFUSED)
def test_every_other_move_is_refused_and_changes_nothing(before: str, after: str) -> None:
    s, r = FakeSession(), request(before)
    with pytest.raises(IllegalTransition, match=f"integration request 7 is {before}; it cannot move to {after}"):
        transitions.move(s, r, after, "reviewer", None)
    assert r.status == before
    assert s.added == []


@pytest.mark.parametrize("final", ["released", "rejected"])
def test_released_and_rejected_are_final(final: str) -> None:
    assert allowed("request", final) == frozenset()
    with pytest.raises(IllegalTransition, match=r"\(allowed: nothing \(final\)\)"):
        transitions.check(request(final), "received")


def test_a_refusal_names_the_allowed_moves() -> None:
    with pytest.raises(IllegalTransition, match=r"cannot move to released \(allowed: assessed, rejected\)"):
        transitions.check(request("received"), "released")


def test_everything_but_released_may_be_rejected() -> None:
    assert [st for st in STATUSES if "rejected" in allowed("request", st)] == [
        st for st in STATUSES if st not in ("released", "rejected")
    ]


@pytest.mark.parametrize(("before", "after"), FEATURE_ALLOWED)
def test_every_allowed_feature_move_is_made(before: str, after: str) -> None:
    f = feature(before)
    transitions.move_feature(f, after)
    assert f.status == after


@pytest.mark.parametrize(("before", "after"), FEATURE_REFUSED)
def test_every_other_feature_move_is_refused(before: str, after: str) -> None:
    f = feature(before)
    with pytest.raises(IllegalTransition, match=f"feature request 3 is {before}; it cannot move to {after}"):
        transitions.move_feature(f, after)
    assert f.status == before


def test_only_an_active_feature_request_is_withdrawn() -> None:
    for before, after in [("opened", "withdrawn"), ("in_development", "withdrawn"), ("released", "released")]:
        f = feature(before)
        transitions.withdraw_feature(f)
        assert f.status == after
    transitions.withdraw_feature(None)


async def test_an_assessment_moves_to_its_verdict() -> None:
    s, r = FakeSession(), request("received")
    assert await transitions.record_assessment(s, r, Result("compatible")) is None
    assert [m[:2] for m in s.moves()] == [("received", "assessed"), ("assessed", "compatible")]
    assert (r.verdict, r.assessed_verdict, r.dialect, r.confidence) == ("compatible", "compatible", "acme", 0.75)


async def test_needs_development_opens_a_feature_request() -> None:
    s, r = FakeSession(), request("received")
    gaps = [{"kind": "unknown_message", "message": "m", "detail": "d"}]
    result = Result("needs_development", gaps=gaps, drafted_dialect="id: draft")
    opened = await transitions.record_assessment(s, r, result)
    assert opened is not None and opened.status == "opened" and opened.id is not None
    assert (opened.gaps, opened.drafted_dialect, opened.closest_dialect) == (gaps, "id: draft", "acme")
    assert opened.title == "Dialect for Acme FastOne x PayBox"
    assert r.status == "feature_requested"
    assert s.added[-1].detail == f"feature request {opened.id} opened: 1 gap(s) (unknown_message)"


async def test_no_payment_evidence_opens_no_feature_request() -> None:
    s, r = FakeSession(), request("received")
    result = Result("no_payment_evidence", dialect=None, gaps=[{"kind": "schema_violation", "message": "m"}])
    assert await transitions.record_assessment(s, r, result) is None
    assert [m[:2] for m in s.moves()] == [("received", "assessed"), ("assessed", "no_payment_evidence")]
    assert not [row for row in s.added if isinstance(row, FeatureRequest)]
    assert (r.status, r.verdict) == ("no_payment_evidence", "no_payment_evidence")
    assert transitions.OPENS_FEATURE == frozenset({"needs_development"})


async def test_overriding_to_no_payment_evidence_withdraws_the_feature_request() -> None:
    s, r, f = FakeSession(), request("feature_requested", verdict="needs_development"), feature("opened")
    assert await transitions.override(s, r, f, "no_payment_evidence", "RFID sessions only", "lead") is f
    assert (r.status, f.status) == ("no_payment_evidence", "withdrawn")


async def test_overriding_away_from_needs_development_withdraws_the_feature_request() -> None:
    s, r, f = FakeSession(), request("feature_requested", verdict="needs_development"), feature("opened")
    assert await transitions.override(s, r, f, "supported", "fits acme", "lead") is f
    assert (r.status, r.verdict, r.override_note, r.overridden_by) == ("supported", "supported", "fits acme", "lead")
    assert f.status == "withdrawn"


async def test_overriding_back_to_needs_development_reopens_it_with_the_reviewer_gap() -> None:
    s = FakeSession()
    r = request("supported", verdict="supported", assessment={"gaps": [{"kind": "unknown_message"}]})
    f = feature("withdrawn")
    assert await transitions.override(s, r, f, "needs_development", "no", "lead") is f
    assert (f.status, r.status) == ("opened", "feature_requested")
    assert f.gaps == [{"kind": "unknown_message"}, {"kind": "reviewer", "message": "(review)", "detail": "no"}]


async def test_overriding_to_the_same_verdict_is_refused() -> None:
    with pytest.raises(IllegalTransition, match="integration request 7 is already compatible"):
        r = request("compatible", verdict="compatible")
        await transitions.override(FakeSession(), r, None, "compatible", "n", "x")


def test_rejecting_withdraws_the_feature_request_and_keeps_the_reason() -> None:
    s, r, f = FakeSession(), request("in_development"), feature("in_development")
    transitions.reject(s, r, f, "vendor gone", "lead")
    assert (r.status, r.reject_reason, f.status) == ("rejected", "vendor gone", "withdrawn")
    assert s.moves() == [("in_development", "rejected", "lead")]


def test_a_released_request_cannot_be_rejected() -> None:
    r, f = request("released"), feature("released")
    with pytest.raises(IllegalTransition):
        transitions.reject(FakeSession(), r, f, "too late", "lead")
    assert (r.status, r.reject_reason, f.status) == ("released", None, "released")


def test_the_feature_request_and_its_request_move_together() -> None:
    s, r, f = FakeSession(), request("feature_requested"), feature("opened")
    transitions.advance_feature(s, r, f, "in_development", "dev", " started ")
    transitions.advance_feature(s, r, f, "released", "dev", None)
    assert (r.status, f.status) == ("released", "released")
    assert [h.detail for h in s.added] == ["started", None]


def test_release_comes_after_in_development() -> None:
    with pytest.raises(IllegalTransition, match=r"it cannot move to released \(release comes after in_development\)"):
        r, f = request("feature_requested"), feature("opened")
        transitions.advance_feature(FakeSession(), r, f, "released", "dev", None)


def test_no_feature_request_no_feature_move() -> None:
    with pytest.raises(IllegalTransition, match=r"integration request 7 has no feature request \(status compatible\)"):
        transitions.advance_feature(FakeSession(), request("compatible"), None, "in_development", "dev", None)
