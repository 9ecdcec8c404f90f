"""Assessment: what the platform can do today for a new charger x terminal pair.

From the observed messages of a request's documentation (see `documents`), build the message set
the integration uses (custom messages with an inferred JSON Schema, card-session conventions on
standard messages, answers the station expects, breaches of the official schemas), compare it by
*shape*, not by brand, with every dialect and catalog entry, and answer with a verdict:

- `supported`: a catalog entry covers the pair and the documentation matches its dialect, or the
  messages are standard ones a dialect fully handles;
- `compatible`: an existing dialect handles it with configuration only (parameters such as another
  vendorId or an idTag rule; extra fields it ignores), with the catalog entry to create;
- `needs_development`: every gap with its evidence, and a drafted dialect closing the rest.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import fastjsonschema
import yaml

from ocpay.assessment.documents import Documentation, Evidence, Observed
from ocpay.integrations.catalog import Catalog, CatalogEntry, Hardware
from ocpay.integrations.dialects import Dialect, Message
from ocpay.integrations.paths import get_path
from ocpay.ocpp.schemas import SchemaSet, SchemaViolation, actions
from ocpay.payments.redaction import MASK, mask

Verdict = Literal["supported", "compatible", "needs_development"]
VERSIONS = ("1.6", "2.0.1", "2.1")
_SCHEMAS = SchemaSet()  # official schemas, compiled once per process
_BASE_CONFIDENCE = {"log": 0.9, "dialect": 0.85, "document": 0.75, "station": 0.65}
_ANSWERED_UNKNOWN = {"UnknownVendorId", "UnknownMessageId"}
_SESSION_ACTIONS = {"Authorize", "StartTransaction", "StopTransaction", "TransactionEvent"}
_COST_KEY = re.compile(r"cost|price|tariff|amount", re.IGNORECASE)
_TOKEN_KEY = re.compile(r"^(tag_?id|id_?tag|id_?token|token)$", re.IGNORECASE)
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_URI = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.IGNORECASE)
_SAFE_LEAF = re.compile(r"^(currency|amount|brand|type|timestamp|time|status|.*price.*|.*value.*)$", re.IGNORECASE)


# -- results ------------------------------------------------------------------------------------------
@dataclass(slots=True)
class Gap:
    kind: str  # unknown_message, needs_csms_data, schema_violation, no_event_source, direction_mismatch, ...
    message: str
    detail: str
    evidence: list[Evidence] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "detail": self.detail,
            "evidence": [e.to_json() for e in self.evidence[:5]],
        }


@dataclass(slots=True, eq=False)
class CustomShape:
    """One custom message of the integration, from every example of it."""

    kind: Literal["data_transfer", "custom_data"]
    vendor_id: str | None
    message_id: str | None
    direction: str
    carrier: str | None = None  # custom_data: the standard action that carries it
    observations: list[Observed] = field(default_factory=list)
    examples: list[Any] = field(default_factory=list)
    declared_schema: dict[str, Any] | None = None
    declared_event: str | None = None
    not_json: int = 0
    answer_examples: list[Any] = field(default_factory=list)
    answer_statuses: Counter[str] = field(default_factory=Counter)
    direction_known: bool = True
    after: Counter[str] = field(default_factory=Counter)  # standard action seen just before it
    schema: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        if self.kind == "custom_data":
            return f"customData {self.vendor_id} on {self.carrier}"
        return f"DataTransfer {self.vendor_id}/{self.message_id}"

    @property
    def expects_data(self) -> bool:
        """The other side answered with data: the station relies on the CSMS to compute it."""
        return any(a not in (None, "", {}, []) for a in self.answer_examples)

    @property
    def ignorable(self) -> bool:
        """Every time it was answered 'unknown' without data, and the station carried on."""
        total = sum(self.answer_statuses.values())
        return bool(total) and all(s in _ANSWERED_UNKNOWN for s in self.answer_statuses) and not self.expects_data

    @property
    def evidence(self) -> list[Evidence]:
        return [o.evidence for o in self.observations]

    def fields(self) -> dict[str, Any]:
        return dict(self.schema.get("properties") or {})

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "vendor_id": self.vendor_id,
            "message_id": self.message_id,
            "carrier": self.carrier,
            "direction": self.direction,
            "direction_known": self.direction_known,
            "examples": len(self.examples),
            "schema": self.schema,
            "expects_data": self.expects_data,
            "answer_fields": sorted({k for a in self.answer_examples if isinstance(a, dict) for k in a}),
            "answer_statuses": dict(self.answer_statuses),
            "data_not_json": self.not_json,
        }


@dataclass(slots=True)
class CardConventions:
    """How card sessions show on standard messages."""

    id_tags: list[tuple[str, str, Observed]] = field(default_factory=list)  # (action, value, where)
    direct_payment: list[Observed] = field(default_factory=list)
    issued_by: CustomShape | None = None  # the custom message whose answer issued the idTag used
    issued_key: str | None = None
    static: str | None = None
    prefix: str | None = None
    cost_fields: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "static_id_tag": mask(self.static) if self.static else None,
            "id_tag_prefix": mask(self.prefix) if self.prefix else None,
            "direct_payment": bool(self.direct_payment),
            "csms_issued": self.issued_by.name if self.issued_by else None,
            "id_tags_seen": len({v for _, v, _ in self.id_tags}),
            "cost_fields": self.cost_fields,
        }


@dataclass(slots=True)
class MessageSet:
    ocpp_version: str
    custom: list[CustomShape] = field(default_factory=list)
    standard: Counter[str] = field(default_factory=Counter)  # station-sent standard actions
    standard_payloads: dict[str, list[Any]] = field(default_factory=dict)
    conventions: CardConventions = field(default_factory=CardConventions)
    violations: list[Gap] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "ocpp_version": self.ocpp_version,
            "custom_messages": [c.to_json() for c in self.custom],
            "standard_messages": dict(self.standard),
            "card_sessions": self.conventions.to_json(),
        }


@dataclass(slots=True)
class MessageFit:
    shape: CustomShape
    message: Message
    gaps: list[Gap] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class DialectFit:
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
        return self.gaps + [g for f in self.fits for g in f.gaps]

    @property
    def score(self) -> float:
        """How much of the message set the dialect explains; a card-session rule alone explains nothing."""
        matched = len(self.fits) + len(self.standard_matched)
        if not matched:
            return 0.0
        return matched + (0.5 if self.card_rule else 0) - 0.1 * len(self.all_gaps)

    def summary(self) -> dict[str, Any]:
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


@dataclass(slots=True)
class Assessment:
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

    def to_json(self) -> dict[str, Any]:
        doc = self.documentation
        return {
            "verdict": self.verdict,
            "dialect": self.dialect,
            "confidence": self.confidence,
            "gaps": [g.to_json() for g in self.gaps],
            "reasons": self.reasons,
            "next_steps": self.next_steps,
            "parameters": self.parameters,
            "station_configuration": self.station_configuration,
            "catalog_entry": self.catalog_entry,
            "proposed_catalog_entry": self.proposed_catalog_entry,
            "drafted_dialect": self.drafted_dialect,
            "charger": self.charger,
            "terminal": self.terminal,
            "source": {
                "name": doc.source,
                "kind": doc.kind,
                "messages": len(doc.messages),
                "problems": [p.to_json() for p in doc.problems],
                "named_vendor_ids": [mask(v) for v in doc.named_vendor_ids],
                "named_message_ids": [mask(v) for v in doc.named_message_ids],
            },
            "message_set": self.message_set.to_json(),
            "comparisons": self.comparisons,
        }


# -- 1. the message set ----------------------------------------------------------------------------------
def infer_version(doc: Documentation, given: str | None = None) -> str:
    if given:
        if given not in VERSIONS:
            raise ValueError(f"OCPP version {given!r} is not one of {', '.join(VERSIONS)}")
        return given
    if doc.dialect is not None:
        return doc.dialect.ocpp_versions[-1]
    frames = [m for m in doc.messages if m.kind in ("call", "send")]
    used = {m.action for m in frames if m.action}
    candidates = [v for v in VERSIONS if used <= actions(v)] or list(VERSIONS)
    hinted = [v for v in doc.version_hints if v in candidates]
    if {"StartTransaction", "StopTransaction"} & used and "1.6" in candidates:
        return "1.6"
    if any(m.is_data_transfer and m.data_was_string for m in frames) and "1.6" in candidates:
        return "1.6"
    if any(_is_direct_payment(m) for m in frames) or "NotifySettlement" in used:
        return "2.1"
    if hinted:
        return hinted[0]
    if any(m.is_data_transfer and m.payload is not None for m in frames):
        two = [v for v in candidates if v != "1.6"]
        if two:
            return two[0]
    return candidates[0]


def build_message_set(doc: Documentation, version: str) -> MessageSet:
    mset = MessageSet(ocpp_version=version)
    shapes: dict[tuple[Any, ...], CustomShape] = {}
    previous_standard: str | None = None
    issued_values: dict[str, tuple[CustomShape, str]] = {}

    def shape_for(key: tuple[Any, ...], **kwargs: Any) -> CustomShape:
        shape = shapes.get(key)
        if shape is None:
            shape = shapes[key] = CustomShape(**kwargs)
        return shape

    for observed in doc.messages:
        if observed.kind in ("result", "error"):
            continue
        if observed.is_data_transfer and observed.custom_data_carrier is None:
            shape = shape_for(
                ("dt", observed.vendor_id, observed.message_id, observed.direction),
                kind="data_transfer",
                vendor_id=observed.vendor_id,
                message_id=observed.message_id,
                direction=observed.direction,
            )
            _add_observation(shape, observed, observed.data, previous_standard)
            for key, value in _flat_strings(observed.answer_data):
                if _TOKEN_KEY.match(key.rsplit(".", 1)[-1]):
                    issued_values[value] = (shape, key)
            continue
        if observed.kind == "declared":
            if observed.custom_data_carrier:
                shape = shape_for(
                    ("cd", observed.vendor_id, observed.custom_data_carrier, observed.direction),
                    kind="custom_data",
                    vendor_id=observed.vendor_id,
                    message_id=None,
                    carrier=observed.custom_data_carrier,
                    direction=observed.direction,
                )
                _add_observation(shape, observed, None, None)
            elif observed.action:
                mset.standard[observed.action] += 1
            continue
        action = observed.action or ""
        if observed.direction == "to_csms":
            mset.standard[action] += observed.count
            mset.standard_payloads.setdefault(action, []).append(observed.payload)
        for vendor, data in _custom_data(observed.payload):
            shape = shape_for(
                ("cd", vendor, action, observed.direction),
                kind="custom_data",
                vendor_id=vendor,
                message_id=None,
                carrier=action,
                direction=observed.direction,
            )
            _add_observation(shape, observed, data, previous_standard)
        if action in _SESSION_ACTIONS and observed.direction == "to_csms":
            _collect_id_tags(mset.conventions, action, observed)
            if action != "TransactionEvent" or (observed.payload or {}).get("eventType") in ("Started", None):
                previous_standard = action if action != "TransactionEvent" else "StartTransaction"
            if (observed.payload or {}).get("eventType") == "Ended":
                previous_standard = "StopTransaction"
        elif action == "MeterValues":
            previous_standard = action
        if observed.direction == "to_csms" and action != "DataTransfer":
            for path in _cost_paths(observed.payload):
                label = f"{action}.{path}"
                if label not in mset.conventions.cost_fields:
                    mset.conventions.cost_fields.append(label)

    for shape in shapes.values():
        shape.schema = shape.declared_schema or infer_schema(shape.examples)
    mset.custom = list(shapes.values())
    _card_conventions(mset.conventions, issued_values)
    _check_standard(doc, mset)
    return mset


def _add_observation(shape: CustomShape, observed: Observed, data: Any, previous: str | None) -> None:
    shape.observations.append(observed)
    shape.direction_known = shape.direction_known and observed.direction_known
    if previous:
        shape.after[previous] += 1
    if observed.kind == "declared":
        shape.declared_schema = observed.declared_schema
        shape.declared_event = observed.declared_event
        if isinstance(observed.declared_reply, dict):
            shape.answer_examples.append(observed.declared_reply)
        return
    if not observed.data_is_json:
        shape.not_json += 1
    elif data is not None:
        shape.examples.append(data)
    if observed.answer is not None:
        if observed.answer_status:
            shape.answer_statuses[observed.answer_status] += 1
        shape.answer_examples.append(observed.answer_data)


def _custom_data(payload: Any, depth: int = 0) -> Iterable[tuple[str, Any]]:
    if depth > 12:
        return
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "customData" and isinstance(value, dict) and isinstance(value.get("vendorId"), str):
                yield value["vendorId"], {k: v for k, v in value.items() if k != "vendorId"}
            else:
                yield from _custom_data(value, depth + 1)
    elif isinstance(payload, list):
        for item in payload:
            yield from _custom_data(item, depth + 1)


def _flat_strings(value: Any, prefix: str = "") -> Iterable[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flat_strings(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, str) and prefix:
        yield prefix, value


def _is_direct_payment(observed: Observed) -> bool:
    payload = observed.payload if isinstance(observed.payload, dict) else {}
    token = payload.get("idToken")
    return isinstance(token, dict) and token.get("type") == "DirectPayment"


def _collect_id_tags(conventions: CardConventions, action: str, observed: Observed) -> None:
    payload = observed.payload if isinstance(observed.payload, dict) else {}
    if _is_direct_payment(observed):
        conventions.direct_payment.append(observed)
        return
    value = payload.get("idTag")
    token = payload.get("idToken")
    if isinstance(token, dict):
        value = token.get("idToken")
    if isinstance(value, str) and value and action != "StopTransaction":
        conventions.id_tags.append((action, value, observed))


def _card_conventions(conventions: CardConventions, issued: dict[str, tuple[CustomShape, str]]) -> None:
    remaining = []
    for _action, value, _observed in conventions.id_tags:
        if value in issued:
            conventions.issued_by, conventions.issued_key = issued[value]
        else:
            remaining.append(value)
    distinct = sorted(set(remaining))
    if not distinct:
        return
    if len(distinct) == 1:
        if sum(1 for v in remaining if v == distinct[0]) >= 1:
            conventions.static = distinct[0]
        return
    prefix = _common_prefix(distinct)
    if len(prefix) >= 3:
        conventions.prefix = prefix
        return
    groups: dict[str, set[str]] = {}
    for value in distinct:
        head = re.match(r"^[A-Za-z]{3,}[-_:]?", value)
        if head:
            groups.setdefault(head.group(0), set()).add(value)
    best = max(groups.items(), key=lambda kv: len(kv[1]), default=None)
    if best and len(best[1]) >= 2:
        conventions.prefix = _common_prefix(sorted(best[1]))


def _common_prefix(values: list[str]) -> str:
    """The common start of card-session tags, cut back to where the variable part begins."""
    prefix = values[0]
    for value in values[1:]:
        while not value.startswith(prefix):
            prefix = prefix[:-1]
    if len(values) > 1:
        prefix = prefix.rstrip("0123456789") if not prefix.isdigit() else ""
    return prefix


def _letters_prefix(value: str) -> str | None:
    head = re.match(r"^[A-Za-z]{3,}[-_:]?", value)
    return head.group(0) if head else None


def _cost_paths(payload: Any, prefix: str = "", depth: int = 0) -> Iterable[str]:
    if depth > 8:
        return
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "customData":
                continue
            path = f"{prefix}.{key}" if prefix else str(key)
            if _COST_KEY.search(str(key)) and not isinstance(value, (dict, list)):
                yield path
            else:
                yield from _cost_paths(value, path, depth + 1)
    elif isinstance(payload, list):
        for item in payload:
            yield from _cost_paths(item, prefix + "[]", depth + 1)


def _check_standard(doc: Documentation, mset: MessageSet) -> None:
    """Frames that break the official schemas, or that the version does not define."""
    version = mset.ocpp_version
    known = actions(version)
    grouped: dict[tuple[str, str, str], Gap] = {}
    for observed in doc.messages:
        if observed.kind in ("declared", "example", "error") or not observed.action or observed.payload is None:
            continue  # declarations, bare examples and recorded samples are not frames
        response = observed.kind == "result"
        action = observed.action
        sender = "station" if observed.direction == "to_csms" else "CSMS"
        if action not in known:
            key = ("non_standard_frame", action, "")
            if key not in grouped:
                grouped[key] = Gap(
                    "non_standard_frame",
                    action,
                    f"{action} is not an OCPP {version} action; no CSMS speaking OCPP {version} can answer it",
                )
            grouped[key].evidence.append(observed.evidence)
            continue
        try:
            _SCHEMAS.validate(version, action, observed.payload, response=response)
        except SchemaViolation as exc:
            what = f"{action}{' answer' if response else ''}"
            key = ("schema_violation", what, exc.description)
            if key not in grouped:
                grouped[key] = Gap(
                    "schema_violation",
                    what,
                    f"sent by the {sender}, breaks the official OCPP {version} schema ({exc.code}): "
                    f"{mask(exc.description)}",
                )
            grouped[key].evidence.append(observed.evidence)
    mset.violations = list(grouped.values())


# -- JSON Schema inference -------------------------------------------------------------------------------
def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def infer_schema(examples: list[Any]) -> dict[str, Any]:
    """A JSON Schema every example satisfies: types, required (present in all), nested objects, formats."""
    if not examples:
        return {}
    types = {_json_type(v) for v in examples}
    if types == {"integer", "number"} or ("number" in types and "integer" in types):
        types.discard("integer")
    schema: dict[str, Any] = {}
    ordered = [t for t in ("object", "array", "string", "number", "integer", "boolean", "null") if t in types]
    schema["type"] = ordered[0] if len(ordered) == 1 else ordered
    objects = [v for v in examples if isinstance(v, dict)]
    if objects:
        keys: dict[str, None] = {}
        for obj in objects:
            for key in obj:
                keys.setdefault(key, None)
        schema["properties"] = {k: infer_schema([o[k] for o in objects if k in o]) for k in keys}
        required = [k for k in keys if all(k in o for o in objects)]
        if required:
            schema["required"] = required
    arrays = [v for v in examples if isinstance(v, list)]
    if arrays:
        items = [item for array in arrays for item in array]
        if items:
            schema["items"] = infer_schema(items)
    strings = [v for v in examples if isinstance(v, str)]
    if strings and types == {"string"}:
        if all(_DATE_TIME.match(s) for s in strings):
            schema["format"] = "date-time"
        elif all(_URI.match(s) for s in strings):
            schema["format"] = "uri"
    return schema


# -- 2. comparison with dialects ---------------------------------------------------------------------------
def _compare_schema(expected: dict[str, Any], observed: dict[str, Any], path: str = "") -> tuple[list, list, list]:
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
            m, e, o = _compare_schema(props[name], sub, where + ".")
            missing += m
            extra += e
            optional += o
    return missing, extra, optional


def _rename_hint(missing: str, candidates: list[str]) -> str | None:
    leaf = missing.rsplit(".", 1)[-1].lower().replace("_", "")
    by_leaf = {c.rsplit(".", 1)[-1].lower().replace("_", ""): c for c in candidates}
    if leaf in by_leaf:
        return by_leaf[leaf]
    close = difflib.get_close_matches(leaf, list(by_leaf), n=1, cutoff=0.6)
    return by_leaf[close[0]] if close else None


def _fit_message(dialect: Dialect, message: Message, shape: CustomShape, version: str) -> MessageFit:
    fit = MessageFit(shape, message)
    label = shape.name
    if shape.direction != message.direction:
        if shape.direction_known:
            fit.gaps.append(
                Gap(
                    "direction_mismatch",
                    label,
                    f"the documentation shows it {_arrow(shape.direction)}; "
                    f"{dialect.id} has it {_arrow(message.direction)}",
                    shape.evidence,
                )
            )
        else:
            fit.notes.append(
                f"{label}: the documentation does not say who sends it; {dialect.id} expects "
                f"{_arrow(message.direction)}"
            )
    if version not in dialect.versions_of(message):
        fit.gaps.append(
            Gap(
                "ocpp_version",
                label,
                f"{dialect.id} defines {message.name} for OCPP {', '.join(dialect.versions_of(message))}, "
                f"the station speaks {version}",
                shape.evidence,
            )
        )
    if shape.not_json:
        fit.gaps.append(
            Gap(
                "data_not_json",
                label,
                f"{shape.not_json} example(s) carry data that is not JSON; {dialect.id} reads JSON data only",
                shape.evidence,
            )
        )
    if message.schema_:
        missing, extra, optional = _compare_schema(message.schema_, shape.schema)
        for name, candidates in missing:
            hint = _rename_hint(name, candidates)
            fit.gaps.append(
                Gap(
                    "renamed_field" if hint else "missing_field",
                    label,
                    f"{dialect.id} requires {name!s}"
                    + (f"; the station sends {hint} instead (renamed?)" if hint else "; no example carries it"),
                    shape.evidence,
                )
            )
        for name in optional:
            fit.gaps.append(
                Gap(
                    "optional_vs_required",
                    label,
                    f"{name} is required by {dialect.id} but missing from some examples: those would be rejected",
                    shape.evidence,
                )
            )
        if extra:
            if message.schema_.get("additionalProperties") is False:
                fit.gaps.append(
                    Gap("extra_fields", label, f"{dialect.id} forbids fields {', '.join(extra)}", shape.evidence)
                )
            else:
                fit.notes.append(f"{label}: extra fields {', '.join(extra)} are ignored by {dialect.id}")
        if not missing and not optional and shape.examples:
            validate = message.validate_data
            for example, observed in zip(
                shape.examples, [o for o in shape.observations if o.data_is_json and o.data is not None], strict=False
            ):
                try:
                    validate(example)
                except fastjsonschema.JsonSchemaValueException as exc:
                    fit.gaps.append(
                        Gap("schema_mismatch", label, f"{dialect.id}: {mask(exc.message)}", [observed.evidence])
                    )
                    break
    if message.direction == "to_csms" and shape.direction == "to_csms" and shape.expects_data:
        wanted = {k for a in shape.answer_examples if isinstance(a, dict) for k in a}
        given = set(message.reply.data) if message.reply and isinstance(message.reply.data, dict) else set()
        lacking = sorted(wanted - given)
        if lacking:
            fit.gaps.append(
                Gap(
                    "needs_csms_data",
                    label,
                    f"the station expects the CSMS to answer with {', '.join(lacking)}; {dialect.id} answers "
                    + (f"with {', '.join(sorted(given))}" if given else "without data"),
                    shape.evidence,
                )
            )
    if message.direction == "to_station" and isinstance(message.data, dict):
        sent = set(message.data)
        seen = set(shape.fields())
        if seen - sent:
            fit.notes.append(
                f"{label}: the documentation shows fields {', '.join(sorted(seen - sent))} that "
                f"{dialect.id} does not send"
            )
    return fit


def _arrow(direction: str) -> str:
    return "station -> CSMS" if direction == "to_csms" else "CSMS -> station"


def fit_dialect(dialect: Dialect, mset: MessageSet, params: dict[str, Any] | None = None) -> DialectFit:
    """Compare the message set with one dialect (`params`: a catalog entry's parameters for it)."""
    result = DialectFit(dialect)
    defaults = {**dialect.parameter_defaults(), **(params or {})}
    version = mset.ocpp_version
    for shape in mset.custom:
        candidates = [
            m
            for m in dialect.messages
            if m.kind == shape.kind
            and (
                (shape.kind == "data_transfer" and m.message_id == shape.message_id)
                or (shape.kind == "custom_data" and m.action == shape.carrier)
            )
        ]
        if shape.kind == "custom_data":
            candidates = [m for m in candidates if dialect.resolve(m.vendor_id, defaults) == shape.vendor_id]
        if not candidates:
            result.unmatched.append(shape)
            continue
        fits = [_fit_message(dialect, m, shape, version) for m in candidates]
        fit = min(fits, key=lambda f: (len(f.gaps), f.message.direction != shape.direction))
        message = fit.message
        vendor = dialect.resolve(message.vendor_id, defaults)
        if shape.kind == "data_transfer" and shape.vendor_id != vendor:
            raw = message.vendor_id or ""
            if raw.startswith("$param."):
                name = raw.removeprefix("$param.")
                if name in result.parameters and result.parameters[name] != shape.vendor_id:
                    fit.gaps.append(
                        Gap(
                            "vendor_id_mismatch",
                            shape.name,
                            f"{dialect.id} takes one vendorId ({name}); the station uses several",
                            shape.evidence,
                        )
                    )
                result.parameters[name] = shape.vendor_id
            else:
                fit.gaps.append(
                    Gap(
                        "vendor_id_mismatch",
                        shape.name,
                        f"same messageId and shape, but {dialect.id} fixes vendorId {vendor!r}; making it a "
                        f"parameter is a small change to the dialect",
                        shape.evidence,
                    )
                )
        result.fits.append(fit)
        if message.event:
            result.events.add(message.event)
        result.events.update(message.event_by_status.values())
    # standard messages a dialect acts on (OCPP 2.1 direct payment)
    for message in dialect.messages:
        if message.kind != "ocpp_action" or message.direction != "to_csms" or not message.action:
            continue
        payloads = mset.standard_payloads.get(message.action, [])
        if not payloads and not mset.standard.get(message.action):
            continue
        if (
            message.when_present
            and payloads
            and not any(get_path(p, message.when_present) is not None for p in payloads)
        ):
            continue
        if version not in dialect.versions_of(message):
            continue
        result.standard_matched.append(f"{message.action} ({message.name})")
        if message.event:
            result.events.add(message.event)
        result.events.update(message.event_by_status.values())
    _fit_card_rule(result, mset, defaults)
    for name, parameter in dialect.parameters.items():
        used = any(r.value == f"$param.{name}" for r in dialect.card_sessions)
        if used and parameter.default is None and name not in result.parameters:
            result.per_station.append(name)
    return result


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
            seen = conventions.prefix or conventions.static or ""
            if value and seen.startswith(value):
                result.card_rule = "id_tag_prefix"
            elif param:
                guess = conventions.prefix or _letters_prefix(seen)
                if guess:
                    result.card_rule = "id_tag_prefix"
                    result.parameters[param] = guess
    if result.card_rule is None and dialect.card_sessions and (result.fits or result.standard_matched):
        kinds = ", ".join(r.kind for r in dialect.card_sessions)
        observed = _observed_rule(conventions)
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


def _observed_rule(conventions: CardConventions) -> str | None:
    if conventions.direct_payment:
        return "direct_payment"
    if conventions.issued_by:
        return "csms_issued"
    if conventions.static:
        return "static_id_tag"
    if conventions.prefix:
        return "id_tag_prefix"
    return None


# -- 3. catalog -----------------------------------------------------------------------------------------
def _norm(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").split())


def _hardware_matches(hardware: Hardware, text: str | None) -> bool:
    if not text:
        return False
    wanted, maker = _norm(text), _norm(hardware.manufacturer)
    if not wanted.startswith(maker):
        return False
    rest = wanted[len(maker) :].strip()
    if not rest:
        return True
    return any(
        model.startswith("(") or _norm(model) == rest or _norm(model).replace(" ", "") == rest.replace(" ", "")
        for model in hardware.models
    )


def find_entry(catalog: Catalog | None, charger: str | None, terminal: str | None) -> CatalogEntry | None:
    if catalog is None or not charger or not terminal:
        return None
    for entry in catalog:
        if _hardware_matches(entry.charger, charger) and _hardware_matches(entry.terminal, terminal):
            return entry
    return None


# -- 4. verdict ------------------------------------------------------------------------------------------
def assess(
    doc: Documentation,
    dialects: Iterable[Dialect],
    catalog: Catalog | None = None,
    *,
    charger: str | None = None,
    terminal: str | None = None,
    ocpp_version: str | None = None,
) -> Assessment:
    version = infer_version(doc, ocpp_version)
    if charger is None and doc.station and doc.station.get("vendor"):
        charger = f"{doc.station['vendor']} {doc.station.get('model') or ''}".strip()
    mset = build_message_set(doc, version)
    entry = find_entry(catalog, charger, terminal)
    fits = [fit_dialect(d, mset, entry.parameters if entry and entry.dialect == d.id else None) for d in dialects]
    fits.sort(
        key=lambda f: (-f.score, len(f.all_gaps), f.dialect.id != (entry.dialect if entry else None), f.dialect.id)
    )
    best = fits[0] if fits and fits[0].score > 0 else None
    reasons: list[str] = []
    gaps: list[Gap] = list(mset.violations)
    notes: list[str] = []
    if doc.problems:
        reasons.append(
            f"{len(doc.problems)} part(s) of {doc.source} could not be read and were skipped "
            f"(first: {doc.problems[0].where}: {doc.problems[0].reason})"
        )
    custom = mset.custom
    unmatched = best.unmatched if best else list(custom)
    ignored: list[CustomShape] = []
    for shape in unmatched:
        if shape.ignorable:
            ignored.append(shape)
            continue
        known_by = [f.dialect.id for f in fits if f is not best and shape not in f.unmatched]
        detail = "no dialect knows this message"
        if known_by:
            detail = (
                f"not part of {best.dialect.id if best else 'any matching dialect'}; {', '.join(known_by)} "
                f"has a message with that id, but one station uses one dialect"
            )
        gaps.append(Gap("unknown_message", shape.name, detail + _shape_summary(shape), shape.evidence))
        if shape.direction == "to_csms" and shape.expects_data:
            keys = sorted({k for a in shape.answer_examples if isinstance(a, dict) for k in a})
            fillable = {k for k in keys if _fillable(k, shape)}
            if set(keys) - fillable:
                gaps.append(
                    Gap(
                        "needs_csms_data",
                        shape.name,
                        f"the station expects the CSMS to answer with data ({', '.join(sorted(set(keys) - fillable))}) "
                        f"that ocpay cannot compute today",
                        shape.evidence,
                    )
                )
        if shape.direction == "to_station":
            gaps.append(
                Gap(
                    "needs_csms_data",
                    shape.name,
                    "the CSMS must send this message and compute its data"
                    + (f" (fields {', '.join(sorted(shape.fields()))})" if shape.fields() else ""),
                    shape.evidence,
                )
            )
    for shape in ignored:
        notes.append(
            f"{shape.name} was answered {'/'.join(shape.answer_statuses)} and the station carried "
            f"on: not needed for card payments, ignored"
        )
    if best:
        gaps += best.all_gaps
        notes += best.notes + [n for f in best.fits for n in f.notes]
    named_unknown = [
        n
        for n in doc.named_message_ids
        if not any(s.message_id == n for s in custom)
        and not any(m.message_id == n for f in fits for m in f.dialect.messages)
    ]
    if doc.kind == "document" and named_unknown and not custom:
        for name in named_unknown:
            gaps.append(
                Gap("unknown_message", name, "named in the document without an example: its data cannot be assessed")
            )
    payment_related = bool(custom) or bool(_observed_rule(mset.conventions)) or bool(best)
    if not payment_related:
        gaps.append(
            Gap(
                "no_event_source",
                "(card payments)",
                "the documentation shows no custom message, no card-session idTag convention and no standard "
                "payment message: nothing tells the CSMS that a session was paid at the terminal",
            )
        )
    drafted: str | None = None
    if gaps:
        drafted_dict = draft_dialect(mset, best, doc, charger, terminal, ignored)
        if best is None and not _draft_has_settlement(drafted_dict) and payment_related:
            gaps.append(
                Gap(
                    "no_event_source",
                    "settled",
                    "no message reports the final (captured) amount of a card session; without it the session "
                    "cannot be marked settled",
                )
            )
        drafted = _yaml(drafted_dict, header=_draft_header(doc, gaps))
    verdict: Verdict
    parameters = dict(best.parameters) if best else {}
    configuration: list[dict[str, Any]] = []
    proposed: str | None = None
    if best:
        configuration = _station_configuration(best, parameters, entry)
    only_standard = not custom and best is not None and bool(best.standard_matched)
    if gaps:
        verdict = "needs_development"
    elif best is None:
        verdict = "needs_development"
    else:
        entry_params = dict(entry.parameters) if entry and entry.dialect == best.dialect.id else {}
        defaults = best.dialect.parameter_defaults()
        demanded = {
            k: v
            for k, v in parameters.items()
            # A parameter with no default that the entry leaves open is set per station (a static idTag).
            if v != entry_params.get(k, defaults.get(k)) and not (defaults.get(k) is None and k not in entry_params)
        }
        if entry is not None and entry.dialect == best.dialect.id and not demanded:
            verdict = "supported"
        elif only_standard and not demanded:
            verdict = "supported"
        else:
            verdict = "compatible"
            proposed = propose_entry(best, parameters, entry, charger, terminal, version, doc)
    confidence = _confidence(doc, mset, best, verdict, gaps)
    reasons += _reasons(doc, mset, best, entry, verdict, charger, terminal)
    reasons += notes
    next_steps = _next_steps(verdict, best, entry, parameters, configuration, gaps, charger, terminal, doc)
    return Assessment(
        verdict=verdict,
        dialect=best.dialect.id if best else None,
        confidence=confidence,
        reasons=reasons,
        next_steps=next_steps,
        gaps=gaps,
        documentation=doc,
        message_set=mset,
        parameters=parameters,
        station_configuration=configuration,
        catalog_entry=entry.id if entry else None,
        proposed_catalog_entry=proposed,
        drafted_dialect=drafted,
        comparisons=[f.summary() for f in fits],
        charger=charger,
        terminal=terminal,
    )


def _shape_summary(shape: CustomShape) -> str:
    fields = sorted(shape.fields())
    count = sum(o.count for o in shape.observations)
    text = f" ({_arrow(shape.direction)}, seen {count} time(s)"
    if fields:
        text += f", fields {', '.join(fields)}"
    return text + ")"


def _fillable(key: str, shape: CustomShape) -> bool:
    leaf = key.lower()
    return bool(
        _TOKEN_KEY.match(key)
        or leaf in ("receipturl", "receipt_url", "timestamp", "time", "status")
        or key in shape.fields()
    )


def _station_configuration(fit: DialectFit, params: dict[str, Any], entry: CatalogEntry | None) -> list[dict[str, Any]]:
    dialect = fit.dialect
    merged = {
        **dialect.parameter_defaults(),
        **(entry.parameters if entry and entry.dialect == dialect.id else {}),
        **params,
    }
    keys = (
        entry.configuration if entry and entry.dialect == dialect.id and entry.configuration else dialect.configuration
    )
    rows = []
    for key in keys:
        if key.ocpp_versions and fit and not set(key.ocpp_versions) & set(dialect.ocpp_versions):
            continue
        expected = dialect.resolve(key.expected, merged) if key.expected else None
        if key.expected and key.expected.startswith("$param.") and expected is None:
            expected = f"<{key.expected.removeprefix('$param.')}, set per station>"
        rows.append({"key": key.key, "expected": expected, "readonly": key.readonly, "description": key.description})
    return rows


def _confidence(
    doc: Documentation, mset: MessageSet, best: DialectFit | None, verdict: Verdict, gaps: list[Gap]
) -> float:
    value = _BASE_CONFIDENCE[doc.kind]
    if doc.problems:
        value *= 0.9
    if any(not s.direction_known for s in mset.custom):
        value *= 0.95
    if verdict != "needs_development" and best is not None:
        inbound = [
            m
            for m in best.dialect.messages
            if m.direction == "to_csms"
            and (m.kind != "ocpp_action" or m.event or m.event_by_status)
            and mset.ocpp_version in best.dialect.versions_of(m)
        ]
        seen = {f.message.name for f in best.fits} | {s.split(" (")[1].rstrip(")") for s in best.standard_matched}
        coverage = (len([m for m in inbound if m.name in seen]) / len(inbound)) if inbound else 1.0
        value *= 0.7 + 0.3 * coverage
        if best.dialect.provenance.kind in ("inferred",):
            value *= 0.85
        if best.per_station and not best.card_rule:
            value *= 0.95
    else:
        value *= 0.9 if gaps else 0.6
    return round(max(0.05, min(0.99, value)), 2)


def _reasons(
    doc: Documentation,
    mset: MessageSet,
    best: DialectFit | None,
    entry: CatalogEntry | None,
    verdict: Verdict,
    charger: str | None,
    terminal: str | None,
) -> list[str]:
    reasons = []
    count = len(doc.requests)
    what = {"log": "message log", "dialect": "dialect file", "document": "document", "station": "recorded messages"}
    reasons.append(
        f"read {count} message(s) from the {what[doc.kind]} {doc.source} (OCPP {mset.ocpp_version}); "
        f"{len(mset.custom)} custom message type(s): "
        + (", ".join(s.name for s in mset.custom) if mset.custom else "none")
    )
    rule = _observed_rule(mset.conventions)
    if rule == "static_id_tag":
        reasons.append(f"card sessions use one static idTag ({mask(mset.conventions.static)})")
    elif rule == "id_tag_prefix":
        reasons.append(f"card-session idTags share the prefix {mask(mset.conventions.prefix)!r}")
    elif rule == "csms_issued" and mset.conventions.issued_by:
        reasons.append(
            f"the station starts sessions with an idTag the CSMS issued in its answer to "
            f"{mset.conventions.issued_by.name}"
        )
    elif rule == "direct_payment":
        reasons.append("card sessions use OCPP 2.1 DirectPayment id tokens (the PSP reference)")
    if mset.conventions.cost_fields:
        reasons.append(f"cost or amounts travel in standard fields: {', '.join(mset.conventions.cost_fields[:6])}")
    if best is not None:
        matched = [f.shape.name for f in best.fits] + best.standard_matched
        reasons.append(
            f"closest dialect {best.dialect.id} ({best.dialect.provenance.kind}): it matches "
            + ", ".join(matched)
            + (f"; payment events covered: {', '.join(sorted(best.events))}" if best.events else "")
        )
        vendor_changes = {k: v for k, v in best.parameters.items() if k == "vendor_id"}
        if vendor_changes:
            reasons.append(
                f"same messages and shape as {best.dialect.id} under another vendorId "
                f"({vendor_changes['vendor_id']}); {best.dialect.id} takes the vendorId as a parameter"
            )
    else:
        reasons.append("no existing dialect matches any of the messages by shape")
    if entry is not None:
        reasons.append(
            f"catalog entry {entry.id} ({entry.status}) covers {entry.title} "
            f"with dialect {entry.dialect or '(none yet)'}"
        )
        if entry.status == "beta" and verdict == "supported":
            reasons.append(f"{entry.id} is beta: its dialect rests on public code, not vendor documentation")
        if best and entry.dialect and entry.dialect != best.dialect.id:
            reasons.append(f"the documentation matches {best.dialect.id}, not the entry's dialect {entry.dialect}")
    elif charger and terminal:
        reasons.append(f"no catalog entry covers {charger} x {terminal}")
    elif verdict != "needs_development" and mset.custom:
        reasons.append("no charger and terminal were given, so no catalog entry could be checked")
    return reasons


def _next_steps(
    verdict: Verdict,
    best: DialectFit | None,
    entry: CatalogEntry | None,
    parameters: dict[str, Any],
    configuration: list[dict[str, Any]],
    gaps: list[Gap],
    charger: str | None,
    terminal: str | None,
    doc: Documentation,
) -> list[str]:
    steps: list[str] = []
    if verdict == "supported" and best is not None:
        if entry is not None:
            steps.append(f"bind the station: ocpay stations add STATION_ID --integration {entry.id}")
            steps.append(f"follow the setup guide of {entry.id} (GET /api/catalog/{entry.id})")
        else:
            steps.append(f"the standard messages are handled by {best.dialect.id}; no custom setup is needed")
        for name in best.per_station:
            steps.append(f"set the parameter {name} per station ({best.dialect.parameters[name].description})")
        for row in configuration:
            if row["expected"]:
                steps.append(f"station setting {row['key']} = {row['expected']}")
    elif verdict == "compatible" and best is not None:
        params = ", ".join(f"{k}={mask(v)}" for k, v in parameters.items()) or "its defaults"
        steps.append(f"use dialect {best.dialect.id} with parameters {params}")
        if entry is not None and entry.dialect != best.dialect.id:
            steps.append(f"update catalog entry {entry.id} to dialect {best.dialect.id} (proposed entry below)")
        else:
            steps.append(
                "create the catalog entry proposed below (save it in a catalog directory, "
                "OCPAY_CATALOG_DIRS) and bind stations to it"
            )
        for name in best.per_station:
            if name not in parameters:
                steps.append(f"set the parameter {name} per station ({best.dialect.parameters[name].description})")
        for row in configuration:
            if row["expected"]:
                steps.append(f"station setting {row['key']} = {row['expected']}")
        steps.append("check the first card session of a real station: it should show payment events")
    else:
        kinds = Counter(g.kind for g in gaps)
        steps.append(
            "open an integration request with this documentation; it becomes a feature request with these gaps: "
            + ", ".join(f"{n} x {k}" for k, n in kinds.items())
        )
        if any(g.kind in ("unknown_message", "needs_csms_data", "no_event_source") for g in gaps):
            steps.append(
                "ask the manufacturer for the meaning of every field of the unknown messages, which fields "
                "are payment identifiers, and what the CSMS must answer"
            )
        if any(g.kind == "schema_violation" for g in gaps):
            steps.append(
                "ask the manufacturer to fix the frames that break the OCPP schemas (or confirm firmware "
                "versions that do)"
            )
        steps.append(
            "review the drafted dialect (provenance: inferred), complete the TODO values and test it with "
            "the simulator before offering the pair"
        )
        if doc.kind == "document":
            steps.append("a captured message log of one complete card session would raise the confidence")
    if doc.problems:
        steps.append(f"fix or resend the {len(doc.problems)} unreadable part(s) of {doc.source}")
    return steps


# -- proposed catalog entry and drafted dialect -------------------------------------------------------------
def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unknown"


def _split_hardware(text: str | None) -> dict[str, Any]:
    if not text:
        return {"manufacturer": "(unknown)", "models": ["(model not specified)"]}
    maker, _, model = text.strip().partition(" ")
    return {"manufacturer": maker, "models": [model.strip() or "(model not specified)"]}


def propose_entry(
    fit: DialectFit,
    parameters: dict[str, Any],
    entry: CatalogEntry | None,
    charger: str | None,
    terminal: str | None,
    version: str,
    doc: Documentation,
) -> str:
    dialect = fit.dialect
    charger_hw = entry.charger.model_dump() if entry else _split_hardware(charger)
    terminal_hw = entry.terminal.model_dump() if entry else _split_hardware(terminal)
    entry_id = entry.id if entry else _slug(f"{charger or 'charger'}-{terminal or 'terminal'}")
    versions = [version] if version in dialect.ocpp_versions else list(dialect.ocpp_versions)
    config = [
        {k: v for k, v in key.model_dump().items() if v not in (None, "", False)} for key in dialect.configuration
    ]
    title = (
        f"{charger_hw['manufacturer']} {' / '.join(charger_hw['models'])} x "
        f"{terminal_hw['manufacturer']} {' / '.join(terminal_hw['models'])}"
    )
    params_text = ", ".join(f"`{k}` = `{v}`" for k, v in parameters.items()) or "the dialect's defaults"
    data: dict[str, Any] = {
        "id": entry_id,
        "charger": charger_hw,
        "terminal": terminal_hw,
        "dialect": dialect.id,
        "status": "beta",
        "ocpp_versions": versions,
        "parameters": {k: v for k, v in parameters.items() if k in dialect.parameters},
        "configuration": config,
        "documentation": (
            f"Assessed by `ocpay assess` from {doc.source} on {datetime.now(UTC):%Y-%m-%d}: the station's messages "
            f"match dialect {dialect.id} by shape ({dialect.provenance.kind}: {dialect.provenance.source.strip()}). "
            f"Beta until checked with a real station."
        ),
        "setup_guide": (
            f"# {title}\n\nUses dialect `{dialect.id}` with {params_text}.\n\n"
            f"## CSMS settings\n\n```sh\nocpay stations add STATION_ID --password '...' --integration {entry_id}\n```\n"
            + "".join(f"\nSet the parameter `{n}` per station.\n" for n in fit.per_station if n not in parameters)
            + "\n## How to check it works\n\nPresent a card and check that the session shows payment events "
            "(`GET /api/sessions?station_id=STATION_ID`).\n"
        ),
    }
    if not data["parameters"]:
        del data["parameters"]
    if not config:
        del data["configuration"]
    if charger_hw["manufacturer"] != "(unknown)":
        data["match"] = {
            "vendor": re.escape(charger_hw["manufacturer"]),
            "model": re.escape(charger_hw["models"][0]) if not charger_hw["models"][0].startswith("(") else ".*",
        }
    CatalogEntry.model_validate(data)  # what we propose must load
    return _yaml(data)


def _draft_has_settlement(draft: dict[str, Any]) -> bool:
    return any(m.get("event") in ("settled", "price_shown") or m.get("event_by_status") for m in draft["messages"])


def _draft_header(doc: Documentation, gaps: list[Gap]) -> str:
    lines = [
        f"Drafted by `ocpay assess` from {doc.source} on {datetime.now(UTC):%Y-%m-%d}.",
        "Provenance: inferred. Field meanings, events and answers are guesses from examples;",
        "confirm them with the manufacturer before use. Gaps this draft does not close:",
    ]
    lines += [
        f"- {g.kind}: {g.message}"
        for g in gaps
        if g.kind in ("needs_csms_data", "schema_violation", "non_standard_frame", "data_not_json")
    ]
    return "".join(f"# {line}\n" for line in lines)


def draft_dialect(
    mset: MessageSet,
    best: DialectFit | None,
    doc: Documentation,
    charger: str | None,
    terminal: str | None,
    ignored: list[CustomShape],
) -> dict[str, Any]:
    """A dialect (as data `load_dialect` accepts) for the whole message set: the closest dialect, adjusted,
    plus the messages it lacks."""
    base: dict[str, Any] = best.dialect.model_dump(by_alias=True, exclude_defaults=True, mode="json") if best else {}
    label = " x ".join(x for x in (charger, terminal) if x) or (
        next((s.vendor_id for s in mset.custom if s.vendor_id), None) or doc.source
    )
    draft: dict[str, Any] = {
        "id": "draft." + _slug(label),
        "title": f"Draft: {label}",
        "version": "0.1",
        "provenance": {
            "kind": "inferred",
            "source": f"Inferred by ocpay assess from {doc.source}"
            + (f", starting from dialect {best.dialect.id}" if best else "")
            + "; to be confirmed with the manufacturer.",
        },
        "ocpp_versions": [mset.ocpp_version],
        "description": base.get("description", "Drafted from example messages; see the header for open gaps."),
        "parameters": dict(base.get("parameters") or {}),
        "card_sessions": list(base.get("card_sessions") or []),
        "configuration": list(base.get("configuration") or []),
        "messages": [],
    }
    names: set[str] = set()
    if best:
        for message in base.get("messages") or []:
            message = dict(message)
            if "ocpp_versions" in message and mset.ocpp_version not in message["ocpp_versions"]:
                message["ocpp_versions"] = sorted(set(message["ocpp_versions"]) | {mset.ocpp_version})
            for fit in best.fits:
                if fit.message.name == message["name"] and fit.shape.kind == "data_transfer":
                    raw = fit.message.vendor_id or ""
                    if not raw.startswith("$param.") and fit.shape.vendor_id:
                        message["vendor_id"] = fit.shape.vendor_id
            names.add(message["name"])
            draft["messages"].append(message)
        for name, value in best.parameters.items():
            if name in draft["parameters"]:
                draft["parameters"][name] = {**draft["parameters"][name], "default": value}
    new_shapes = [s for s in (best.unmatched if best else mset.custom) if s not in ignored]
    for shape in new_shapes:
        draft["messages"].append(_draft_message(shape, names, mset))
    if not draft["card_sessions"]:
        rule = _observed_rule(mset.conventions)
        if rule == "static_id_tag":
            draft["parameters"]["static_id_tag"] = {
                "description": "the idTag of every card session (seen in the documentation)",
                "default": mset.conventions.static,
            }
            draft["card_sessions"].append({"kind": "static_id_tag", "value": "$param.static_id_tag"})
        elif rule == "id_tag_prefix":
            draft["parameters"]["card_id_tag_prefix"] = {
                "description": "the idTag prefix of card sessions (seen in the documentation)",
                "default": mset.conventions.prefix,
            }
            draft["card_sessions"].append({"kind": "id_tag_prefix", "value": "$param.card_id_tag_prefix"})
        elif rule == "direct_payment":
            draft["card_sessions"].append({"kind": "direct_payment", "hash_token": True})
        elif any(m.get("issues_token") for m in draft["messages"]):
            draft["card_sessions"].append({"kind": "csms_issued"})
    for key in ("parameters", "card_sessions", "configuration"):
        if not draft[key]:
            del draft[key]
    Dialect.model_validate(draft)  # a draft that does not load helps nobody
    return draft


_TRIGGER_AFTER = {
    "Authorize": "authorized",
    "StartTransaction": "session_started",
    "MeterValues": "meter_values",
    "StopTransaction": "session_stopped",
}


def _draft_message(shape: CustomShape, names: set[str], mset: MessageSet) -> dict[str, Any]:
    base = re.sub(r"[^A-Za-z0-9_]+", "_", shape.message_id or f"{shape.carrier}_custom_data").strip("_") or "Message"
    name, n = base, 2
    while name in names:
        name, n = f"{base}_{n}", n + 1
    names.add(name)
    message: dict[str, Any] = {
        "name": name,
        "kind": shape.kind,
        "direction": shape.direction,
        "vendor_id": shape.vendor_id or "TODO",
    }
    if shape.kind == "data_transfer":
        message["message_id"] = shape.message_id or "TODO"
    else:
        message["action"] = shape.carrier
    if shape.schema and not shape.not_json:
        message["schema"] = shape.schema
    event = _infer_event(shape)
    if event:
        message["event"] = event
    mapping, reference = _infer_map(shape.schema)
    if mapping:
        message["map"] = mapping
        if "amount" in mapping and "cent" in mapping["amount"].lower():
            message["amount_scale"] = 0.01
    drop = [p for p in _sensitive_paths(shape.schema, set(mapping.values())) if p != reference]
    identifiers: dict[str, list[str]] = {}
    if drop:
        identifiers["drop"] = drop
    if reference:
        identifiers["hash"] = [reference]
    if identifiers:
        message["payment_identifiers"] = identifiers
    if shape.direction == "to_csms":
        reply: dict[str, Any] = {"status": "Accepted"}
        answer = next((a for a in shape.answer_examples if isinstance(a, dict) and a), None)
        if answer:
            data: dict[str, Any] = {}
            for key in answer:
                if _TOKEN_KEY.match(key):
                    data[key] = "$issued_token"
                    message["issues_token"] = True
                elif key in shape.fields():
                    data[key] = f"$message.{key}"
                elif key.lower() in ("receipturl", "receipt_url"):
                    data[key] = "$receipt_url"
                elif key.lower() in ("timestamp", "time"):
                    data[key] = "$now"
                else:
                    data[key] = f"TODO: {key} (the CSMS cannot compute it today)"
            reply["data"] = data
        message["reply"] = reply
    else:
        trigger = shape.after.most_common(1)[0][0] if shape.after else "StopTransaction"
        message["send_on"] = [_TRIGGER_AFTER.get(trigger, "session_stopped")]
        example = shape.examples[0] if shape.examples else None
        if isinstance(example, dict):
            message["data"] = {k: _placeholder(k, v) for k, v in example.items()}
    return message


def _placeholder(key: str, value: Any) -> Any:
    masked = mask(value, key)
    if isinstance(masked, str) and masked.startswith("$"):
        masked = masked.lstrip("$")
    if isinstance(masked, (dict, list)):
        return f"TODO: {key} ({_json_type(value)})"
    return masked if masked != MASK else f"TODO: {key}"


def _infer_event(shape: CustomShape) -> str | None:
    name = (shape.message_id or shape.carrier or "").lower()
    leaves = " ".join(p.lower() for p in _leaf_paths(shape.schema))
    has_amount = bool(re.search(r"amount|cost|total|gross|price|value", leaves))
    if re.search(r"cancel|void|revers", name):
        return "canceled"
    if re.search(r"declin|reject", name):
        return "declined"
    if re.search(r"fail|error", name):
        return "failed"
    if re.search(r"price|tariff", name):
        return "price_requested" if shape.direction == "to_csms" else "price_shown"
    if re.search(r"auth|reserv|hold", name):
        return "authorized"
    if re.search(r"receipt|report|settle|final|capture|result|complete|payment|summary|end", name) and has_amount:
        return "settled"
    if "receipt" in name:
        return "receipt"
    return None


def _leaf_paths(schema: dict[str, Any], prefix: str = "") -> list[str]:
    paths = []
    for key, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}{key}"
        if isinstance(sub, dict) and sub.get("properties"):
            paths += _leaf_paths(sub, path + ".")
        else:
            paths.append(path)
    return paths


_MAP_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("transaction_id", re.compile(r"^(ocpp_?)?(transaction_?id|tx_?id)$", re.IGNORECASE)),
    ("amount", re.compile(r"^(gross.*|total.*(cost|amount|value|price).*|.*amount.*|cost|final_?cost)$", re.I)),
    ("currency", re.compile(r"^currency(code)?$", re.IGNORECASE)),
    ("connector", re.compile(r"^(connector|evse)(_?id)?$", re.IGNORECASE)),
    ("status", re.compile(r"^(payment_?)?status$", re.IGNORECASE)),
    ("brand", re.compile(r"^(brand|card_?brand|scheme|card_?type)$", re.IGNORECASE)),
    ("terminal_id", re.compile(r"^terminal_?id$", re.IGNORECASE)),
    ("receipt_url", re.compile(r"^receipt_?ur[li]$", re.IGNORECASE)),
    ("reference", re.compile(r"^(psp_?ref(erence)?|payment_?(id|ref(erence)?))$", re.IGNORECASE)),
]


def _infer_map(schema: dict[str, Any]) -> tuple[dict[str, str], str | None]:
    mapping: dict[str, str] = {}
    leaves = _leaf_paths(schema)
    for field_name, pattern in _MAP_RULES:
        for path in leaves:
            leaf = path.rsplit(".", 1)[-1]
            if pattern.match(leaf) and path not in mapping.values():
                mapping[field_name] = path
                break
    return mapping, mapping.get("reference")


def _sensitive_paths(schema: dict[str, Any], mapped: set[str], prefix: str = "", inherited: bool = False) -> list[str]:
    """Fields that look like payment identifiers: dropped before anything is stored (mapped ones kept)."""
    paths = []
    for key, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}{key}"
        sensitive = mask("x", key) == MASK
        if isinstance(sub, dict) and sub.get("properties"):
            if sensitive and not any(m.startswith(path + ".") for m in mapped):
                paths.append(path)
            else:
                paths += _sensitive_paths(sub, mapped, path + ".", inherited or sensitive)
        elif path not in mapped and (sensitive or (inherited and not _SAFE_LEAF.match(key))):
            paths.append(path)
    return paths


def _yaml(data: dict[str, Any], header: str = "") -> str:
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
