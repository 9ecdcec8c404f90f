"""The verdict on a pair: supported, compatible (with what to configure), needs development, or no payment evidence.

`assess` runs the steps in order: the OCPP version, the message set, the catalog entry for the
pair, the comparison with every dialect, the gaps, then the rule of `rules.RULES` that holds, and
last what that rule asks for: a drafted dialect, a proposed catalog entry, reasons and next steps.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ocpay.assessment.catalog_match import find_entry
from ocpay.assessment.drafting import draft_dialect, draft_has_settlement, draft_header, propose_entry, to_yaml
from ocpay.assessment.evidence import Documentation
from ocpay.assessment.explain import Case, next_steps, reasons, station_configuration
from ocpay.assessment.findings import Findings, find_gaps
from ocpay.assessment.fit import DialectFit, fit_dialect, rank_dialects
from ocpay.assessment.gaps import Gap
from ocpay.assessment.message_set import MessageSet, build_message_set, infer_version
from ocpay.assessment.rules import Verdict, confidence, decide, facts_of
from ocpay.integrations.catalog import Catalog, CatalogEntry
from ocpay.integrations.dialects import Dialect
from ocpay.payments.redaction import mask

SAMPLES = 50  # items kept of each list of an assessment's JSON; `<list>_total` keeps the exact count
MAX_SCHEMA_CHARS = 4_000  # a custom message's inferred schema larger than this is summarised
MAX_DRAFT_CHARS = 100_000  # a drafted dialect larger than this is not kept
MAX_SENTENCE_CHARS = 2_000  # a reason or next step longer than this is cut (it lists what the counts say)


@dataclass(slots=True)
class Assessment:
    """The answer for a pair: verdict, closest dialect, confidence, reasons, gaps, next steps, drafts."""

    verdict: Verdict
    dialect: str | None
    confidence: float
    reasons: list[str]
    next_steps: list[str]
    gaps: list[Gap]
    documentation: Documentation
    message_set: MessageSet
    parameters: dict[str, Any] = field(default_factory=dict)
    station_configuration: list[dict[str, Any]] = field(default_factory=list)
    catalog_entry: str | None = None
    proposed_catalog_entry: str | None = None
    drafted_dialect: str | None = None
    comparisons: list[dict[str, Any]] = field(default_factory=list)
    charger: str | None = None
    terminal: str | None = None
    rule: str = ""  # the row of rules.RULES that decided the verdict

    def to_json(self) -> dict[str, Any]:
        """The assessment as plain JSON values (payment identifiers masked), of a bounded size.

        Each list keeps its first SAMPLES items and `<name>_total` says how many there are; counts are
        exact. A very large inferred schema or drafted dialect is replaced by a note saying its size.
        """
        doc = self.documentation
        mset = self.message_set.to_json()
        customs = [_bounded_schema(c) for c in mset["custom_messages"][:SAMPLES]]
        drafted = self.drafted_dialect
        if drafted is not None and len(drafted) > MAX_DRAFT_CHARS:
            drafted = (
                f"# the drafted dialect ({len(drafted)} characters) is too large to keep; draft from fewer messages\n"
            )
        return {
            "verdict": self.verdict,
            "dialect": self.dialect,
            "confidence": self.confidence,
            **_sample("gaps", [g.to_json() for g in self.gaps[:SAMPLES]], len(self.gaps)),
            **_sample("reasons", [_cut(r) for r in self.reasons[:SAMPLES]], len(self.reasons)),
            **_sample("next_steps", [_cut(s) for s in self.next_steps[:SAMPLES]], len(self.next_steps)),
            "parameters": self.parameters,
            "station_configuration": self.station_configuration[:SAMPLES],
            "catalog_entry": self.catalog_entry,
            "proposed_catalog_entry": self.proposed_catalog_entry,
            "drafted_dialect": drafted,
            "charger": self.charger,
            "terminal": self.terminal,
            "source": {
                "name": doc.source,
                "kind": doc.kind,
                "messages": len(doc.messages),
                **_sample("problems", [p.to_json() for p in doc.problems[:SAMPLES]], len(doc.problems)),
                **_sample(
                    "named_vendor_ids", [mask(v) for v in doc.named_vendor_ids[:SAMPLES]], len(doc.named_vendor_ids)
                ),
                **_sample(
                    "named_message_ids", [mask(v) for v in doc.named_message_ids[:SAMPLES]], len(doc.named_message_ids)
                ),
            },
            "message_set": {
                **mset,
                **_sample("custom_messages", customs, len(mset["custom_messages"])),
                "standard_messages": dict(self.message_set.standard.most_common(SAMPLES)),
                "standard_messages_total": len(self.message_set.standard),
            },
            "comparisons": [_bounded_comparison(c) for c in self.comparisons[:SAMPLES]],
        }


def _sample(name: str, items: list[Any], total: int) -> dict[str, Any]:
    """{name: the first items, name_total: how many there are}."""
    return {name: items, f"{name}_total": total}


def _cut(sentence: str) -> str:
    """The sentence, cut after MAX_SENTENCE_CHARS characters."""
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return sentence
    return sentence[:MAX_SENTENCE_CHARS] + f"... ({len(sentence)} characters in all)"


def _bounded_comparison(comparison: dict[str, Any]) -> dict[str, Any]:
    """A dialect comparison with its lists of message names sampled (`matched_total`, `unmatched_total`)."""
    bounded = dict(comparison)
    for key in ("matched", "unmatched"):
        names = list(comparison.get(key) or [])
        bounded.update(_sample(key, names[:SAMPLES], len(names)))
    return bounded


def _bounded_schema(custom: dict[str, Any]) -> dict[str, Any]:
    """A custom message's JSON with its schema summarised when the schema is larger than MAX_SCHEMA_CHARS."""
    size = len(json.dumps(custom.get("schema"), default=str))
    if size <= MAX_SCHEMA_CHARS:
        return custom
    fields = len((custom.get("schema") or {}).get("properties") or {})
    return {**custom, "schema": {"description": f"an inferred schema of {size} characters ({fields} fields), not kept"}}


def assess(
    doc: Documentation,
    dialects: Iterable[Dialect],
    catalog: Catalog | None = None,
    *,
    charger: str | None = None,
    terminal: str | None = None,
    ocpp_version: str | None = None,
) -> Assessment:
    """The verdict on a pair from its documentation, compared by shape with every dialect and the catalog.

    Raises ValueError when `ocpp_version` is given and is not an OCPP version.
    """
    version = infer_version(doc, ocpp_version)
    if charger is None and doc.station and doc.station.get("vendor"):
        charger = f"{doc.station['vendor']} {doc.station.get('model') or ''}".strip()
    mset = build_message_set(doc, version)
    entry = find_entry(catalog, charger, terminal)
    fits = _compare(dialects, mset, entry)
    best = fits[0] if fits and fits[0].score > 0 else None
    found = find_gaps(doc, mset, fits, best)
    rule = decide(facts_of(found.gaps, best, entry, mset.custom, found.payment_evidence))
    drafted = _draft(found, mset, best, doc, charger, terminal) if rule.drafts_dialect else None
    parameters = dict(best.parameters) if best else {}
    case = Case(doc, mset, rule.verdict, best, entry, charger, terminal, found.gaps, found.notes, parameters)
    if best is not None:
        case.configuration = station_configuration(best, parameters, entry)
    return Assessment(
        verdict=rule.verdict,
        dialect=best.dialect.id if best else None,
        confidence=confidence(rule, doc, mset, best),
        reasons=reasons(case),
        next_steps=next_steps(case),
        gaps=found.gaps,
        documentation=doc,
        message_set=mset,
        parameters=parameters,
        station_configuration=case.configuration,
        catalog_entry=entry.id if entry else None,
        proposed_catalog_entry=(
            propose_entry(best, parameters, entry, charger, terminal, version, doc)
            if rule.proposes_entry and best is not None
            else None
        ),
        drafted_dialect=drafted,
        comparisons=[f.summary() for f in fits],
        charger=charger,
        terminal=terminal,
        rule=rule.name,
    )


def _compare(dialects: Iterable[Dialect], mset: MessageSet, entry: CatalogEntry | None) -> list[DialectFit]:
    """Every dialect against the message set, best first (the entry's dialect with the entry's parameters)."""
    preferred = entry.dialect if entry else None
    fits = [fit_dialect(d, mset, entry.parameters if entry and entry.dialect == d.id else None) for d in dialects]
    return rank_dialects(fits, preferred)


def _draft(
    found: Findings,
    mset: MessageSet,
    best: DialectFit | None,
    doc: Documentation,
    charger: str | None,
    terminal: str | None,
) -> str:
    """The drafted dialect as YAML; without a dialect to start from, a draft that reports no settled amount is a gap."""
    draft = draft_dialect(mset, best, doc, charger, terminal, found.ignored)
    if best is None and not draft_has_settlement(draft):
        found.gaps.append(
            Gap(
                "no_event_source",
                "settled",
                "no message reports the final (captured) amount of a card session; without it the session "
                "cannot be marked settled",
            )
        )
    return to_yaml(draft, header=draft_header(doc, found.gaps))
