"""How one custom message of the documentation fits one message of a dialect: checks that add gaps or notes.

The checks run in the order of `MESSAGE_CHECKS`; a gap means the dialect cannot take the message as
it is, a note is worth saying but costs nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import fastjsonschema

from ocpay.assessment.evidence import arrow
from ocpay.assessment.gaps import Gap
from ocpay.assessment.message_set import CustomShape
from ocpay.integrations.dialects import Dialect, Message
from ocpay.payments.redaction import mask


@dataclass(slots=True)
class MessageFit:
    """One custom message of the documentation against one message of a dialect."""

    shape: CustomShape
    message: Message
    gaps: list[Gap] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def gap(self, kind: str, detail: str) -> None:
        """Add a gap about this message, with every example of it as evidence."""
        self.gaps.append(Gap(kind, self.shape.name, detail, self.shape.evidence))

    def note(self, text: str) -> None:
        """Add a note about this message."""
        self.notes.append(f"{self.shape.name}: {text}")


def fit_message(dialect: Dialect, message: Message, shape: CustomShape, version: str) -> MessageFit:
    """Run every check of `MESSAGE_CHECKS` on the message against the dialect's message."""
    fit = MessageFit(shape, message)
    for check in MESSAGE_CHECKS:
        check(fit, dialect, version)
    return fit


def _direction(fit: MessageFit, dialect: Dialect, version: str) -> None:
    shape, message = fit.shape, fit.message
    if shape.direction == message.direction:
        return
    if shape.direction_known:
        fit.gap(
            "direction_mismatch",
            f"the documentation shows it {arrow(shape.direction)}; {dialect.id} has it {arrow(message.direction)}",
        )
    else:
        fit.note(f"the documentation does not say who sends it; {dialect.id} expects {arrow(message.direction)}")


def _ocpp_version(fit: MessageFit, dialect: Dialect, version: str) -> None:
    versions = dialect.versions_of(fit.message)
    if version not in versions:
        fit.gap(
            "ocpp_version",
            f"{dialect.id} defines {fit.message.name} for OCPP {', '.join(versions)}, the station speaks {version}",
        )


def _json_data(fit: MessageFit, dialect: Dialect, version: str) -> None:
    if fit.shape.not_json:
        fit.gap(
            "data_not_json",
            f"{fit.shape.not_json} example(s) carry data that is not JSON; {dialect.id} reads JSON data only",
        )


def _schema(fit: MessageFit, dialect: Dialect, version: str) -> None:
    expected, shape = fit.message.schema_, fit.shape
    if not expected:
        return
    missing, extra, optional = compare_schema(expected, shape.schema)
    for name, candidates in missing:
        hint = rename_hint(name, candidates)
        fit.gap(
            "renamed_field" if hint else "missing_field",
            f"{dialect.id} requires {name!s}"
            + (f"; the station sends {hint} instead (renamed?)" if hint else "; no example carries it"),
        )
    for name in optional:
        fit.gap(
            "optional_vs_required",
            f"{name} is required by {dialect.id} but missing from some examples: those would be rejected",
        )
    if extra:
        if expected.get("additionalProperties") is False:
            fit.gap("extra_fields", f"{dialect.id} forbids fields {', '.join(extra)}")
        else:
            fit.note(f"extra fields {', '.join(extra)} are ignored by {dialect.id}")
    if not missing and not optional and shape.examples:
        _validate_examples(fit, dialect)


def _validate_examples(fit: MessageFit, dialect: Dialect) -> None:
    """The first example the dialect's schema rejects, as a gap with that example's evidence."""
    shape = fit.shape
    observed = [o for o in shape.observations if o.data_is_json and o.data is not None]
    for example, seen in zip(shape.examples, observed, strict=False):
        try:
            fit.message.validate_data(example)
        except fastjsonschema.JsonSchemaValueException as exc:
            fit.gaps.append(Gap("schema_mismatch", shape.name, f"{dialect.id}: {mask(exc.message)}", [seen.evidence]))
            return


def _answer(fit: MessageFit, dialect: Dialect, version: str) -> None:
    shape, message = fit.shape, fit.message
    if not (message.direction == "to_csms" and shape.direction == "to_csms" and shape.expects_data):
        return
    given = set(message.reply.data) if message.reply and isinstance(message.reply.data, dict) else set()
    lacking = sorted(set(shape.answer_fields) - given)
    if lacking:
        fit.gap(
            "needs_csms_data",
            f"the station expects the CSMS to answer with {', '.join(lacking)}; {dialect.id} answers "
            + (f"with {', '.join(sorted(given))}" if given else "without data"),
        )


def _sent_fields(fit: MessageFit, dialect: Dialect, version: str) -> None:
    message = fit.message
    if message.direction == "to_station" and isinstance(message.data, dict):
        unsent = set(fit.shape.fields()) - set(message.data)
        if unsent:
            fit.note(f"the documentation shows fields {', '.join(sorted(unsent))} that {dialect.id} does not send")


MESSAGE_CHECKS: tuple[Callable[[MessageFit, Dialect, str], None], ...] = (
    _direction,
    _ocpp_version,
    _json_data,
    _schema,
    _answer,
    _sent_fields,
)


def compare_schema(expected: dict[str, Any], observed: dict[str, Any], path: str = "") -> tuple[list, list, list]:
    """(missing required, extra fields, optional where required) between a dialect schema and an observed one."""
    missing: list[tuple[str, list[str]]] = []
    extra: list[str] = []
    optional: list[str] = []
    props = expected.get("properties") or {}
    seen = observed.get("properties") or {}
    required = set(observed.get("required") or [])
    for name in expected.get("required") or []:
        where = f"{path}{name}"
        if name not in seen:
            missing.append((where, [f"{path}{s}" for s in seen if s not in props]))
        elif name not in required:
            optional.append(where)
    for name, sub in seen.items():
        where = f"{path}{name}"
        if name not in props:
            extra.append(where)
        elif isinstance(props[name], dict) and props[name].get("properties") and sub.get("properties"):
            m, e, o = compare_schema(props[name], sub, where + ".")
            missing += m
            extra += e
            optional += o
    return missing, extra, optional


def rename_hint(missing: str, candidates: list[str]) -> str | None:
    """The field among `candidates` that is probably `missing` under another name (same or close leaf name)."""
    leaf = missing.rsplit(".", 1)[-1].lower().replace("_", "")
    by_leaf = {c.rsplit(".", 1)[-1].lower().replace("_", ""): c for c in candidates}
    if leaf in by_leaf:
        return by_leaf[leaf]
    close = difflib.get_close_matches(leaf, list(by_leaf), n=1, cutoff=0.6)
    return by_leaf[close[0]] if close else None
