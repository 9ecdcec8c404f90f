"""What an expert reads out of payment traffic: no payment evidence, status words as events, amounts in cents.

The fixtures under tests/fixtures/assessment/real/pay-* (sources in README.md there) are checked field by
field; the tables (`vocabulary`) are checked word by word.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ocpay.assessment import assess, read_log, read_text
from ocpay.assessment.draft_messages import draft_message, in_minor_units, infer_map
from ocpay.assessment.inference import infer_schema, status_events, values_at
from ocpay.assessment.message_set import CustomShape
from ocpay.assessment.rules import Facts, decide
from ocpay.assessment.vocabulary import fold, names_minor_units, says_minor_units, status_event
from ocpay.integrations.dialects import Dialect
from tests.unit.assessment.corpus import CATALOG, DIALECTS, FIXTURES

REAL = FIXTURES / "real"


def draft_of(path: Path) -> dict[str, Any]:
    result = assess(read_log(path.name, path.read_text()), DIALECTS, CATALOG)
    assert result.drafted_dialect is not None
    return yaml.safe_load(result.drafted_dialect)


def shape(examples: list[Any], message_id: str = "PaymentUpdate") -> CustomShape:
    return CustomShape("data_transfer", "Vend", message_id, "to_csms", examples=examples, schema=infer_schema(examples))


# -- the status table ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("word", "event"),
    [
        ("Committed", "settled"), ("Captured", "settled"), ("Settled", "settled"), ("COMPLETED", "settled"),
        ("APPROVED", "authorized"), ("Authorized", "authorized"), ("authorised", "authorized"),
        ("ACCEPTE", "authorized"), ("GENEHMIGT", "authorized"), ("Autorisé", "authorized"),
        ("DECLINED", "declined"), ("REFUSE", "declined"), ("refusé", "declined"), ("ABGELEHNT", "declined"),
        ("KO", "declined"), ("NOT_AUTHORIZED", "declined"), ("Rejected", "declined"), ("RECHAZADO", "declined"),
        ("Canceled", "canceled"), ("CANCELLED", "canceled"), ("Storniert", "canceled"), ("annulé", "canceled"),
        ("Failed", "failed"), ("ERROR", "failed"), ("Fehlgeschlagen", "failed"), ("échec", "failed"),
    ],
)  # fmt: skip
def test_each_status_word_reports_its_event(word: str, event: str) -> None:
    assert status_event(word) == event


@pytest.mark.parametrize("word", ["OK", "Accepted", "SUCCESS", "ok"])
def test_a_word_that_only_says_it_went_well_takes_the_message_event(word: str) -> None:
    assert status_event(word) == "authorized"
    assert status_event(word, "settled") == "settled"


@pytest.mark.parametrize("value", ["Pending", "InProgress", "05", 0, None, True, ""])
def test_unknown_or_non_word_statuses_report_nothing(value: object) -> None:
    assert status_event(value) is None


def test_folding_ignores_case_accents_and_separators() -> None:
    assert fold("Not-Authorised") == fold("NOT_AUTHORISED") == "notauthorised"
    assert fold("Refusé") == "refuse"


def test_status_events_keep_each_value_as_written_and_leave_unknown_ones_out() -> None:
    values = ["APPROVED", "Pending", "DECLINED", "APPROVED", 3]
    assert status_events(values) == {"APPROVED": "authorized", "DECLINED": "declined"}


def test_values_at_follow_a_dotted_path() -> None:
    examples = [{"result": {"status": "OK"}}, {"result": {}}, {"other": 1}, "text"]
    assert values_at(examples, "result.status") == ["OK"]


# -- the amount scale ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "cents"),
    [("amountCents", True), ("totalInCents", True), ("amountMinor", True), ("amount_minor_units", True),
     ("cents", True), ("amount", False), ("totalAmount", False), ("discountPercent", False), ("product", False)],
)  # fmt: skip
def test_field_names_that_say_cents(name: str, cents: bool) -> None:
    assert names_minor_units(name) is cents


@pytest.mark.parametrize(
    ("text", "said"),
    [("All amounts are in cents.", True), ("amount: integer, minor units of the currency", True),
     ("Les montants sont exprimés en centimes.", True), ("amount in EUR with two decimals", False)],
)  # fmt: skip
def test_prose_that_says_cents(text: str, said: bool) -> None:
    assert says_minor_units(text) is said


def test_an_integer_amount_beside_a_decimal_price_is_in_cents() -> None:
    cents = shape([{"unitPrice": 0.45, "totalAmount": 1233}, {"unitPrice": 0.45, "totalAmount": 675}])
    mapping, _ = infer_map(cents.schema, cents.examples)
    assert mapping["amount"] == "totalAmount" and in_minor_units(cents, mapping)
    units = shape([{"unitPrice": 0.45, "totalAmount": 12.33}])
    assert not in_minor_units(units, infer_map(units.schema, units.examples)[0])
    whole_price = shape([{"unitPrice": 1, "totalAmount": 12}])
    assert not in_minor_units(whole_price, infer_map(whole_price.schema, whole_price.examples)[0])


def test_the_documents_words_give_an_integer_amount_its_scale() -> None:
    plain = shape([{"amount": 1250, "currency": "EUR"}])
    assert "amount_scale" not in draft_message(plain, set())
    assert draft_message(plain, set(), minor_units=True)["amount_scale"] == 0.01
    decimal = shape([{"amount": 12.5, "currency": "EUR"}])
    assert "amount_scale" not in draft_message(decimal, set(), minor_units=True)


def test_a_document_saying_cents_sets_the_scale_of_its_draft() -> None:
    text = (
        "# Payment messages\n\nAll amounts are in cents.\n\n"
        '```json\n[2, "1", "DataTransfer", {"vendorId": "Vend", "messageId": "PaymentDone", '
        '"data": "{\\"amount\\": 1250, \\"currency\\": \\"EUR\\", \\"transactionId\\": 4}"}]\n```\n'
    )
    doc = read_text("vend.md", text)
    assert doc.minor_units
    draft = yaml.safe_load(assess(doc, DIALECTS, CATALOG).drafted_dialect or "")
    assert draft["messages"][0]["amount_scale"] == 0.01


# -- statuses in a draft -----------------------------------------------------------------------------------------
def test_the_status_field_whose_values_are_status_words_is_mapped() -> None:
    s = shape([{"state": "ACTIVE", "result": "APPROVED", "amount": 5}, {"state": "ACTIVE", "result": "KO"}])
    mapping, _ = infer_map(s.schema, s.examples)
    assert mapping["status"] == "result"
    message = draft_message(s, set())
    assert message["event_by_status"] == {"APPROVED": "authorized", "KO": "declined"} and "event" not in message


def test_without_known_status_words_the_name_gives_the_event() -> None:
    s = shape([{"status": "P1", "amount": 12.5}], message_id="PaymentCompleted")
    message = draft_message(s, set())
    assert message["event"] == "settled" and "event_by_status" not in message


def test_a_status_map_without_a_settled_value_raises_the_no_final_amount_gap() -> None:
    frames = [
        '{"direction": "to_csms", "message": [2, "1", "DataTransfer", {"vendorId": "V", "messageId": "Auth", '
        '"data": "{\\"status\\": \\"APPROVED\\", \\"amount\\": 50}"}]}',
        '{"direction": "to_csms", "message": [2, "2", "DataTransfer", {"vendorId": "V", "messageId": "Auth", '
        '"data": "{\\"status\\": \\"DECLINED\\", \\"amount\\": 50}"}]}',
    ]
    result = assess(read_log("v.jsonl", "\n".join(frames)), DIALECTS, CATALOG)
    assert ("no_event_source", "settled") in [(g.kind, g.message) for g in result.gaps]


# -- the fixtures, field by field ----------------------------------------------------------------------------------
def test_the_unknown_vendors_payment_status_maps_every_status_it_sends() -> None:
    draft = draft_of(REAL / "pay-nordpay-status-cents.jsonl")
    Dialect.model_validate(draft)
    status = next(m for m in draft["messages"] if m["name"] == "PaymentStatus")
    assert status["event_by_status"] == {
        "APPROVED": "authorized", "Captured": "settled", "DECLINED": "declined", "Canceled": "canceled",
        "Failed": "failed",
    }  # fmt: skip
    assert "event" not in status
    assert status["map"]["status"] == "status" and status["map"]["amount"] == "amountInCents"
    assert status["amount_scale"] == 0.01
    assert set(status["payment_identifiers"]["drop"]) == {"authCode", "stan"}


def test_the_terminal_result_ok_ko_refuse_and_its_integer_total_beside_a_price() -> None:
    draft = draft_of(REAL / "pay-nordpay-status-cents.jsonl")
    result = next(m for m in draft["messages"] if m["name"] == "TerminalResult")
    assert result["event_by_status"] == {"OK": "settled", "KO": "declined", "REFUSE": "declined"}
    assert result["map"]["status"] == "result" and result["map"]["amount"] == "totalAmount"
    assert result["amount_scale"] == 0.01
    assert result["payment_identifiers"]["drop"] == ["receiptNo"]


def test_the_unknown_vendor_needs_development_without_a_false_final_amount_gap() -> None:
    path = REAL / "pay-nordpay-status-cents.jsonl"
    result = assess(read_log(path.name, path.read_text()), DIALECTS, CATALOG)
    assert (result.verdict, result.rule, result.dialect) == ("needs_development", "gaps", None)
    assert sorted((g.kind, g.message) for g in result.gaps) == [
        ("unknown_message", "DataTransfer NordPay/PaymentStatus"),
        ("unknown_message", "DataTransfer NordPay/TerminalResult"),
    ]


@pytest.mark.parametrize(
    ("name", "reader", "first_step"),
    [
        ("pay-rfid-only.jsonl", read_log, "send a log with a card session"),
        ("pay-generic-ocpp-manual.md", read_text, "send the missing document section on card payments"),
    ],
)
def test_no_payment_traffic_is_its_own_outcome(name: str, reader: Any, first_step: str) -> None:
    path = REAL / name
    result = assess(reader(name, path.read_text()), DIALECTS, CATALOG)
    assert (result.verdict, result.rule, result.dialect) == ("no_payment_evidence", "no_payment_evidence", None)
    assert result.gaps == [] and result.drafted_dialect is None and result.proposed_catalog_entry is None
    assert result.next_steps[0].startswith(first_step)
    assert result.next_steps[-1].startswith("nothing to develop yet: no feature request is opened")
    assert any(r.startswith("no payment traffic: standard messages only") for r in result.reasons)
    assert not any("static idTag" in r for r in result.reasons)
    assert result.to_json()["verdict"] == "no_payment_evidence"


def test_the_manual_also_accepts_a_log_instead_of_its_missing_section() -> None:
    path = REAL / "pay-generic-ocpp-manual.md"
    result = assess(read_text(path.name, path.read_text()), DIALECTS, CATALOG)
    assert result.next_steps[1].startswith("or send a log with a card session")


def test_one_tag_shared_by_two_sessions_is_payment_evidence_one_sessions_tag_is_not() -> None:
    def log(sessions: int) -> str:
        return "\n".join(
            f'{{"direction": "to_csms", "message": [2, "{n}", "StartTransaction", {{"connectorId": 1, '
            f'"idTag": "CARDPAY", "meterStart": 0, "timestamp": "2025-01-01T00:00:00Z"}}]}}'
            for n in range(sessions)
        )

    assert assess(read_log("one.jsonl", log(1)), DIALECTS, CATALOG).verdict == "no_payment_evidence"
    assert assess(read_log("two.jsonl", log(2)), DIALECTS, CATALOG).verdict != "no_payment_evidence"


def test_without_payment_evidence_no_other_fact_matters() -> None:
    for gaps in (False, True):
        for dialect in (False, True):
            facts = Facts(gaps, dialect, False, False, False, payment_evidence=False)
            assert (decide(facts).name, decide(facts).verdict) == ("no_payment_evidence", "no_payment_evidence")
