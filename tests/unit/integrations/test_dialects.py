"""A loaded dialect: its messages, their data checks, and parameters resolved for a station."""

from __future__ import annotations

import pickle
from typing import Any

import fastjsonschema
import pytest

from ocpay.integrations.dialects import Dialect, DialectError, DialectSet


def dialect(dialect_id: str = "example.report") -> Dialect:
    return Dialect.model_validate(
        {
            "id": dialect_id,
            "title": "Example report",
            "version": "1",
            "provenance": {"kind": "inferred", "source": "written for this test"},
            "ocpp_versions": ["1.6", "2.0.1"],
            "parameters": {
                "vendor_id": {"description": "the station's vendorId", "default": "Example"},
                "prefix": {"description": "card session tag prefix"},
            },
            "card_sessions": [{"kind": "id_tag_prefix", "value": "$param.prefix"}],
            "messages": [
                {
                    "name": "Report",
                    "kind": "data_transfer",
                    "vendor_id": "$param.vendor_id",
                    "message_id": "Report",
                    "direction": "to_csms",
                    "ocpp_versions": ["1.6"],
                    "schema": {"type": "object", "required": ["total"], "properties": {"total": {"type": "number"}}},
                    "event": "settled",
                    "map": {"amount": "total"},
                },
                {"name": "Anything", "kind": "data_transfer", "vendor_id": "X", "message_id": "Y",
                 "direction": "to_csms"},
            ],
        }
    )  # fmt: skip


def test_a_message_is_found_by_name() -> None:
    assert dialect().message("Report").message_id == "Report"
    with pytest.raises(KeyError):
        dialect().message("Nothing")


def test_a_message_is_used_with_its_own_versions_or_else_the_dialects() -> None:
    example = dialect()
    assert example.versions_of(example.message("Report")) == ["1.6"]
    assert example.versions_of(example.message("Anything")) == ["1.6", "2.0.1"]


def test_a_parameter_resolves_to_the_stations_value_or_its_default() -> None:
    example = dialect()
    assert example.resolve("$param.vendor_id", {"vendor_id": "ACME"}) == "ACME"
    assert example.resolve("$param.vendor_id", {}) == "Example"
    assert example.resolve("$param.prefix", {}) is None  # no value and no default
    assert example.resolve("plain", {"plain": "x"}) == "plain"  # not a parameter reference
    assert example.resolve(None, {}) is None
    assert example.parameter_defaults() == {"vendor_id": "Example", "prefix": None}


@pytest.mark.parametrize("data", [{"total": 7.5}, {"total": 0, "other": "kept"}])
def test_data_that_fits_the_messages_schema_passes(data: Any) -> None:
    assert dialect().message("Report").validate_data(data) == data


@pytest.mark.parametrize("data", [{}, {"total": "7.5"}, [1]])
def test_data_that_breaks_the_messages_schema_is_refused(data: Any) -> None:
    with pytest.raises(fastjsonschema.JsonSchemaException):
        dialect().message("Report").validate_data(data)


def test_a_message_without_a_schema_takes_any_data() -> None:
    assert dialect().message("Anything").validate_data({"whatever": [1]}) == {"whatever": [1]}


def test_a_dialect_set_finds_dialects_by_id_and_refuses_the_same_id_twice() -> None:
    dialects = DialectSet([dialect("a"), dialect("b")])
    assert [d.id for d in dialects] == ["a", "b"]
    assert dialects.get("b") is not None and dialects.get("c") is None
    with pytest.raises(DialectError, match="two dialects have the id 'a'"):
        DialectSet([dialect("a"), dialect("a")])


def test_a_dialect_whose_schemas_were_used_still_crosses_to_a_worker_process() -> None:
    used = dialect()
    used.message("Report").validate_data({"total": 1})  # compiles the message's validator

    copy = pickle.loads(pickle.dumps(used))  # as the document readers' processes receive it

    assert copy.message("Report").validate_data({"total": 2}) == {"total": 2}
    with pytest.raises(fastjsonschema.JsonSchemaException):
        copy.message("Report").validate_data({"total": "2"})
