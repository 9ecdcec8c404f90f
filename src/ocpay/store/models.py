"""Tables. Payment identifiers never land here: dialects drop them or keep a keyed hash."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both engines (SQLite stores naive text, PostgreSQL timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)  # SQLite drops the offset: store every time in UTC

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON()}


class Station(Base):
    __tablename__ = "stations"

    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    vendor: Mapped[str | None] = mapped_column(String(50))
    model: Mapped[str | None] = mapped_column(String(50))
    serial: Mapped[str | None] = mapped_column(String(50))
    firmware: Mapped[str | None] = mapped_column(String(50))
    ocpp_version: Mapped[str | None] = mapped_column(String(8))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    integration: Mapped[str | None] = mapped_column(String(100))  # catalog entry: bound, or matched at boot
    integration_bound: Mapped[bool] = mapped_column(Boolean, default=False)  # bound by the operator
    integration_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # dialect parameters
    connected: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_at: Mapped[datetime]
    last_boot_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]


class BootRecord(Base):
    __tablename__ = "boot_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    ocpp_version: Mapped[str] = mapped_column(String(8))
    vendor: Mapped[str] = mapped_column(String(50))
    model: Mapped[str] = mapped_column(String(50))
    serial: Mapped[str | None] = mapped_column(String(50))
    firmware: Mapped[str | None] = mapped_column(String(50))
    reason: Mapped[str | None] = mapped_column(String(40))


class Connector(Base):
    """An EVSE's connector. 1.6 stations use evse_id = connector_id; 0 is the station itself."""

    __tablename__ = "connectors"

    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True)
    evse_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connector_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(50))
    info: Mapped[str | None] = mapped_column(String(255))
    updated_at: Mapped[datetime]


class IdTokenRecord(Base):
    """An id token a driver or terminal presents, with its authorisation policy."""

    __tablename__ = "id_tokens"

    value: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(20), default="Central")
    status: Mapped[str] = mapped_column(String(20), default="Accepted")
    expires_at: Mapped[datetime | None]
    parent_id: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]


class ChargingSession(Base):
    """An OCPP transaction. `id` is the 1.6 transactionId; 2.x stations name theirs in `transaction_id`."""

    __tablename__ = "sessions"
    __table_args__ = (
        UniqueConstraint("station_id", "transaction_id", name="uq_session_station_transaction"),
        UniqueConstraint("station_id", "start_key", name="uq_session_station_start"),
        Index("ix_sessions_started", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    start_key: Mapped[str | None] = mapped_column(String(200))  # 1.6 retries: same start -> same session
    evse_id: Mapped[int | None] = mapped_column(Integer)
    connector_id: Mapped[int | None] = mapped_column(Integer)
    id_token: Mapped[str | None] = mapped_column(String(255))
    id_token_type: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="active")  # active, completed
    started_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]
    meter_start_wh: Mapped[float | None] = mapped_column(Float)
    meter_stop_wh: Mapped[float | None] = mapped_column(Float)
    # Exact: the transaction's own begin / end reading (1.6 meterStart / meterStop, a Transaction.Begin /
    # Transaction.End sample); otherwise the lowest / highest reading seen so far (charging.sessions).
    meter_start_exact: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    meter_stop_exact: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    energy_wh: Mapped[float | None] = mapped_column(Float)
    stop_reason: Mapped[str | None] = mapped_column(String(40))
    charging_state: Mapped[str | None] = mapped_column(String(20))
    last_seq_no: Mapped[int | None] = mapped_column(Integer)
    ocpp_version: Mapped[str] = mapped_column(String(8))
    # Payment at the terminal: a neutral summary only, never a payment identifier.
    billing: Mapped[str] = mapped_column(String(10), default="csms")  # csms | terminal (never billed by us)
    dialect: Mapped[str | None] = mapped_column(String(100))
    payment_status: Mapped[str | None] = mapped_column(String(20))
    authorized_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    final_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    currency: Mapped[str | None] = mapped_column(String(3))
    card_brand: Mapped[str | None] = mapped_column(String(30))


class TransactionEventRecord(Base):
    """Each 2.x TransactionEvent seqNo seen once: a retried event is answered but not applied again."""

    __tablename__ = "transaction_events"
    __table_args__ = (UniqueConstraint("session_id", "seq_no", name="uq_transaction_event_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    seq_no: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[str] = mapped_column(String(10))
    trigger_reason: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    offline: Mapped[bool] = mapped_column(Boolean, default=False)


# A reading is the same reading with the same time, measurand, phase, location and context in the same
# session (or, outside any session, at the same station and EVSE). The optional parts are coalesced so
# that "none" equals "none" on both engines; inserts skip a reading kept already (ON CONFLICT DO NOTHING).
SAME_READING = ("at", "measurand", "coalesce(phase, '')", "coalesce(location, '')", "coalesce(context, '')")
IN_SESSION, OUTSIDE_SESSION = "session_id IS NOT NULL", "session_id IS NULL"


class MeterValueRecord(Base):
    """One sampled value, kept once (SAME_READING): a reading sent again adds no row."""

    __tablename__ = "meter_values"
    __table_args__ = (
        Index(
            "uq_meter_value_in_session",
            *map(text, ("session_id", *SAME_READING)),
            unique=True,
            sqlite_where=text(IN_SESSION),
            postgresql_where=text(IN_SESSION),
        ),
        Index(
            "uq_meter_value_outside_session",
            *map(text, ("station_id", "coalesce(evse_id, -1)", *SAME_READING)),
            unique=True,
            sqlite_where=text(OUTSIDE_SESSION),
            postgresql_where=text(OUTSIDE_SESSION),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    # found by session through uq_meter_value_in_session, which leads with it
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    evse_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime]
    measurand: Mapped[str] = mapped_column(String(50))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(20))
    phase: Mapped[str | None] = mapped_column(String(10))
    location: Mapped[str | None] = mapped_column(String(10))
    context: Mapped[str | None] = mapped_column(String(30))


class StationNoticeRecord(Base):
    """Firmware, diagnostics, log, security and device-model events, kept for the operator."""

    __tablename__ = "station_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str | None] = mapped_column(String(50))
    at: Mapped[datetime]
    detail: Mapped[dict[str, Any]]


class StationSetting(Base):
    """A configuration key (1.6) or device-model variable (2.x) as the station last reported it."""

    __tablename__ = "station_settings"

    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str | None] = mapped_column(String(2500))
    readonly: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]


class UnrecognisedMessage(Base):
    """A custom message nothing recognised, kept (masked) so that it can be assessed later."""

    __tablename__ = "unrecognised_messages"
    __table_args__ = (UniqueConstraint("station_id", "vendor_id", "message_id", name="uq_unrecognised"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    ocpp_version: Mapped[str] = mapped_column(String(8))
    vendor_id: Mapped[str] = mapped_column(String(255))
    message_id: Mapped[str] = mapped_column(String(255))  # "" when the station sent none
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    count: Mapped[int] = mapped_column(Integer, default=1)
    sample: Mapped[dict[str, Any]]


class PaymentEvent(Base):
    """What the station told us about a terminal payment, as a neutral event (no identifiers in clear)."""

    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("station_id", "dedupe_key", name="uq_payment_event_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"), index=True)
    dialect: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    status: Mapped[str | None] = mapped_column(String(30))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    currency: Mapped[str | None] = mapped_column(String(3))
    brand: Mapped[str | None] = mapped_column(String(30))
    transaction_ref: Mapped[str | None] = mapped_column(String(64))  # the OCPP transaction id
    reference_hash: Mapped[str | None] = mapped_column(String(80), index=True)  # keyed hash, for linking
    issued_token: Mapped[str | None] = mapped_column(String(40), index=True)
    terminal_id: Mapped[str | None] = mapped_column(String(64))
    receipt_url: Mapped[str | None] = mapped_column(String(2000))
    dedupe_key: Mapped[str | None] = mapped_column(String(40))  # a retried message has the same key


class StationPrice(Base):
    """The ad hoc price a station shows (OCA cost messages); the tariff itself lives in the station."""

    __tablename__ = "station_prices"

    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    kwh_price: Mapped[Decimal] = mapped_column(Numeric(10, 4), default=0)
    hour_price: Mapped[Decimal] = mapped_column(Numeric(10, 4), default=0)
    flat_fee: Mapped[Decimal] = mapped_column(Numeric(10, 4), default=0)
    idle_hour_price: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    idle_grace_minutes: Mapped[int | None] = mapped_column(Integer)
    price_text: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime]


class Secret(Base):
    """Process-wide secrets generated on first start (the key of payment reference hashes)."""

    __tablename__ = "secrets"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class IntegrationRequest(Base):
    """An operator's request for a new charger x terminal pair, from submission to release or rejection.

    status: received -> assessed -> supported | compatible | needs_development; needs_development ->
    feature_requested -> in_development -> released; or rejected (with `reject_reason`).
    """

    __tablename__ = "integration_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    requester: Mapped[str] = mapped_column(String(255))  # contact: "Name <mail@example.com>" or a mail address
    charger: Mapped[str] = mapped_column(String(200))  # "MAKER MODEL [firmware]"
    terminal: Mapped[str] = mapped_column(String(200))
    ocpp_version: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(24), index=True)
    assessed_verdict: Mapped[str | None] = mapped_column(String(24))  # what the assessment said
    verdict: Mapped[str | None] = mapped_column(String(24))  # in force: the assessment's, or the reviewer's
    dialect: Mapped[str | None] = mapped_column(String(100))
    confidence: Mapped[float | None] = mapped_column(Float)
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # Assessment.to_json(): masked
    override_note: Mapped[str | None] = mapped_column(String(2000))
    overridden_by: Mapped[str | None] = mapped_column(String(100))
    reject_reason: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RequestDocument(Base):
    """A document attached to an integration request, checked by content before it was accepted."""

    __tablename__ = "request_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("integration_requests.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))  # sniffed from the content, not the name
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime]


class RequestHistoryEntry(Base):
    """Each transition of a request and each notification sent about it (time, actor, channel, outcome)."""

    __tablename__ = "request_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("integration_requests.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(20))  # transition | notification
    actor: Mapped[str] = mapped_column(String(100))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    channel: Mapped[str | None] = mapped_column(String(20))  # history | webhook | email
    outcome: Mapped[str | None] = mapped_column(String(20))  # recorded | delivered | failed | skipped
    detail: Mapped[str | None] = mapped_column(Text)


class FeatureRequest(Base):
    """What must be built for a request that needs development: the gaps and the drafted dialect."""

    __tablename__ = "feature_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("integration_requests.id", ondelete="CASCADE"), unique=True, index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), index=True)  # opened | in_development | released | withdrawn
    closest_dialect: Mapped[str | None] = mapped_column(String(100))
    gaps: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    drafted_dialect: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ApiToken(Base):
    """An API token an operator or a script presents to the REST API and the console (not an id token).

    Only a SHA-256 hash of the secret is stored: the secret is shown once, when the token is created.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # admin | read-only
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))  # the first characters of the secret, to recognise it
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class CommandRecord(Base):
    """A command the CSMS sent a station through the API or the console, with its result."""

    __tablename__ = "command_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    command: Mapped[str] = mapped_column(String(40))
    arguments: Mapped[dict[str, Any]]  # masked
    outcome: Mapped[str] = mapped_column(String(20))  # answered | offline | timeout | error | refused
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # masked
    error: Mapped[str | None] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]
