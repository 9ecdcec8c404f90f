"""The verdict rules: one table, exactly one row for any facts, and every row reached by a real assessment."""

from __future__ import annotations

import itertools
import json

import pytest

from ocpay.assessment import RULES, assess, read_log, read_text
from ocpay.assessment.rules import FACT_NAMES, Facts, confidence, decide
from tests.unit.assessment.corpus import CATALOG, DIALECTS, FIXTURES, run

ALL_FACTS = [Facts(*values) for values in itertools.product([False, True], repeat=len(FACT_NAMES))]


@pytest.mark.parametrize("facts", ALL_FACTS, ids=str)
def test_exactly_one_rule_holds_for_any_facts(facts: Facts) -> None:
    assert len([rule for rule in RULES if rule.holds(facts)]) == 1


def test_rule_names_are_unique_and_every_condition_is_a_fact() -> None:
    assert len({rule.name for rule in RULES}) == len(RULES)
    for rule in RULES:
        assert set(rule.when) <= set(FACT_NAMES), rule.name


@pytest.mark.parametrize(
    ("facts", "rule", "verdict"),
    [
        (Facts(gaps=True, dialect=True, entry_uses_dialect=True, only_standard=False, demands_parameters=False),
         "gaps", "needs_development"),
        (Facts(gaps=False, dialect=False, entry_uses_dialect=False, only_standard=False, demands_parameters=False),
         "no_dialect", "needs_development"),
        (Facts(gaps=False, dialect=True, entry_uses_dialect=True, only_standard=True, demands_parameters=False),
         "catalog_entry", "supported"),
        (Facts(gaps=False, dialect=True, entry_uses_dialect=False, only_standard=True, demands_parameters=False),
         "standard_messages", "supported"),
        (Facts(gaps=False, dialect=True, entry_uses_dialect=True, only_standard=False, demands_parameters=True),
         "other_parameters", "compatible"),
        (Facts(gaps=False, dialect=True, entry_uses_dialect=False, only_standard=False, demands_parameters=False),
         "new_pair", "compatible"),
    ],
)  # fmt: skip
def test_each_row_gives_its_verdict(facts: Facts, rule: str, verdict: str) -> None:
    decided = decide(facts)
    assert (decided.name, decided.verdict) == (rule, verdict)


def test_only_gaps_draft_a_dialect_and_only_compatible_proposes_an_entry() -> None:
    for rule in RULES:
        assert rule.drafts_dialect == (rule.when.get("gaps") is True), rule.name
        assert rule.proposes_entry == (rule.verdict == "compatible"), rule.name


# -- every row, reached from documentation -----------------------------------------------------------------------------
def test_gaps_need_development_with_a_draft() -> None:
    result = run(FIXTURES / "unknown-vendor.jsonl")
    assert (result.rule, result.verdict) == ("gaps", "needs_development")
    assert result.gaps and result.drafted_dialect and result.proposed_catalog_entry is None


def test_a_message_nobody_needs_and_no_dialect_is_too_little_to_go_on() -> None:
    frames = [
        {"direction": "to_csms", "message": [2, "1", "DataTransfer", {"vendorId": "Foo", "messageId": "Hi"}]},
        {"direction": "to_station", "message": [3, "1", {"status": "UnknownVendorId"}]},
    ]
    result = assess(read_log("x.jsonl", "\n".join(json.dumps(f) for f in frames)), DIALECTS, CATALOG)
    assert (result.rule, result.verdict, result.dialect) == ("no_dialect", "needs_development", None)
    assert not result.gaps and result.drafted_dialect is None
    assert result.confidence == round(0.9 * 0.6, 2)


def test_a_catalog_entry_with_the_dialect_that_fits_is_supported() -> None:
    result = run(FIXTURES / "alpitronic-onsitepay.jsonl", "Alpitronic HYC 300", "Worldline Valina")
    assert (result.rule, result.verdict) == ("catalog_entry", "supported")
    assert result.proposed_catalog_entry is None


def test_standard_messages_a_dialect_handles_are_supported_without_an_entry() -> None:
    result = run(FIXTURES / "direct-payment-21.json")
    assert (result.rule, result.verdict, result.catalog_entry) == ("standard_messages", "supported", None)


def test_other_parameter_values_are_compatible() -> None:
    result = run(FIXTURES / "acme-cardtxreport.jsonl", "DBT Keren", "Worldline Yoneo")
    assert (result.rule, result.verdict) == ("other_parameters", "compatible")
    assert result.proposed_catalog_entry


def test_a_fitting_dialect_without_an_entry_for_the_pair_is_compatible() -> None:
    result = run(FIXTURES / "alpitronic-onsitepay.jsonl")
    assert (result.rule, result.verdict, result.parameters) == ("new_pair", "compatible", {})
    assert result.proposed_catalog_entry


# -- confidence --------------------------------------------------------------------------------------------------------
def test_confidence_starts_from_the_kind_of_documentation() -> None:
    log = run(FIXTURES / "alpitronic-onsitepay.jsonl")
    document = assess(read_text("guide.md", (FIXTURES / "alpitronic-onsitepay.jsonl").read_text()), DIALECTS, CATALOG)
    assert log.confidence > document.confidence


def test_confidence_stays_between_bounds() -> None:
    rule = decide(Facts(True, False, False, False, False))
    doc = run(FIXTURES / "unknown-vendor.jsonl")
    value = confidence(rule, doc.documentation, doc.message_set, None)
    assert 0.05 <= value <= 0.99
