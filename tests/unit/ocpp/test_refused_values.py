"""Values a schema allows but no meter, clock or payment can mean: refused as a precise CALLERROR, one mechanism."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import orjson
import pytest

from ocpay.gateway.framing import Send, parse_frame
from ocpay.gateway.server import StationConnection
from ocpay.ocpp.handlers._convert import MAX_MULTIPLIER, meter_samples
from ocpay.ocpp.model import (
    MAX_AMOUNT,
    MAX_READING,
    MAX_SETTING_KEY,
    ValueRefused,
    money,
    parse_time,
    reading,
    refuse_nul,
)
from ocpay.ocpp.schemas import INT32, SchemaViolation, bound_integers
from ocpay.payments.summary import received_amount
from ocpay.store.models import StationSetting
from tests.unit.ocpp.fakes import SCHEMAS, FakePayments, FakeSessions, FakeStations
from tests.unit.ocpp.test_dispatch import Connection, answer, dispatcher

T = "2025-03-14T09:26:53Z"


def samples(value: Any, version: str = "2.0.1", **unit: Any) -> Any:
    sampled: dict[str, Any] = {"value": value}
    if unit:
        sampled["unitOfMeasure"] = unit
    return meter_samples([{"timestamp": T, "sampledValue": [sampled]}], version)


# -- times ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-12-31T23:59:60Z", datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2025-03-14t09:26:53z", datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)),
        ("2025-03-14T09:26:53-23:59", datetime(2025, 3, 15, 9, 25, 53, tzinfo=UTC)),
    ],
)
def test_rfc3339_spellings_are_read_as_the_moment_they_name(text: str, expected: datetime) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["0000-01-01T00:00:00Z", "0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01"])
def test_a_time_outside_the_calendar_is_refused_as_a_property_constraint_violation(text: str) -> None:
    with pytest.raises(ValueRefused) as refused:
        parse_time(text)
    assert refused.value.code == "PropertyConstraintViolation"
    assert text[:19] in refused.value.description


def test_a_refused_value_is_still_a_value_error_for_callers_that_tolerate_bad_times() -> None:
    assert issubclass(ValueRefused, ValueError)


# -- readings ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("multiplier", [MAX_MULTIPLIER + 1, -MAX_MULTIPLIER - 1, 30_000_000, -30_000_000])
def test_a_multiplier_beyond_the_si_prefixes_is_refused_without_computing_it(multiplier: int) -> None:
    with pytest.raises(ValueRefused, match="multiplier"):
        samples(1, multiplier=multiplier)


def test_multipliers_within_the_si_prefixes_are_applied() -> None:
    assert [x.value for x in samples(2, multiplier=3)] == [2000.0]
    assert [x.value for x in samples(2500, multiplier=-3)] == [2.5]


@pytest.mark.parametrize("text", ["NaN", "nan", "Infinity", "-inf", "1e309"])
def test_a_16_reading_that_is_no_finite_number_is_refused(text: str) -> None:
    with pytest.raises(ValueRefused):
        samples(text, "1.6")


def test_a_16_reading_that_is_no_number_at_all_is_still_skipped() -> None:
    assert samples("<signed data>", "1.6") == ()


def test_a_reading_beyond_any_meter_is_refused_but_the_bound_itself_is_kept() -> None:
    assert reading(MAX_READING, "x") == MAX_READING
    with pytest.raises(ValueRefused):
        samples(MAX_READING * 10)
    with pytest.raises(ValueRefused):
        samples(1e300, multiplier=MAX_MULTIPLIER)


# -- amounts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "-0.01", "100000000", "1e40"])
def test_amounts_no_payment_can_have_are_refused(value: str) -> None:
    with pytest.raises(ValueRefused):
        money(Decimal(value), "amount")


@pytest.mark.parametrize("value", ["0", "23.45", str(MAX_AMOUNT)])
def test_amounts_that_can_be_kept_pass_as_they_are(value: str) -> None:
    assert money(Decimal(value), "amount") == Decimal(value)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-1", "1e8", "1e999999999", -0.5, 1e308])
def test_a_received_payment_amount_no_payment_can_have_is_refused_before_it_is_stored(value: Any) -> None:
    with pytest.raises(ValueRefused):
        received_amount(value, 1.0, "settlementAmount")


@pytest.mark.parametrize(
    ("value", "scale", "expected"), [(1234, 0.01, "12.3400"), ("abc", 1.0, None), (None, 1.0, None)]
)
def test_a_received_amount_is_scaled_or_none_where_it_is_no_number(
    value: Any, scale: float, expected: str | None
) -> None:
    assert received_amount(value, scale, "amount") == (None if expected is None else Decimal(expected))


# -- integers ---------------------------------------------------------------------------------------------


def test_every_integer_gets_ocpps_32_bits_unless_it_names_a_narrower_bound() -> None:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "a": {"type": "integer"},
            "b": {"type": "integer", "minimum": 0},
            "type": {"type": "string"},
            "c": {"type": "array", "items": {"type": ["integer", "null"]}},
        },
    }
    bound_integers(schema)
    properties = schema["properties"]
    assert (properties["a"]["minimum"], properties["a"]["maximum"]) == INT32
    assert (properties["b"]["minimum"], properties["b"]["maximum"]) == (0, INT32[1])
    assert "minimum" not in properties["type"]
    assert properties["c"]["items"]["maximum"] == INT32[1]


def test_the_official_schemas_refuse_an_integer_beyond_32_bits() -> None:
    payload = {"connectorId": 1, "idTag": "T", "meterStart": 2**31, "timestamp": T}
    with pytest.raises(SchemaViolation) as violation:
        SCHEMAS.validate("1.6", "StartTransaction", payload)
    assert violation.value.code == "PropertyConstraintViolation"
    SCHEMAS.validate("1.6", "StartTransaction", {**payload, "meterStart": 2**31 - 1})


# -- the dispatcher ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "code"), [("1.6", "PropertyConstraintViolation"), ("2.0.1", "FormatViolation")])
async def test_the_dispatcher_answers_a_refused_value_with_its_code_and_words(version: str, code: str) -> None:
    sessions = FakeSessions(raises={"authorize": ValueRefused(code, "amount -1 is no amount")})
    payload = {"idTag": "T"} if version == "1.6" else {"idToken": {"idToken": "T", "type": "ISO14443"}}

    frame = await answer(dispatcher(sessions=sessions), version, "Authorize", payload)

    assert frame == [4, "m-1", code, "amount -1 is no amount", {}]


async def test_a_handler_that_refuses_a_value_answers_before_reaching_the_port() -> None:
    sessions = FakeSessions()
    payload = {
        "evseId": 1,
        "meterValue": [{"timestamp": T, "sampledValue": [{"value": 1, "unitOfMeasure": {"multiplier": 99}}]}],
    }

    frame = await answer(dispatcher(sessions=sessions), "2.0.1", "MeterValues", payload)

    assert frame[:3] == [4, "m-1", "PropertyConstraintViolation"]
    assert not [c for c in sessions.calls if c[0] == "meter_values"]


async def test_a_payment_fact_refused_after_a_processed_standard_message_leaves_its_answer() -> None:
    payments = FakePayments(observed=frozenset({"Heartbeat"}), refused=ValueRefused("PropertyConstraintViolation", "x"))

    frame = await answer(dispatcher(payments=payments), "2.0.1", "Heartbeat", {})

    assert frame[0] == 3 and "currentTime" in frame[2]


def test_offsets_are_kept_as_the_same_instant() -> None:
    moment = parse_time("2025-03-14T10:26:53+01:00")
    assert moment is not None and moment.utcoffset() == timedelta(hours=1)


# -- text no column keeps ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        {"idTag": "A\x00B"},
        {"data": [[{"k": "\x00"}]]},
        {"data": {"\x00": 1}},
        {"data": orjson.loads("[" * 900 + '"\\u0000"' + "]" * 900)},
    ],
)
def test_a_nul_anywhere_in_a_payload_is_refused(payload: dict[str, Any]) -> None:
    with pytest.raises(ValueRefused, match="NUL"):
        refuse_nul(payload)


@pytest.mark.parametrize(
    "payload",
    [{"data": "a literal \\u0000 in text"}, {"n": 0, "none": None}, {"deep": orjson.loads("[" * 900 + "]" * 900)}],
)
def test_payloads_without_a_nul_pass(payload: dict[str, Any]) -> None:
    refuse_nul(payload)


async def test_the_dispatcher_refuses_a_nul_before_the_handler_runs() -> None:
    sessions = FakeSessions()

    frame = await answer(dispatcher(sessions=sessions), "1.6", "Authorize", {"idTag": "04A2\x00"})

    assert frame[:3] == [4, "m-1", "PropertyConstraintViolation"]
    assert not [c for c in sessions.calls if c[0] == "authorize"]


async def test_a_reported_setting_name_longer_than_its_column_is_refused() -> None:
    stations = FakeStations()
    item = {
        "component": {"name": "C" * 50, "instance": "I" * 50, "evse": {"id": 1}},
        "variable": {"name": "V" * 50, "instance": "J" * 50},
        "variableAttribute": [{"value": "1"}],
    }
    payload = {"requestId": 1, "generatedAt": T, "seqNo": 0, "reportData": [item]}

    frame = await answer(dispatcher(stations=stations), "2.0.1", "NotifyReport", payload)

    assert frame[:3] == [4, "m-1", "PropertyConstraintViolation"]
    assert StationSetting.__table__.c.key.type.length == MAX_SETTING_KEY  # type: ignore[attr-defined]


async def test_a_send_with_a_nul_is_dropped_before_its_handler() -> None:
    stations = FakeStations()
    notice = {"status": "Uploaded", "requestId": 3, "statusInfo": {"reasonCode": "a\x00b"}}

    send = parse_frame(json.dumps([6, "s-1", "LogStatusNotification", notice]), "2.1")
    assert isinstance(send, Send)

    await dispatcher(stations).send(cast(StationConnection, Connection(version="2.1")), send)

    assert stations.calls == []
