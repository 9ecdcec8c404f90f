"""Dialects: declarative files describing one technical implementation of custom payment messages.

A dialect is data (YAML), loaded and validated at start; adding one needs no Python. A bad file is
refused as a whole, with the file, the place inside it and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

import fastjsonschema
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from ocpay.integrations.files import DialectError, load_model, yaml_files

PaymentEventKind = Literal[
    "authorized", "declined", "settled", "canceled", "failed", "receipt", "price_shown", "price_requested"
]
SessionTrigger = Literal["authorized", "session_started", "meter_values", "session_stopped", "connector_unplugged"]

# Fields a message may map into its payment event, and what each means.
EVENT_FIELDS = {
    "amount": "the amount of this event (authorised, settled, ...) in currency units",
    "currency": "ISO 4217 code",
    "transaction_id": "the OCPP transaction id the payment belongs to",
    "connector": "connector or EVSE id",
    "status": "the payment status as the station reports it",
    "brand": "card brand (Visa, Mastercard, ...)",
    "reference": "a payment identifier used only to link later messages; stored as a keyed hash",
    "receipt_url": "where the driver finds the receipt",
    "terminal_id": "which terminal (not a payment identifier)",
    "timestamp": "when it happened, as the station reports it (ISO 8601)",
}
# Names a template may use: `$name` or `$name.field`.
TEMPLATE_ROOTS = {
    "param",
    "session",
    "id_token",
    "price",
    "cost",
    "now",
    "issued_token",
    "message",
    "receipt_url",
    "check",
}
_TEMPLATE = re.compile(r"^\$([a-z_]+)(?:\.([A-Za-z0-9_.]+))?$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Provenance(_Strict):
    kind: Literal["standard", "vendor-documentation", "public-implementation", "inferred"]
    source: str = Field(min_length=3)


class Parameter(_Strict):
    description: str
    default: str | int | float | bool | None = None


class CardSessionRule(_Strict):
    """How a card session shows on standard messages."""

    kind: Literal["static_id_tag", "id_tag_prefix", "csms_issued", "direct_payment"]
    value: str | None = None  # the tag or prefix, or `$param.name`
    hash_token: bool = False  # the token is itself a payment identifier (PspRef): keep a keyed hash only

    @model_validator(mode="after")
    def _value_needed(self) -> CardSessionRule:
        if self.kind in ("static_id_tag", "id_tag_prefix") and not self.value:
            raise ValueError(f"{self.kind} needs a value")
        return self


class PaymentIdentifiers(_Strict):
    drop: list[str] = []  # dotted paths removed before anything is stored or logged
    hash: list[str] = []  # dotted paths replaced by a keyed hash (to link later messages)


class Reply(_Strict):
    status: str | None = Field(default=None, pattern=r"^(Accepted|Rejected|\$check\.[a-z_]+)$")
    data: Any = None  # a template: strings starting with `$` are filled from session state


class Message(_Strict):
    """One custom message of a dialect: how it is recognised, what it means, what the CSMS does with it."""

    name: str
    kind: Literal["data_transfer", "custom_data", "ocpp_action", "ocpp_reply"]
    direction: Literal["to_csms", "to_station"]
    vendor_id: str | None = None  # data_transfer, custom_data; may be `$param.name`
    message_id: str | None = None  # data_transfer
    action: str | None = None  # ocpp_action, ocpp_reply (the answer it amends); custom_data: the carrier
    ocpp_versions: list[Literal["1.6", "2.0.1", "2.1"]] | None = None  # default: the dialect's
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    event: PaymentEventKind | None = None
    event_by_status: dict[str, PaymentEventKind] = {}  # mapped `status` value -> event
    map: dict[str, str] = {}  # event field -> dotted path in the data
    defaults: dict[str, str] = {}  # event field -> value (or `$param.name`) when the data has none
    when_present: str | None = None  # observed standard messages: only those carrying this path count
    triggers: SessionTrigger | None = None  # receiving it fires this session trigger (e.g. unplugged)
    only_if: dict[str, Any] = {}  # parameter -> value this message needs (e.g. idle fee after stop)
    amount_scale: float = 1.0  # e.g. 0.01 when the station sends cents
    payment_identifiers: PaymentIdentifiers = PaymentIdentifiers()
    issues_token: bool = False  # answering it issues an id token for the coming session (`$issued_token`)
    reply: Reply | None = None  # to_csms: what the CSMS answers
    send_on: list[SessionTrigger] = []  # to_station: when the CSMS sends it
    data: Any = None  # to_station: the data template
    _validator: Callable[[Any], Any] | None = PrivateAttr(default=None)

    def validate_data(self, data: Any) -> Any:
        """Check `data` against the message's schema (compiled once per loaded message); raises JsonSchemaException."""
        if self._validator is None:
            self._validator = fastjsonschema.compile(self.schema_ or {})
        return self._validator(data)

    def __getstate__(self) -> dict[Any, Any]:
        """Pickled without its compiled validator (generated code cannot cross to a worker process; it is
        compiled again there on first use)."""
        state = dict(super().__getstate__())
        private = state.get("__pydantic_private__")
        if private and private.get("_validator") is not None:
            state["__pydantic_private__"] = {**private, "_validator": None}
        return state

    @model_validator(mode="after")
    def _consistent(self) -> Message:
        if self.kind == "data_transfer" and not (self.vendor_id and self.message_id):
            raise ValueError("a data_transfer message needs vendor_id and message_id")
        if self.kind == "custom_data" and not (self.vendor_id and self.action):
            raise ValueError("a custom_data message needs vendor_id and the action that carries it")
        if self.kind == "ocpp_action" and not self.action:
            raise ValueError("an ocpp_action message needs action")
        if self.kind == "ocpp_reply" and (self.direction != "to_station" or not self.action):
            raise ValueError("an ocpp_reply message is to_station and names the action whose answer it amends")
        if self.direction == "to_station" and not self.send_on:
            raise ValueError("a to_station message needs send_on (when the CSMS sends it)")
        if self.direction == "to_csms" and self.send_on:
            raise ValueError("send_on is for to_station messages")
        unknown = (set(self.map) | set(self.defaults)) - set(EVENT_FIELDS)
        if unknown:
            raise ValueError(f"map has unknown event fields {sorted(unknown)}; known: {sorted(EVENT_FIELDS)}")
        if self.event_by_status and "status" not in self.map:
            raise ValueError("event_by_status needs map.status")
        for field, path in self.map.items():
            if field != "reference" and any(_covers(d, path) for d in self.payment_identifiers.drop):
                raise ValueError(f"map.{field} reads {path!r}, which payment_identifiers.drop removes")
        if self.schema_ is not None:
            check_schema(self.schema_)
        _check_templates(self.data)
        _check_templates(list(self.defaults.values()))
        if self.reply is not None:
            _check_templates(self.reply.data)
        return self


class ConfigurationKey(_Strict):
    """A station setting the integration needs (1.6 key or 2.x Component.Variable)."""

    key: str
    ocpp_versions: list[Literal["1.6", "2.0.1", "2.1"]] = ["1.6", "2.0.1", "2.1"]
    expected: str | None = None  # the value that must be set, or `$param.name`
    readonly: bool = False
    owner: Literal["station", "csms"] = "station"  # csms: the CSMS sets its expected value when they differ
    description: str = ""


class Dialect(_Strict):
    """One technical implementation of custom payment messages, as a dialect file declares it."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    title: str
    version: str
    provenance: Provenance
    ocpp_versions: list[Literal["1.6", "2.0.1", "2.1"]] = Field(min_length=1)
    description: str = ""
    parameters: dict[str, Parameter] = {}
    card_sessions: list[CardSessionRule] = []
    configuration: list[ConfigurationKey] = []
    messages: list[Message] = []

    @model_validator(mode="after")
    def _parameters_exist(self) -> Dialect:
        for name in _param_refs(self):
            if name not in self.parameters:
                raise ValueError(f"refers to parameter {name!r}, which `parameters` does not declare")
        names = [m.name for m in self.messages]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"message names must be unique: {sorted(duplicates)}")
        return self

    def message(self, name: str) -> Message:
        """The dialect's message with this name; KeyError if it has none."""
        for message in self.messages:
            if message.name == name:
                return message
        raise KeyError(name)

    def versions_of(self, message: Message) -> list[str]:
        """The OCPP versions the message is used with: its own list, or else the dialect's."""
        return list(message.ocpp_versions or self.ocpp_versions)

    def resolve(self, value: str | None, params: dict[str, Any]) -> str | None:
        """`$param.name` -> the parameter's value for this station (or its default)."""
        if value is None or not value.startswith("$param."):
            return value
        name = value.removeprefix("$param.")
        resolved = params.get(name, self.parameters[name].default)
        return None if resolved is None else str(resolved)

    def parameter_defaults(self) -> dict[str, Any]:
        """Each parameter's default value (None where it has none)."""
        return {name: p.default for name, p in self.parameters.items()}


def check_schema(schema: dict[str, Any]) -> None:
    """A dialect's JSON Schema must compile, and may refer only to itself: no remote or file $ref."""
    for ref in _refs(schema):
        if not ref.startswith("#"):
            raise ValueError(f"schema refers to {ref!r}; only local references (#/...) are allowed")
    try:
        fastjsonschema.compile(schema)
    except Exception as exc:  # fastjsonschema raises several kinds on broken schemas
        raise ValueError(f"schema is not a valid JSON Schema: {exc}") from None


def _refs(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                yield item
            else:
                yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def _covers(dropped: str, path: str) -> bool:
    return path == dropped or path.startswith(dropped + ".")


def _param_refs(dialect: Dialect) -> Iterable[str]:
    values: list[Any] = [m.vendor_id for m in dialect.messages]
    values += [r.value for r in dialect.card_sessions]
    values += [c.expected for c in dialect.configuration]
    values += [v for m in dialect.messages for v in m.defaults.values()]
    values += [f"$param.{name}" for m in dialect.messages for name in m.only_if]
    values += [m.data for m in dialect.messages] + [m.reply.data for m in dialect.messages if m.reply]
    for value in _strings(values):
        if value.startswith("$param."):
            yield value.removeprefix("$param.")


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _check_templates(value: Any) -> None:
    for text in _strings(value):
        if text.startswith("$"):
            match = _TEMPLATE.match(text)
            if match is None or match.group(1) not in TEMPLATE_ROOTS:
                raise ValueError(f"template {text!r} is not one of ${', $'.join(sorted(TEMPLATE_ROOTS))}")


def load_dialect(path: Path) -> Dialect:
    """The dialect in a YAML file; DialectError naming the file, place and reason if it is not a valid one."""
    return load_model(path, Dialect, "a dialect file is a mapping (id, title, messages, ...)")


class DialectSet:
    """Every dialect the server knows: the built-in ones plus those in extra directories."""

    def __init__(self, dialects: Iterable[Dialect | tuple[Path, Dialect]]) -> None:
        self.by_id: dict[str, Dialect] = {}
        self.paths: dict[str, Path] = {}
        for item in dialects:
            path, dialect = item if isinstance(item, tuple) else (None, item)
            if dialect.id in self.by_id:
                files = f": {self.paths.get(dialect.id)} and {path}" if path else ""
                raise DialectError(f"two dialects have the id {dialect.id!r}{files}")
            self.by_id[dialect.id] = dialect
            if path is not None:
                self.paths[dialect.id] = path

    @classmethod
    def load(cls, extra_dirs: Iterable[Path] = ()) -> DialectSet:
        """The built-in dialects and those of `extra_dirs`; DialectError on any bad file or a repeated id."""
        return cls((path, load_dialect(path)) for path in yaml_files("dialects", extra_dirs))

    def __iter__(self) -> Any:
        return iter(self.by_id.values())

    def get(self, dialect_id: str) -> Dialect | None:
        """The dialect with this id, or None."""
        return self.by_id.get(dialect_id)
