"""The version-neutral model: what a station said, whatever OCPP version it spoke.

Adapters in `ocpay.ocpp.handlers` build these from 1.6 / 2.0.1 / 2.1 payloads; the domains take
them and never parse a version-specific payload. The one exception is declared, not implied: a
dialect file names fields of standard messages in wire terms, and `Observation.payload` carries
the call as sent for that use only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal


def now() -> datetime:
    """The current time, timezone-aware in UTC, as every stored time is."""
    return datetime.now(UTC)


class ValueRefused(ValueError):
    """A schema-valid value the CSMS cannot mean or keep; the dispatcher answers it as this CALLERROR.

    `code` is the OCPP error code in its 2.x spelling (FormatViolation, PropertyConstraintViolation);
    `description` says which value and why, in words a station's log can show. A plain exception (see
    SchemaViolation): a slotted dataclass exception breaks context managers that re-raise it.
    """

    def __init__(self, code: str, description: str) -> None:
        super().__init__(code, description)
        self.code = code
        self.description = description


_LEAP_SECOND = re.compile(r"(T\d\d:\d\d:)60")


def parse_time(value: str | None) -> datetime | None:
    """An OCPP date-time as an aware datetime (no offset means UTC); None stays None.

    RFC 3339 spellings Python does not read are accepted: a lowercase `t`/`z`, and a leap second
    (`23:59:60`, read as 23:59:59). A time no calendar holds (year 0000, a moment that leaves years
    1-9999 in UTC) raises ValueRefused (PropertyConstraintViolation).
    """
    if value is None:
        return None
    text = _LEAP_SECOND.sub(r"\g<1>59", value.upper())
    try:
        moment = datetime.fromisoformat(text)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        moment.astimezone(UTC)  # stored in UTC: it must have a UTC moment
    except (ValueError, OverflowError):
        raise ValueRefused(
            "PropertyConstraintViolation", f"{value[:40]!r} is not a date-time between years 1 and 9999"
        ) from None
    return moment


# A meter reading beyond 10^15 (in Wh: a thousand TWh) is no meter's; below it a double still counts units.
MAX_READING = 1e15
# A reported setting's name, `Component[instance][evse].Variable[instance]`, is kept in up to 200 characters.
MAX_SETTING_KEY = 200
# Amounts are kept as NUMERIC(12, 4): below 10^8 in the currency's unit, to the ten-thousandth.
MAX_AMOUNT = Decimal("99999999.9999")


def refuse_nul(payload: Any) -> None:
    """ValueRefused (PropertyConstraintViolation) where any string (key or value) of the payload holds U+0000.

    JSON allows it and the schemas do not forbid it, but no text column keeps it (PostgreSQL refuses it):
    refused alike on every database, before anything is stored. Framing tells which frames may hold one
    (`Call.may_hold_nul`), so this walk runs only for those.
    """
    if _holds_nul(payload):
        raise ValueRefused("PropertyConstraintViolation", "a string holds U+0000 (NUL), which no text field can keep")


def _holds_nul(payload: Any) -> bool:
    """Whether a string (key or value) anywhere in the payload holds U+0000; iterative: any depth."""
    pending = [payload]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def reading(value: float, what: str) -> float:
    """A finite reading within MAX_READING, as it is; ValueRefused (PropertyConstraintViolation) otherwise."""
    if not math.isfinite(value) or abs(value) > MAX_READING:
        raise ValueRefused("PropertyConstraintViolation", f"{what} {value!r} is not a reading a meter can give")
    return value


def money(value: Decimal, what: str) -> Decimal:
    """A finite amount from 0 to MAX_AMOUNT, as it is; ValueRefused (PropertyConstraintViolation) otherwise."""
    if not value.is_finite() or value < 0 or value > MAX_AMOUNT:
        raise ValueRefused(
            "PropertyConstraintViolation", f"{what} {value} is not an amount from 0 to {MAX_AMOUNT} that can be kept"
        )
    return value


def format_time(moment: datetime) -> str:
    """A datetime as OCPP messages carry it: UTC, milliseconds, a trailing Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


AuthStatus = Literal["Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx", "Unknown", "NoCredit"]


@dataclass(frozen=True, slots=True)
class BootInfo:
    vendor: str
    model: str
    serial: str | None = None
    firmware: str | None = None
    reason: str | None = None  # 2.x only


@dataclass(frozen=True, slots=True)
class BootReply:
    status: Literal["Accepted", "Pending", "Rejected"]
    interval: int
    current_time: datetime


@dataclass(frozen=True, slots=True)
class ConnectorStatus:
    evse_id: int  # 1.6: the connector id, with 0 for the station itself
    connector_id: int
    status: str
    error_code: str | None = None
    info: str | None = None
    timestamp: datetime | None = None


@dataclass(frozen=True, slots=True)
class IdToken:
    value: str
    type: str = "Central"  # 1.6 idTags have no type; 2.x IdTokenEnumType otherwise
    additional_info: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Authorization:
    status: AuthStatus
    expiry: datetime | None = None
    parent_id: str | None = None


@dataclass(frozen=True, slots=True)
class MeterSample:
    timestamp: datetime
    measurand: str
    value: float
    unit: str | None = None
    phase: str | None = None
    location: str | None = None
    context: str | None = None


@dataclass(frozen=True, slots=True)
class SessionStart:
    """1.6 StartTransaction."""

    connector_id: int
    id_token: IdToken
    meter_start_wh: int
    timestamp: datetime
    reservation_id: int | None = None


@dataclass(frozen=True, slots=True)
class SessionStarted:
    transaction_id: int
    authorization: Authorization
    repeated: bool = False  # a retried StartTransaction: answered alike, nothing new to follow up


@dataclass(frozen=True, slots=True)
class SessionStopped:
    """What a 1.6 StopTransaction did: the stopping token's authorisation, if it named one."""

    authorization: Authorization | None = None
    repeated: bool = False  # the session was stopped already (a retry): nothing new to follow up


@dataclass(frozen=True, slots=True)
class SessionStop:
    """1.6 StopTransaction."""

    transaction_id: int
    meter_stop_wh: int
    timestamp: datetime
    reason: str | None = None
    id_token: IdToken | None = None
    samples: tuple[MeterSample, ...] = ()


@dataclass(frozen=True, slots=True)
class TransactionEvent:
    """2.x TransactionEvent."""

    event_type: Literal["Started", "Updated", "Ended"]
    transaction_id: str
    seq_no: int
    trigger_reason: str
    timestamp: datetime
    evse_id: int | None = None
    connector_id: int | None = None
    id_token: IdToken | None = None
    charging_state: str | None = None
    stopped_reason: str | None = None
    offline: bool = False
    remote_start_id: int | None = None
    max_cost: Decimal | None = None  # 2.1 transactionLimit.maxCost: the amount a terminal pre-authorised
    samples: tuple[MeterSample, ...] = ()


@dataclass(frozen=True, slots=True)
class TransactionEventReply:
    authorization: Authorization | None = None
    total_cost: Decimal | None = None
    repeated: bool = False  # a retried seqNo: answered alike, not applied again, nothing new to follow up


@dataclass(frozen=True, slots=True)
class MeterReport:
    evse_id: int
    transaction_id: str | None
    samples: tuple[MeterSample, ...]


@dataclass(frozen=True, slots=True)
class CustomMessage:
    """A DataTransfer from a station. `data` is parsed JSON where the 1.6 string held JSON."""

    vendor_id: str
    message_id: str | None
    data: Any
    raw_data: str | None = None  # 1.6: the string as it came
    data_is_json: bool = True


@dataclass(frozen=True, slots=True)
class CustomReply:
    status: Literal["Accepted", "Rejected", "UnknownMessageId", "UnknownVendorId"]
    data: Any = None


@dataclass(frozen=True, slots=True)
class StationNotice:
    """Station news that is recorded, not acted on: firmware, diagnostics, logs, security, events."""

    kind: str
    status: str | None = None
    timestamp: datetime | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReportedVariable:
    """One value from a 2.x NotifyReport or a 1.6 GetConfiguration answer."""

    key: str
    value: str | None
    readonly: bool = False


@dataclass(frozen=True, slots=True)
class CustomData:
    """The `customData` object of a 2.x message: a vendor's extension riding on a standard message."""

    vendor_id: Any  # customData.vendorId as sent (a string where the station keeps to the schema)
    data: dict[str, Any]  # the whole object, vendorId included, as a dialect's schema and map describe it
    transaction_id: str | None = None  # the transaction of the message that carries it, if it names one


@dataclass(slots=True)  # not frozen: one is built per observed call, and frozen ones cost twice as much to build
class Observation:
    """A station's call as the payment observers see it, once its handler has answered (read it, don't change it).

    `request` is the neutral model the handler built (BootInfo, IdToken, SessionStart, MeterReport,
    SessionStop, TransactionEvent) and `result` what the port answered (BootReply, Authorization,
    SessionStarted, SessionStopped, TransactionEventReply: the last three say when the call was a
    retry); None where the handler builds none. `payload` is the call as sent, for one use only: what
    a dialect file itself declares in wire terms on a standard message (the `map` and `when_present`
    paths of an `ocpp_action` message). Observers read everything else from the neutral fields.
    """

    station_id: str
    version: str
    action: str
    request: Any = None
    result: Any = None
    custom_data: CustomData | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
