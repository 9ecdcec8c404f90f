"""The words of an assessment: why the verdict (reasons), what to do next, and what to set on the station.

Without payment evidence the words say what was read, why it shows no card payment, and exactly what
to send: a log with a card session, or the documentation's section on card payments.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ocpay.assessment.evidence import Documentation
from ocpay.assessment.fit import DialectFit
from ocpay.assessment.gaps import Gap
from ocpay.assessment.message_set import MessageSet
from ocpay.assessment.rules import Verdict
from ocpay.integrations.catalog import CatalogEntry
from ocpay.payments.redaction import mask

_DOCUMENT_KINDS = {
    "log": "message log",
    "dialect": "dialect file",
    "document": "document",
    "station": "recorded messages",
}


@dataclass(slots=True)
class Case:
    """What is known of a pair once its verdict is decided: what the reasons and next steps are written from."""

    doc: Documentation
    mset: MessageSet
    verdict: Verdict
    best: DialectFit | None = None
    entry: CatalogEntry | None = None
    charger: str | None = None
    terminal: str | None = None
    gaps: list[Gap] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    configuration: list[dict[str, Any]] = field(default_factory=list)


# -- reasons ------------------------------------------------------------------------------------------------
def reasons(case: Case) -> list[str]:
    """Why the verdict: what was read, the card-session rule, the closest dialect, the catalog, then the notes."""
    doc = case.doc
    found: list[str] = []
    if doc.problems:
        found.append(
            f"{len(doc.problems)} part(s) of {doc.source} could not be read and were skipped "
            f"(first: {doc.problems[0].where}: {doc.problems[0].reason})"
        )
    found.append(_what_was_read(case))
    if case.verdict == "no_payment_evidence":
        return found + _no_evidence_reasons(case) + case.notes
    found += _card_session_reasons(case.mset)
    found += _dialect_reasons(case.best)
    found += _catalog_reasons(case)
    return found + case.notes


def _what_was_read(case: Case) -> str:
    doc, mset = case.doc, case.mset
    return (
        f"read {len(doc.requests)} message(s) from the {_DOCUMENT_KINDS[doc.kind]} {doc.source} "
        f"(OCPP {mset.ocpp_version}); {len(mset.custom)} custom message type(s): "
        + (", ".join(s.name for s in mset.custom) if mset.custom else "none")
    )


def _no_evidence_reasons(case: Case) -> list[str]:
    """Why nothing shows a card payment: no custom message, no payment field, idTags of RFID cards only."""
    mset = case.mset
    tags = len({value for _, value, _ in mset.conventions.id_tags})
    sessions = "no charging session" if not mset.standard else f"standard messages only ({_top(mset)})"
    return [
        f"no payment traffic: {sessions}; no DataTransfer or customData message, no cost, price or "
        "DirectPayment field, and no dialect explains any message",
        f"the {tags} idTag(s) seen are not shared by card sessions: they read as RFID cards or app starts"
        if tags
        else "no idTag is seen at all",
    ]


def _top(mset: MessageSet) -> str:
    return ", ".join(f"{action} x {n}" for action, n in mset.standard.most_common(6))


def _card_session_reasons(mset: MessageSet) -> list[str]:
    conventions = mset.conventions
    found = []
    rule = conventions.rule
    if rule == "static_id_tag":
        found.append(f"card sessions use one static idTag ({mask(conventions.static)})")
    elif rule == "id_tag_prefix":
        found.append(f"card-session idTags share the prefix {mask(conventions.prefix)!r}")
    elif rule == "csms_issued" and conventions.issued_by:
        found.append(
            f"the station starts sessions with an idTag the CSMS issued in its answer to {conventions.issued_by.name}"
        )
    elif rule == "direct_payment":
        found.append("card sessions use OCPP 2.1 DirectPayment id tokens (the PSP reference)")
    if conventions.cost_fields:
        found.append(f"cost or amounts travel in standard fields: {', '.join(conventions.cost_fields[:6])}")
    return found


def _dialect_reasons(best: DialectFit | None) -> list[str]:
    if best is None:
        return ["no existing dialect matches any of the messages by shape"]
    dialect = best.dialect
    matched = [f.shape.name for f in best.fits] + best.standard_matched
    found = [
        f"closest dialect {dialect.id} ({dialect.provenance.kind}): it matches "
        + ", ".join(matched)
        + (f"; payment events covered: {', '.join(sorted(best.events))}" if best.events else "")
    ]
    if "vendor_id" in best.parameters:
        found.append(
            f"same messages and shape as {dialect.id} under another vendorId "
            f"({best.parameters['vendor_id']}); {dialect.id} takes the vendorId as a parameter"
        )
    return found


def _catalog_reasons(case: Case) -> list[str]:
    entry, best = case.entry, case.best
    if entry is None:
        if case.charger and case.terminal:
            return [f"no catalog entry covers {case.charger} x {case.terminal}"]
        if case.verdict != "needs_development" and case.mset.custom:
            return ["no charger and terminal were given, so no catalog entry could be checked"]
        return []
    found = [
        f"catalog entry {entry.id} ({entry.status}) covers {entry.title} with dialect {entry.dialect or '(none yet)'}"
    ]
    if entry.status == "beta" and case.verdict == "supported":
        found.append(f"{entry.id} is beta: its dialect rests on public code, not vendor documentation")
    if best and entry.dialect and entry.dialect != best.dialect.id:
        found.append(f"the documentation matches {best.dialect.id}, not the entry's dialect {entry.dialect}")
    return found


# -- next steps ---------------------------------------------------------------------------------------------
def next_steps(case: Case) -> list[str]:
    """What to do now: bind and configure (supported), create the entry (compatible), or file the gaps."""
    best = case.best
    if case.verdict == "supported" and best is not None:
        steps = _supported_steps(case, best)
    elif case.verdict == "compatible" and best is not None:
        steps = _compatible_steps(case, best)
    elif case.verdict == "no_payment_evidence":
        steps = _no_evidence_steps(case)
    else:
        steps = _development_steps(case)
    if case.doc.problems:
        steps.append(f"fix or resend the {len(case.doc.problems)} unreadable part(s) of {case.doc.source}")
    return steps


def _supported_steps(case: Case, best: DialectFit) -> list[str]:
    entry = case.entry
    if entry is not None:
        steps = [
            f"bind the station: ocpay stations add STATION_ID --integration {entry.id}",
            f"follow the setup guide of {entry.id} (GET /api/catalog/{entry.id})",
        ]
    else:
        steps = [f"the standard messages are handled by {best.dialect.id}; no custom setup is needed"]
    return steps + _setting_steps(case, best, set())


def _compatible_steps(case: Case, best: DialectFit) -> list[str]:
    params = ", ".join(f"{k}={mask(v)}" for k, v in case.parameters.items()) or "its defaults"
    steps = [f"use dialect {best.dialect.id} with parameters {params}"]
    if case.entry is not None and case.entry.dialect != best.dialect.id:
        steps.append(f"update catalog entry {case.entry.id} to dialect {best.dialect.id} (proposed entry below)")
    else:
        steps.append(
            "create the catalog entry proposed below (save it in a catalog directory, "
            "OCPAY_CATALOG_DIRS) and bind stations to it"
        )
    steps += _setting_steps(case, best, set(case.parameters))
    steps.append("check the first card session of a real station: it should show payment events")
    return steps


def _setting_steps(case: Case, best: DialectFit, known: set[str]) -> list[str]:
    """Parameters to set per station (those not `known`), then the station settings the dialect expects."""
    steps = [
        f"set the parameter {name} per station ({best.dialect.parameters[name].description})"
        for name in best.per_station
        if name not in known
    ]
    steps += [f"station setting {row['key']} = {row['expected']}" for row in case.configuration if row["expected"]]
    return steps


_MISSING_EVIDENCE = {
    "log": "send a log with a card session: every frame from the card presented at the terminal to the final "
    "amount (the messages the station sends or expects for the payment, and the session's idTag)",
    "station": "present a card at the station and assess again: the recorded messages hold no card session yet",
    "document": "send the missing document section on card payments at the terminal: each message the station "
    "sends or expects for a payment (with an example), how a card session's idTag looks, and which message "
    "reports the final amount",
    "dialect": "declare the payment messages in the dialect file (events and field map), or send a log with a "
    "card session",
}


def _no_evidence_steps(case: Case) -> list[str]:
    """What to send: the evidence this kind of documentation lacks; nothing is opened meanwhile."""
    steps = [_MISSING_EVIDENCE[case.doc.kind]]
    if case.doc.kind == "document":
        steps.append("or send a log with a card session (JSON Lines, or the CSMS's or station's own log)")
    steps.append("nothing to develop yet: no feature request is opened until a card payment is shown")
    return steps


def _development_steps(case: Case) -> list[str]:
    gaps = case.gaps
    kinds = Counter(g.kind for g in gaps)
    steps = [
        "open an integration request with this documentation; it becomes a feature request with these gaps: "
        + ", ".join(f"{n} x {k}" for k, n in kinds.items())
    ]
    if any(g.kind in ("unknown_message", "needs_csms_data", "no_event_source") for g in gaps):
        steps.append(
            "ask the manufacturer for the meaning of every field of the unknown messages, which fields "
            "are payment identifiers, and what the CSMS must answer"
        )
    if any(g.kind == "schema_violation" for g in gaps):
        steps.append(
            "ask the manufacturer to fix the frames that break the OCPP schemas (or confirm firmware versions that do)"
        )
    steps.append(
        "review the drafted dialect (provenance: inferred), complete the TODO values and test it with "
        "the simulator before offering the pair"
    )
    if case.doc.kind == "document":
        steps.append("a captured message log of one complete card session would raise the confidence")
    return steps


# -- station configuration -----------------------------------------------------------------------------------
def station_configuration(fit: DialectFit, params: dict[str, Any], entry: CatalogEntry | None) -> list[dict[str, Any]]:
    """The configuration keys the station needs for the dialect (the entry's own list when it has one), with values."""
    dialect = fit.dialect
    own = entry is not None and entry.dialect == dialect.id
    merged = {**dialect.parameter_defaults(), **(entry.parameters if entry and own else {}), **params}
    keys = entry.configuration if entry and own and entry.configuration else dialect.configuration
    rows = []
    for key in keys:
        if key.ocpp_versions and not set(key.ocpp_versions) & set(dialect.ocpp_versions):
            continue
        expected = dialect.resolve(key.expected, merged) if key.expected else None
        if key.expected and key.expected.startswith("$param.") and expected is None:
            expected = f"<{key.expected.removeprefix('$param.')}, set per station>"
        rows.append({"key": key.key, "expected": expected, "readonly": key.readonly, "description": key.description})
    return rows
