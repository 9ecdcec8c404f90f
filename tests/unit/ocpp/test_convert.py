"""Shared conversions between OCPP payload fragments and the neutral model (ocpp/handlers/_convert.py)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import get_args

import pytest

from ocpay.ocpp.handlers._convert import (
    DEFAULT_UNITS,
    default_unit,
    format_time,
    id_tag_info,
    id_token_info,
    id_token_v2,
    meter_samples,
    parse_time,
)
from ocpay.ocpp.model import Authorization, AuthStatus, IdToken, MeterSample
from ocpay.ocpp.schemas import schema_dir
from tests.unit.ocpp.fakes import T0, assert_valid

# -- times ----------------------------------------------------------------------------------------------


def test_parse_time_reads_a_utc_z_time() -> None:
    assert parse_time("2025-03-14T09:26:53.589Z") == T0


def test_parse_time_keeps_an_offset_as_the_same_instant() -> None:
    moment = parse_time("2025-03-14T10:26:53.589+01:00")
    assert moment == T0
    assert moment is not None and moment.utcoffset() == timedelta(hours=1)


def test_parse_time_takes_a_time_without_zone_as_utc() -> None:
    assert parse_time("2025-03-14T09:26:53.589") == T0


def test_parse_time_of_nothing_is_nothing() -> None:
    assert parse_time(None) is None


def test_format_time_writes_utc_with_milliseconds_and_z() -> None:
    assert format_time(T0) == "2025-03-14T09:26:53.589Z"


def test_format_time_converts_other_zones_to_utc_and_cuts_to_milliseconds() -> None:
    berlin = datetime(2025, 3, 14, 10, 26, 53, 589999, tzinfo=timezone(timedelta(hours=1)))
    assert format_time(berlin) == "2025-03-14T09:26:53.589Z"


def test_a_formatted_time_parses_back_to_the_same_instant() -> None:
    assert parse_time(format_time(T0)) == T0


# -- id tokens and their verdicts ------------------------------------------------------------------------------


def test_id_token_v2_keeps_type_and_additional_info_in_order() -> None:
    token = id_token_v2(
        {
            "idToken": "04A2B3C4",
            "type": "ISO14443",
            "additionalInfo": [
                {"additionalIdToken": "CARD-77", "type": "PaymentCard"},
                {"additionalIdToken": "DE*ABC", "type": "ContractId"},
            ],
        }
    )
    assert token == IdToken("04A2B3C4", "ISO14443", (("PaymentCard", "CARD-77"), ("ContractId", "DE*ABC")))


def test_id_token_v2_without_additional_info_has_none() -> None:
    assert id_token_v2({"idToken": "", "type": "NoAuthorization"}) == IdToken("", "NoAuthorization", ())


@pytest.mark.parametrize(
    ("status", "sent"),
    [
        ("Accepted", "Accepted"),
        ("Blocked", "Blocked"),
        ("Expired", "Expired"),
        ("Invalid", "Invalid"),
        ("ConcurrentTx", "ConcurrentTx"),
        ("Unknown", "Invalid"),  # 1.6 has no Unknown
        ("NoCredit", "Invalid"),  # nor NoCredit
    ],
)
def test_id_tag_info_speaks_only_the_statuses_of_16(status: AuthStatus, sent: str) -> None:
    info = id_tag_info(Authorization(status))

    assert info == {"status": sent}
    assert_valid("1.6", "Authorize", {"idTagInfo": info}, response=True)


def test_id_tag_info_carries_expiry_and_parent() -> None:
    info = id_tag_info(Authorization("Accepted", expiry=T0, parent_id="FLEET-9"))
    assert info == {"status": "Accepted", "expiryDate": "2025-03-14T09:26:53.589Z", "parentIdTag": "FLEET-9"}


@pytest.mark.parametrize("status", get_args(AuthStatus))
def test_id_token_info_keeps_every_status_of_2x(status: AuthStatus) -> None:
    info = id_token_info(Authorization(status))

    assert info == {"status": status}
    assert_valid("2.0.1", "Authorize", {"idTokenInfo": info}, response=True)


def test_id_token_info_carries_cache_expiry_and_group_token() -> None:
    info = id_token_info(Authorization("Accepted", expiry=T0, parent_id="FLEET-9"))
    assert info == {
        "status": "Accepted",
        "cacheExpiryDateTime": "2025-03-14T09:26:53.589Z",
        "groupIdToken": {"idToken": "FLEET-9", "type": "Central"},
    }


# -- meter samples ---------------------------------------------------------------------------------------------


def test_16_samples_are_read_from_strings_and_keep_their_unit_unscaled() -> None:
    samples = meter_samples(
        [{"timestamp": "2025-03-14T09:26:53.589Z", "sampledValue": [{"value": "12.345", "unit": "kWh"}]}], "1.6"
    )
    assert samples == (MeterSample(T0, "Energy.Active.Import.Register", 12.345, unit="kWh"),)


def test_16_non_numeric_values_are_skipped() -> None:
    samples = meter_samples(
        [{"timestamp": "2025-03-14T09:26:53.589Z", "sampledValue": [{"value": "<signed/>", "format": "SignedData"}]}],
        "1.6",
    )
    assert samples == ()


def test_2x_values_are_scaled_by_their_multiplier_and_default_to_wh() -> None:
    samples = meter_samples(
        [
            {
                "timestamp": "2025-03-14T09:26:53.589Z",
                "sampledValue": [
                    {"value": 12, "unitOfMeasure": {"unit": "kWh", "multiplier": 1}},
                    {
                        "value": 2304,
                        "measurand": "Voltage",
                        "phase": "L1-N",
                        "unitOfMeasure": {"unit": "V", "multiplier": -1},
                    },
                    {"value": 500},
                ],
            }
        ],
        "2.0.1",
    )
    assert samples[0] == MeterSample(T0, "Energy.Active.Import.Register", 120.0, unit="kWh")
    assert (samples[1].measurand, samples[1].unit, samples[1].phase) == ("Voltage", "V", "L1-N")
    assert samples[1].value == pytest.approx(230.4)
    assert samples[2] == MeterSample(T0, "Energy.Active.Import.Register", 500.0, unit="Wh")


# The measurand's unit when a sample names none: (measurand, unit), one row per kind of quantity.
UNIT_TABLE = [
    ("Energy.Active.Import.Register", "Wh"),
    ("Energy.Active.Export.Interval", "Wh"),
    ("Energy.Active.Net", "Wh"),
    ("Energy.Reactive.Import.Register", "varh"),
    ("Energy.Apparent.Net", "VAh"),
    ("EnergyRequest.Target", "Wh"),
    ("Power.Active.Import", "W"),
    ("Power.Offered", "W"),
    ("Power.Reactive.Export", "var"),
    ("Current.Import", "A"),
    ("Current.Offered", "A"),
    ("Voltage", "V"),
    ("Frequency", "Hz"),
    ("SoC", "Percent"),
    ("Display.PresentSOC", "Percent"),
    ("Display.RemainingTimeToTargetSOC", "s"),
    ("Temperature", "Celsius"),
    ("Power.Factor", None),
    ("RPM", None),
    ("Display.ChargingComplete", None),
    ("Vendor.Own.Measurand", None),
]


@pytest.mark.parametrize(("measurand", "unit"), UNIT_TABLE)
@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
def test_a_sample_without_a_unit_has_its_measurands_default_unit(version: str, measurand: str, unit: str) -> None:
    value: object = "42" if version == "1.6" else 42
    meter_value = {"timestamp": "2025-03-14T09:26:53.589Z", "sampledValue": [{"value": value, "measurand": measurand}]}
    (sample,) = meter_samples([meter_value], version)
    assert (sample.measurand, sample.value, sample.unit) == (measurand, 42.0, unit)


def test_a_2x_multiplier_without_a_unit_scales_the_measurands_default_unit() -> None:
    sampled = {"value": 5, "measurand": "SoC", "unitOfMeasure": {"multiplier": 1}}
    (sample,) = meter_samples([{"timestamp": "2025-03-14T09:26:53.589Z", "sampledValue": [sampled]}], "2.0.1")
    assert (sample.value, sample.unit) == (50.0, "Percent")


def test_a_unit_the_station_names_is_kept_whatever_the_default() -> None:
    sampled = {"value": "300", "measurand": "Temperature", "unit": "K"}
    (sample,) = meter_samples([{"timestamp": "2025-03-14T09:26:53.589Z", "sampledValue": [sampled]}], "1.6")
    assert sample.unit == "K"


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
def test_every_measurand_of_every_version_has_a_row_in_the_unit_table(version: str) -> None:
    dimensionless = {"Power.Factor", "RPM", "Display.ChargingComplete", "Display.InletHot"}
    measurands = set(_schema_enum(version, "measurand"))
    assert measurands - dimensionless <= set(DEFAULT_UNITS)
    assert all(default_unit(m) is None for m in dimensionless)
    assert {m for m in measurands if m.startswith("Energy")} <= {
        m for m, u in DEFAULT_UNITS.items() if u in ("Wh", "varh", "VAh")
    }


def _schema_enum(version: str, field: str) -> list[str]:
    """The values the official MeterValues schema of `version` allows for a sampledValue field."""
    stem = "MeterValues" if version == "1.6" else "MeterValuesRequest"
    schema = json.loads((schema_dir(version) / f"{stem}.json").read_text())
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == field and isinstance(value, dict) and "enum" in value:
                    found.extend(value["enum"])
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(schema)
    return found


def test_samples_keep_the_time_of_their_meter_value() -> None:
    later = T0 + timedelta(minutes=1)
    samples = meter_samples(
        [
            {"timestamp": "2025-03-14T09:26:53.589Z", "sampledValue": [{"value": 1}]},
            {"timestamp": format_time(later), "sampledValue": [{"value": 2}, {"value": 3}]},
        ],
        "2.1",
    )
    assert [(s.timestamp, s.value) for s in samples] == [(T0, 1.0), (later, 2.0), (later, 3.0)]


def test_no_meter_values_are_no_samples() -> None:
    assert meter_samples([], "1.6") == ()


def test_every_parsed_time_is_aware() -> None:
    [sample] = meter_samples([{"timestamp": "2025-03-14T09:26:53", "sampledValue": [{"value": "1"}]}], "1.6")
    assert sample.timestamp.tzinfo is not None and sample.timestamp == T0.replace(microsecond=0)
