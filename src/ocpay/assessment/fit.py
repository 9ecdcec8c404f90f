"""Comparison with a dialect: which messages of the set it explains, with which parameters, and what it lacks.

The comparison is by *shape*, not by brand: a DataTransfer with the same messageId and data under
another vendorId fits a dialect that takes the vendorId as a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ocpay.assessment.card_sessions import letters_prefix
from ocpay.assessment.gaps import Gap
from ocpay.assessment.message_fit import MessageFit, fit_message
from ocpay.assessment.message_set import CustomShape, MessageSet
from ocpay.integrations.dialects import Dialect, Message
from ocpay.integrations.paths import get_path


@dataclass(slots=True)
class DialectFit:
    """How well one dialect explains the message set."""

    dialect: Dialect
    fits: list[MessageFit] = field(default_factory=list)
    unmatched: list[CustomShape] = field(default_factory=list)
    standard_matched: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)  # values the documentation demands
    per_station: list[str] = field(default_factory=list)  # parameters to set per station, not yet known
    gaps: list[Gap] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    card_rule: str | None = None  # the card-session rule that fits
    events: set[str] = field(default_factory=set)

    @property
    def all_gaps(self) -> list[Gap]:
        """The dialect's own gaps, then those of each matched message."""
        return self.gaps + [g for f in self.fits for g in f.gaps]

    @property
    def score(self) -> float:
        """How much of the message set the dialect explains; a card-session rule alone explains nothing."""
        matched = len(self.fits) + len(self.standard_matched)
        if not matched:
            return 0.0
        return matched + (0.5 if self.card_rule else 0) - 0.1 * len(self.all_gaps)

    def summary(self) -> dict[str, Any]:
        """The comparison in a few JSON values: score, what matched, parameters, events, number of gaps."""
        return {
            "dialect": self.dialect.id,
            "score": round(self.score, 2),
            "matched": [f.shape.name for f in self.fits] + self.standard_matched,
            "unmatched": [s.name for s in self.unmatched],
            "parameters": self.parameters,
            "card_rule": self.card_rule,
            "events": sorted(self.events),
            "gaps": len(self.all_gaps),
        }

    def add_events(self, message: Message) -> None:
        """Count the payment events the message reports as covered."""
        if message.event:
            self.events.add(message.event)
        self.events.update(message.event_by_status.values())


def fit_dialect(dialect: Dialect, mset: MessageSet, params: dict[str, Any] | None = None) -> DialectFit:
    """Compare the message set with one dialect (`params`: a catalog entry's parameters for it)."""
    result = DialectFit(dialect)
    defaults = {**dialect.parameter_defaults(), **(params or {})}
    for shape in mset.custom:
        _fit_custom(result, shape, defaults, mset.ocpp_version)
    for message in dialect.messages:
        if _acts_on_standard(dialect, message, mset):
            result.standard_matched.append(f"{message.action} ({message.name})")
            result.add_events(message)
    _fit_card_rule(result, mset, defaults)
    for name, parameter in dialect.parameters.items():
        used = any(r.value == f"$param.{name}" for r in dialect.card_sessions)
        if used and parameter.default is None and name not in result.parameters:
            result.per_station.append(name)
    return result


def rank_dialects(fits: list[DialectFit], preferred: str | None) -> list[DialectFit]:
    """Best first: highest score, fewest gaps, the `preferred` dialect (a catalog entry's), then by id."""
    return sorted(fits, key=lambda f: (-f.score, len(f.all_gaps), f.dialect.id != preferred, f.dialect.id))


def _candidates(dialect: Dialect, shape: CustomShape, defaults: dict[str, Any]) -> list[Message]:
    """The dialect's messages with the shape's messageId (DataTransfer) or carrier and vendorId (customData)."""
    if shape.kind == "data_transfer":
        return [m for m in dialect.messages if m.kind == shape.kind and m.message_id == shape.message_id]
    return [
        m
        for m in dialect.messages
        if m.kind == shape.kind
        and m.action == shape.carrier
        and dialect.resolve(m.vendor_id, defaults) == shape.vendor_id
    ]


def _fit_custom(result: DialectFit, shape: CustomShape, defaults: dict[str, Any], version: str) -> None:
    dialect = result.dialect
    candidates = _candidates(dialect, shape, defaults)
    if not candidates:
        result.unmatched.append(shape)
        return
    fits = [fit_message(dialect, m, shape, version) for m in candidates]
    fit = min(fits, key=lambda f: (len(f.gaps), f.message.direction != shape.direction))
    if shape.kind == "data_transfer":
        _fit_vendor_id(result, fit, defaults)
    result.fits.append(fit)
    result.add_events(fit.message)


def _fit_vendor_id(result: DialectFit, fit: MessageFit, defaults: dict[str, Any]) -> None:
    """Another vendorId: a parameter value when the dialect takes it as one, else a (small) gap."""
    dialect, shape = result.dialect, fit.shape
    vendor = dialect.resolve(fit.message.vendor_id, defaults)
    if shape.vendor_id == vendor:
        return
    raw = fit.message.vendor_id or ""
    if not raw.startswith("$param."):
        fit.gap(
            "vendor_id_mismatch",
            f"same messageId and shape, but {dialect.id} fixes vendorId {vendor!r}; making it a "
            f"parameter is a small change to the dialect",
        )
        return
    name = raw.removeprefix("$param.")
    if name in result.parameters and result.parameters[name] != shape.vendor_id:
        fit.gap("vendor_id_mismatch", f"{dialect.id} takes one vendorId ({name}); the station uses several")
    result.parameters[name] = shape.vendor_id


def _acts_on_standard(dialect: Dialect, message: Message, mset: MessageSet) -> bool:
    """The dialect acts on a standard message the station sends (OCPP 2.1 direct payment)."""
    if message.kind != "ocpp_action" or message.direction != "to_csms" or not message.action:
        return False
    payloads = mset.standard_payloads.get(message.action, [])
    if not payloads and not mset.standard.get(message.action):
        return False
    if message.when_present and payloads and not any(get_path(p, message.when_present) is not None for p in payloads):
        return False
    return mset.ocpp_version in dialect.versions_of(message)


def _fit_card_rule(result: DialectFit, mset: MessageSet, defaults: dict[str, Any]) -> None:
    dialect, conventions = result.dialect, mset.conventions
    for rule in dialect.card_sessions:
        value = dialect.resolve(rule.value, defaults)
        param = rule.value.removeprefix("$param.") if rule.value and rule.value.startswith("$param.") else None
        if rule.kind == "direct_payment" and conventions.direct_payment:
            result.card_rule = "direct_payment"
        elif rule.kind == "csms_issued" and conventions.issued_by is not None:
            if any(f.shape is conventions.issued_by and f.message.issues_token for f in result.fits):
                result.card_rule = "csms_issued"
        elif rule.kind == "static_id_tag" and conventions.static:
            if value == conventions.static:
                result.card_rule = "static_id_tag"
            elif param:
                result.card_rule = "static_id_tag"
                result.parameters[param] = conventions.static
        elif rule.kind == "id_tag_prefix" and (conventions.prefix or conventions.static):
            _fit_prefix_rule(result, value, param, conventions.prefix, conventions.static)
    if result.card_rule is None and dialect.card_sessions and (result.fits or result.standard_matched):
        _no_card_rule(result, mset)


def _fit_prefix_rule(result: DialectFit, value: Any, param: str | None, prefix: str | None, static: str | None) -> None:
    seen = prefix or static or ""
    if value and seen.startswith(value):
        result.card_rule = "id_tag_prefix"
    elif param:
        guess = prefix or letters_prefix(seen)
        if guess:
            result.card_rule = "id_tag_prefix"
            result.parameters[param] = guess


def _no_card_rule(result: DialectFit, mset: MessageSet) -> None:
    """None of the dialect's card-session rules fits: a gap when the documentation shows another rule."""
    dialect, conventions = result.dialect, mset.conventions
    kinds = ", ".join(r.kind for r in dialect.card_sessions)
    observed = conventions.rule
    if observed and observed != "csms_issued":
        result.gaps.append(
            Gap(
                "card_session_rule",
                "card sessions",
                f"the documentation shows {observed.replace('_', ' ')}; {dialect.id} recognises card "
                f"sessions by {kinds}",
                [o.evidence for _, _, o in conventions.id_tags[:3]],
            )
        )
    else:
        result.notes.append(
            f"the documentation shows no card-session idTag; {dialect.id} recognises card sessions by {kinds}"
        )
