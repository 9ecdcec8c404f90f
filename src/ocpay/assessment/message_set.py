"""The message set of an integration: what its documentation shows, grouped by message and compared by shape later.

Custom messages (DataTransfer, customData) with an inferred JSON Schema and the answers the station
expects, the standard messages the station sends, card-session conventions on those, and breaches
of the official schemas.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from ocpay.assessment.card_sessions import CardConventions, collect_id_tags, is_direct_payment, settle_conventions
from ocpay.assessment.conformance import standard_violations
from ocpay.assessment.evidence import Documentation, Evidence, Observed
from ocpay.assessment.gaps import Gap
from ocpay.assessment.inference import infer_schema
from ocpay.ocpp.schemas import actions

VERSIONS = ("1.6", "2.0.1", "2.1")
TOKEN_KEY = re.compile(r"^(tag_?id|id_?tag|id_?token|token)$", re.IGNORECASE)  # a field that carries an idTag
_ANSWERED_UNKNOWN = {"UnknownVendorId", "UnknownMessageId"}
_SESSION_ACTIONS = {"Authorize", "StartTransaction", "StopTransaction", "TransactionEvent"}
_COST_KEY = re.compile(r"cost|price|tariff|amount", re.IGNORECASE)


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
        """How reports name the message: DataTransfer vendor/messageId, or customData vendor on its action."""
        if self.kind == "custom_data":
            return f"customData {self.vendor_id} on {self.carrier}"
        return f"DataTransfer {self.vendor_id}/{self.message_id}"

    @property
    def expects_data(self) -> bool:
        """The other side answered with data: the station relies on the CSMS to compute it."""
        return any(a not in (None, "", {}, []) for a in self.answer_examples)

    @property
    def answer_fields(self) -> list[str]:
        """The fields of every answer the documentation shows, sorted."""
        return sorted({k for a in self.answer_examples if isinstance(a, dict) for k in a})

    @property
    def ignorable(self) -> bool:
        """Every time it was answered 'unknown' without data, and the station carried on."""
        total = sum(self.answer_statuses.values())
        return bool(total) and all(s in _ANSWERED_UNKNOWN for s in self.answer_statuses) and not self.expects_data

    @property
    def evidence(self) -> list[Evidence]:
        """Where each example of the message was seen."""
        return [o.evidence for o in self.observations]

    def fields(self) -> dict[str, Any]:
        """The top-level fields of its schema (name -> sub-schema)."""
        return dict(self.schema.get("properties") or {})

    def to_json(self) -> dict[str, Any]:
        """The message as plain JSON values (its schema, not its examples)."""
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
            "answer_fields": self.answer_fields,
            "answer_statuses": dict(self.answer_statuses),
            "data_not_json": self.not_json,
        }


@dataclass(slots=True)
class MessageSet:
    """Every message an integration uses, as its documentation shows them."""

    ocpp_version: str
    custom: list[CustomShape] = field(default_factory=list)
    standard: Counter[str] = field(default_factory=Counter)  # station-sent standard actions
    standard_payloads: dict[str, list[Any]] = field(default_factory=dict)
    conventions: CardConventions = field(default_factory=CardConventions)
    violations: list[Gap] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The message set as plain JSON values."""
        return {
            "ocpp_version": self.ocpp_version,
            "custom_messages": [c.to_json() for c in self.custom],
            "standard_messages": dict(self.standard),
            "card_sessions": self.conventions.to_json(),
        }


def infer_version(doc: Documentation, given: str | None = None) -> str:
    """The OCPP version the station speaks: the given one (checked), else the one its messages imply."""
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
    if any(is_direct_payment(m) for m in frames) or "NotifySettlement" in used:
        return "2.1"
    if hinted:
        return hinted[0]
    if any(m.is_data_transfer and m.payload is not None for m in frames):
        two = [v for v in candidates if v != "1.6"]
        if two:
            return two[0]
    return candidates[0]


def build_message_set(doc: Documentation, version: str) -> MessageSet:
    """Group the documentation's messages into the integration's message set (for one OCPP version)."""
    builder = _Builder(version)
    for observed in doc.messages:
        builder.add(observed)
    return builder.finish(doc)


class _Builder:
    """Walks the messages in order: what came just before a custom message says when it is sent."""

    def __init__(self, version: str) -> None:
        self.mset = MessageSet(ocpp_version=version)
        self.shapes: dict[tuple[Any, ...], CustomShape] = {}
        self.previous_standard: str | None = None
        self.issued: dict[str, tuple[CustomShape, str]] = {}  # idTag value -> the message whose answer issued it

    def add(self, observed: Observed) -> None:
        """Count the message in: a custom message's shape, a declaration, or a standard message."""
        if observed.kind in ("result", "error"):
            return
        if observed.is_data_transfer and observed.custom_data_carrier is None:
            self._data_transfer(observed)
        elif observed.kind == "declared":
            self._declared(observed)
        else:
            self._standard(observed)

    def finish(self, doc: Documentation) -> MessageSet:
        """The message set: schemas inferred, card-session conventions settled, schema breaches found."""
        for shape in self.shapes.values():
            shape.schema = shape.declared_schema or infer_schema(shape.examples)
        self.mset.custom = list(self.shapes.values())
        settle_conventions(self.mset.conventions, self.issued)
        self.mset.violations = standard_violations(doc, self.mset.ocpp_version)
        return self.mset

    def _shape(self, key: tuple[Any, ...], **kwargs: Any) -> CustomShape:
        shape = self.shapes.get(key)
        if shape is None:
            shape = self.shapes[key] = CustomShape(**kwargs)
        return shape

    def _custom_data_shape(self, vendor: str | None, carrier: str, direction: str) -> CustomShape:
        return self._shape(
            ("cd", vendor, carrier, direction),
            kind="custom_data",
            vendor_id=vendor,
            message_id=None,
            carrier=carrier,
            direction=direction,
        )

    def _data_transfer(self, observed: Observed) -> None:
        shape = self._shape(
            ("dt", observed.vendor_id, observed.message_id, observed.direction),
            kind="data_transfer",
            vendor_id=observed.vendor_id,
            message_id=observed.message_id,
            direction=observed.direction,
        )
        _add_observation(shape, observed, observed.data, self.previous_standard)
        for key, value in _flat_strings(observed.answer_data):
            if TOKEN_KEY.match(key.rsplit(".", 1)[-1]):
                self.issued[value] = (shape, key)

    def _declared(self, observed: Observed) -> None:
        if observed.custom_data_carrier:
            shape = self._custom_data_shape(observed.vendor_id, observed.custom_data_carrier, observed.direction)
            _add_observation(shape, observed, None, None)
        elif observed.action:
            self.mset.standard[observed.action] += 1

    def _standard(self, observed: Observed) -> None:
        action = observed.action or ""
        to_csms = observed.direction == "to_csms"
        if to_csms:
            self.mset.standard[action] += observed.count
            self.mset.standard_payloads.setdefault(action, []).append(observed.payload)
        for vendor, data in _custom_data(observed.payload):
            shape = self._custom_data_shape(vendor, action, observed.direction)
            _add_observation(shape, observed, data, self.previous_standard)
        if action in _SESSION_ACTIONS and to_csms:
            collect_id_tags(self.mset.conventions, action, observed)
            self._follow_session(action, observed.payload or {})
        elif action == "MeterValues":
            self.previous_standard = action
        if to_csms and action != "DataTransfer":
            cost_fields = self.mset.conventions.cost_fields
            for path in _cost_paths(observed.payload):
                label = f"{action}.{path}"
                if label not in cost_fields:
                    cost_fields.append(label)

    def _follow_session(self, action: str, payload: Any) -> None:
        """A session message: custom messages sent next come after its start or stop."""
        if action != "TransactionEvent" or payload.get("eventType") in ("Started", None):
            self.previous_standard = action if action != "TransactionEvent" else "StartTransaction"
        if payload.get("eventType") == "Ended":
            self.previous_standard = "StopTransaction"


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
