"""Catalog entries: how a booting station's vendor and model find the entry it belongs to."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ocpay.integrations.catalog import Catalog, CatalogEntry, Match
from ocpay.integrations.dialects import DialectSet


def entry(entry_id: str, **changes: Any) -> CatalogEntry:
    fields: dict[str, Any] = {
        "id": entry_id,
        "charger": {"manufacturer": "Acme", "models": ["AC-1", "AC-2"]},
        "terminal": {"manufacturer": "PayCo", "models": ["T1"]},
        "dialect": "com.dbt.cardtxreport",
        "status": "beta",
        "ocpp_versions": ["1.6"],
        "documentation": "written for this test",
        "setup_guide": "# Setup\n",
        **changes,
    }
    return CatalogEntry.model_validate(fields)


def test_a_match_searches_vendor_and_model_anywhere_in_any_case() -> None:
    match = Match(vendor="acme", model="ac-[12]")
    assert match.matches("ACME Corp", "Wallbox AC-2 22kW")
    assert not match.matches("ACME Corp", "AC-3")
    assert not match.matches("Other", "AC-1")


def test_anchors_make_a_match_exact_and_the_model_defaults_to_any() -> None:
    assert Match(vendor="^Acme$").matches("acme", None)
    assert not Match(vendor="^Acme$").matches("Acme Corp", "AC-1")


def test_a_missing_vendor_or_model_is_matched_as_empty() -> None:
    assert not Match(vendor="Acme", model="AC").matches("Acme", None)
    assert not Match(vendor="Acme").matches(None, "AC-1")


def test_a_pattern_that_is_not_a_regular_expression_is_refused() -> None:
    with pytest.raises(ValidationError, match="'Acme\\(' is not a regular expression"):
        Match(vendor="Acme(")


def test_an_entry_is_titled_by_both_pieces_of_hardware() -> None:
    assert entry("acme-payco").title == "Acme AC-1 / AC-2 x PayCo T1"


def test_a_station_belongs_to_the_first_matching_entry_that_has_a_dialect() -> None:
    catalog = Catalog(
        [
            entry("requested", dialect=None, status="requested", match={"vendor": "Acme"}),
            entry("first", match={"vendor": "Acme", "model": "AC-1"}),
            entry("second", match={"vendor": "Acme"}),
            entry("unmatched"),  # no match rules: never found by a boot
        ],
        DialectSet.load(),
    )
    assert (catalog.match("Acme", "AC-1") or entry("none")).id == "first"
    assert (catalog.match("Acme", "AC-2") or entry("none")).id == "second"
    assert catalog.match("Other", "AC-1") is None
    assert catalog.get("unmatched") is not None and catalog.get("nothing") is None
