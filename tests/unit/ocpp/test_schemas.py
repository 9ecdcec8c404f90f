"""The official schemas: a payload that breaks one is a SchemaViolation with the code that answers it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from ocpay.ocpp.schemas import SchemaSet, SchemaViolation

SCHEMAS = SchemaSet()


def test_a_missing_required_field_is_an_occurrence_violation() -> None:
    with pytest.raises(SchemaViolation) as caught:
        SCHEMAS.validate("1.6", "BootNotification", {"chargePointVendor": "ACME"})

    assert caught.value.code == "OccurrenceConstraintViolation"
    assert "chargePointModel" in caught.value.description


def test_a_violation_raised_inside_a_context_manager_stays_a_violation() -> None:
    @contextlib.contextmanager
    def unit_of_work() -> Iterator[None]:
        yield

    with pytest.raises(SchemaViolation), unit_of_work():
        SCHEMAS.validate("2.0.1", "Heartbeat", {"unexpected": 1}, response=True)
