"""The verdict rules: everything that decides supported, compatible, needs development or no payment evidence.

An assessment comes down to six facts (`Facts`). `RULES` is the table from facts to outcome: for
any combination of the facts exactly one row holds (the unit tests try all of them), and that row
gives the verdict, how the confidence is weighed, and whether a dialect is drafted or a catalog
entry proposed. What makes a gap is decided elsewhere (`fit`, `findings`); here a gap is one fact.

Confidence starts from how good the evidence is (`BASE_CONFIDENCE`, by kind of documentation), loses
a little for unreadable parts and for messages whose sender is a guess, and is then weighed by the
row: a fixed factor, or (`COVERAGE`) by how much of the closest dialect the documentation shows.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ocpay.assessment.evidence import Documentation
    from ocpay.assessment.fit import DialectFit
    from ocpay.assessment.gaps import Gap
    from ocpay.assessment.message_set import CustomShape, MessageSet
    from ocpay.integrations.catalog import CatalogEntry

Verdict = Literal["supported", "compatible", "needs_development", "no_payment_evidence"]


@dataclass(frozen=True, slots=True)
class Facts:
    """What the verdict depends on, each a yes or a no."""

    gaps: bool  # something the platform cannot do today (any gap)
    dialect: bool  # an existing dialect explains part of the message set (the closest one)
    entry_uses_dialect: bool  # a catalog entry covers the pair, with that dialect
    only_standard: bool  # no custom message: the dialect acts on standard messages only
    demands_parameters: bool  # the documentation needs parameter values the entry (or the defaults) do not give
    payment_evidence: bool = True  # anything shows card payments (`findings.shows_payments`)


COVERAGE = None  # the row's confidence is weighed by how much of the dialect the documentation shows


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the table: when these facts hold, this verdict, weighed this way."""

    name: str
    when: dict[str, bool]
    verdict: Verdict
    confidence: float | None  # a factor on the base confidence, or COVERAGE
    drafts_dialect: bool = False
    proposes_entry: bool = False
    why: str = ""

    def holds(self, facts: Facts) -> bool:
        """Every condition of the row is met by `facts`."""
        return all(getattr(facts, name) is value for name, value in self.when.items())


N, Y = False, True
RULES: tuple[Rule, ...] = (
    Rule(
        "no_payment_evidence",
        {"payment_evidence": N},
        "no_payment_evidence",
        0.9,
        why="nothing in the documentation shows a card payment: nothing to assess yet, nothing to develop",
    ),
    Rule(
        "gaps",
        {"payment_evidence": Y, "gaps": Y},
        "needs_development",
        0.9,
        drafts_dialect=True,
        why="something is missing: the gaps say what, a drafted dialect closes the rest",
    ),
    Rule(
        "no_dialect",
        {"payment_evidence": Y, "gaps": N, "dialect": N},
        "needs_development",
        0.6,
        why="no dialect explains any message and no gap says why: too little to go on",
    ),
    Rule(
        "catalog_entry",
        {"payment_evidence": Y, "gaps": N, "dialect": Y, "entry_uses_dialect": Y, "demands_parameters": N},
        "supported",
        COVERAGE,
        why="a catalog entry covers the pair, with the dialect the documentation fits, as it is configured",
    ),
    Rule(
        "standard_messages",
        {
            "payment_evidence": Y,
            "gaps": N,
            "dialect": Y,
            "entry_uses_dialect": N,
            "only_standard": Y,
            "demands_parameters": N,
        },
        "supported",
        COVERAGE,
        why="standard messages a dialect fully handles: nothing to set up",
    ),
    Rule(
        "other_parameters",
        {"payment_evidence": Y, "gaps": N, "dialect": Y, "demands_parameters": Y},
        "compatible",
        COVERAGE,
        proposes_entry=True,
        why="an existing dialect fits with other parameter values (another vendorId, an idTag rule)",
    ),
    Rule(
        "new_pair",
        {
            "payment_evidence": Y,
            "gaps": N,
            "dialect": Y,
            "entry_uses_dialect": N,
            "only_standard": N,
            "demands_parameters": N,
        },
        "compatible",
        COVERAGE,
        proposes_entry=True,
        why="an existing dialect fits as it is, but no catalog entry offers it for the pair yet",
    ),
)
FACT_NAMES = tuple(f.name for f in fields(Facts))

BASE_CONFIDENCE = {"log": 0.9, "dialect": 0.85, "document": 0.75, "station": 0.65}
UNREADABLE_PARTS = 0.9  # some of the documentation could not be read
SENDER_GUESSED = 0.95  # the documentation does not say who sends a custom message
INFERRED_DIALECT = 0.85  # the closest dialect is itself a guess from examples
PER_STATION_OPEN = 0.95  # a parameter is left to set per station and no card-session rule fits


def decide(facts: Facts) -> Rule:
    """The one rule that holds for these facts."""
    holding = [rule for rule in RULES if rule.holds(facts)]
    if len(holding) != 1:
        raise AssertionError(f"the verdict rules are not exclusive for {facts}: {[r.name for r in holding]}")
    return holding[0]


def facts_of(
    gaps: list[Gap],
    best: DialectFit | None,
    entry: CatalogEntry | None,
    custom: list[CustomShape],
    payment_evidence: bool = True,
) -> Facts:
    """The facts of an assessment: its gaps, the closest dialect, the catalog entry, the custom messages, and
    whether anything shows card payments at all."""
    uses = best is not None and entry is not None and entry.dialect == best.dialect.id
    return Facts(
        gaps=bool(gaps),
        dialect=best is not None,
        entry_uses_dialect=uses,
        only_standard=not custom and best is not None and bool(best.standard_matched),
        demands_parameters=best is not None and bool(demanded_parameters(best, entry if uses else None)),
        payment_evidence=payment_evidence,
    )


def demanded_parameters(best: DialectFit, entry: CatalogEntry | None) -> dict[str, Any]:
    """The parameter values the documentation needs that the entry (or else the dialect's defaults) do not give.

    A parameter without default that the entry leaves open is set per station (a static idTag): not demanded.
    """
    entry_params = dict(entry.parameters) if entry is not None else {}
    defaults = best.dialect.parameter_defaults()
    return {
        k: v
        for k, v in best.parameters.items()
        if v != entry_params.get(k, defaults.get(k)) and not (defaults.get(k) is None and k not in entry_params)
    }


def confidence(rule: Rule, doc: Documentation, mset: MessageSet, best: DialectFit | None) -> float:
    """How far to trust the verdict, between 0.05 and 0.99."""
    value = BASE_CONFIDENCE[doc.kind]
    if doc.problems:
        value *= UNREADABLE_PARTS
    if any(not s.direction_known for s in mset.custom):
        value *= SENDER_GUESSED
    if rule.confidence is not None:  # a fixed factor, not COVERAGE
        value *= rule.confidence
    elif best is not None:
        value *= 0.7 + 0.3 * coverage(best, mset)
        if best.dialect.provenance.kind == "inferred":
            value *= INFERRED_DIALECT
        if best.per_station and not best.card_rule:
            value *= PER_STATION_OPEN
    return round(max(0.05, min(0.99, value)), 2)


def coverage(best: DialectFit, mset: MessageSet) -> float:
    """The share of the dialect's inbound payment messages (for the station's version) the documentation shows."""
    version = mset.ocpp_version
    inbound = [
        m
        for m in best.dialect.messages
        if m.direction == "to_csms"
        and (m.kind != "ocpp_action" or m.event or m.event_by_status)
        and version in best.dialect.versions_of(m)
    ]
    if not inbound:
        return 1.0
    seen = {f.message.name for f in best.fits} | {s.split(" (")[1].rstrip(")") for s in best.standard_matched}
    return len([m for m in inbound if m.name in seen]) / len(inbound)
