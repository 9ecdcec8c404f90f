"""Comparison with a dialect, by shape: parameters it takes, gaps it leaves, notes worth saying."""

from __future__ import annotations

import json
from typing import Any

from ocpay.assessment import build_message_set, fit_dialect, read_log, read_text
from ocpay.assessment.message_fit import compare_schema, rename_hint
from ocpay.integrations.dialects import Dialect


def dialect(vendor_id: str = "$param.vendor_id", **message: Any) -> Dialect:
    """A one-message dialect: a CardTxReport with a transaction id and an amount, sent by the station."""
    report = {
        "name": "Report",
        "kind": "data_transfer",
        "vendor_id": vendor_id,
        "message_id": "CardTxReport",
        "direction": "to_csms",
        "schema": {
            "type": "object",
            "required": ["txId", "total"],
            "properties": {"txId": {"type": "integer"}, "total": {"type": "number"}},
        },
        "event": "settled",
        **message,
    }
    return Dialect.model_validate(
        {
            "id": "test.report",
            "title": "Test report",
            "version": "1",
            "provenance": {"kind": "vendor-documentation", "source": "test"},
            "ocpp_versions": ["1.6"],
            "parameters": {
                "vendor_id": {"description": "vendorId", "default": "Test.TPE"},
                "static_id_tag": {"description": "card idTag", "default": None},
            },
            "card_sessions": [{"kind": "static_id_tag", "value": "$param.static_id_tag"}],
            "messages": [report],
        }
    )


def message_set(*data: dict[str, Any], vendor: str = "Test.TPE", id_tag: str | None = None, version: str = "1.6"):
    """The message set of a log in which the station reports each `data` as a CardTxReport."""
    lines = []
    if id_tag:
        lines.append({"direction": "to_csms", "message": [2, "s", "StartTransaction", start(id_tag)]})
    for n, item in enumerate(data):
        payload = {"vendorId": vendor, "messageId": "CardTxReport", "data": json.dumps(item)}
        lines.append({"direction": "to_csms", "message": [2, f"m{n}", "DataTransfer", payload]})
    doc = read_log("test.jsonl", "\n".join(json.dumps(line) for line in lines))
    return build_message_set(doc, version)


def start(id_tag: str) -> dict[str, Any]:
    return {"connectorId": 1, "idTag": id_tag, "meterStart": 0, "timestamp": "2025-01-01T10:00:00Z"}


def kinds(fit: Any) -> list[str]:
    return [g.kind for g in fit.all_gaps]


def test_the_same_shape_fits_with_its_events() -> None:
    fit = fit_dialect(dialect(), message_set({"txId": 1, "total": 4.2}))
    assert [f.shape.name for f in fit.fits] == ["DataTransfer Test.TPE/CardTxReport"]
    assert fit.events == {"settled"} and not fit.all_gaps and fit.parameters == {}


def test_another_vendor_id_is_a_parameter_when_the_dialect_takes_one() -> None:
    fit = fit_dialect(dialect(), message_set({"txId": 1, "total": 4.2}, vendor="Acme.TPE"))
    assert fit.parameters == {"vendor_id": "Acme.TPE"} and not fit.all_gaps


def test_another_vendor_id_is_a_gap_when_the_dialect_fixes_it() -> None:
    fit = fit_dialect(dialect(vendor_id="Test.TPE"), message_set({"txId": 1, "total": 4.2}, vendor="Acme.TPE"))
    assert kinds(fit) == ["vendor_id_mismatch"]


def test_a_renamed_field_is_named_with_its_probable_new_name() -> None:
    fit = fit_dialect(dialect(), message_set({"txId": 1, "totalAmount": 4.2}))
    (gap,) = fit.all_gaps
    assert gap.kind == "renamed_field" and "requires total" in gap.detail and "totalAmount" in gap.detail


def test_a_missing_field_without_a_candidate_is_a_gap() -> None:
    fit = fit_dialect(dialect(), message_set({"txId": 1}))
    assert kinds(fit) == ["missing_field"]


def test_a_required_field_missing_from_some_examples_is_a_gap() -> None:
    fit = fit_dialect(dialect(), message_set({"txId": 1, "total": 4.2}, {"txId": 2}))
    assert kinds(fit) == ["optional_vs_required"]


def test_extra_fields_are_a_note_unless_the_dialect_forbids_them() -> None:
    examples = ({"txId": 1, "total": 4.2, "terminalRef": "T-9"},)
    allowed = fit_dialect(dialect(), message_set(*examples))
    assert not allowed.all_gaps and allowed.fits[0].notes == [
        "DataTransfer Test.TPE/CardTxReport: extra fields terminalRef are ignored by test.report"
    ]
    strict_schema = {**dialect().messages[0].schema_, "additionalProperties": False}  # type: ignore[dict-item]
    forbidden = fit_dialect(dialect(schema=strict_schema), message_set(*examples))
    assert kinds(forbidden) == ["extra_fields", "schema_mismatch"]  # and the example itself is rejected


def test_an_example_the_schema_rejects_is_a_gap_with_its_evidence() -> None:
    fit = fit_dialect(dialect(), message_set({"txId": "one", "total": 4.2}))
    (gap,) = fit.all_gaps
    assert gap.kind == "schema_mismatch" and gap.evidence[0].line == 1


def test_the_other_direction_is_a_gap_when_the_documentation_says_who_sends_it() -> None:
    sent_by_the_csms = dialect(direction="to_station", send_on=["session_stopped"])
    fit = fit_dialect(sent_by_the_csms, message_set({"txId": 1, "total": 4.2}))
    assert "direction_mismatch" in kinds(fit)


def test_an_unknown_sender_is_only_a_note() -> None:
    body = {"vendorId": "Test.TPE", "messageId": "CardTxReport", "data": {"txId": 1, "total": 4.2}}
    mset = build_message_set(read_text("notes.txt", json.dumps(body)), "1.6")
    fit = fit_dialect(dialect(direction="to_station", send_on=["session_stopped"]), mset)
    assert "direction_mismatch" not in kinds(fit)
    assert any("does not say who sends it" in note for f in fit.fits for note in f.notes)


def test_a_message_for_another_ocpp_version_is_a_gap() -> None:
    fit = fit_dialect(dialect(), message_set({"txId": 1, "total": 4.2}, version="2.0.1"))
    assert "ocpp_version" in kinds(fit)


def test_a_static_card_id_tag_fills_the_dialect_parameter() -> None:
    fit = fit_dialect(dialect(), message_set({"txId": 1, "total": 4.2}, id_tag="TPE-CARD-1"))
    assert fit.card_rule == "static_id_tag" and fit.parameters == {"static_id_tag": "TPE-CARD-1"}
    assert fit.score == 1.5


def test_a_parameter_left_open_is_to_set_per_station() -> None:
    fit = fit_dialect(dialect(), message_set({"txId": 1, "total": 4.2}))
    assert fit.per_station == ["static_id_tag"]
    assert fit.notes == [
        "the documentation shows no card-session idTag; test.report recognises card sessions by static_id_tag"
    ]


def test_a_message_the_dialect_lacks_is_unmatched() -> None:
    mset = message_set({"txId": 1, "total": 4.2})
    mset.custom[0].message_id = "PaymentDone"
    fit = fit_dialect(dialect(), mset)
    assert fit.unmatched == mset.custom and fit.score == 0.0


def test_schemas_compare_nested_fields_by_path() -> None:
    expected = {
        "required": ["card"],
        "properties": {"card": {"required": ["brand"], "properties": {"brand": {}}}},
    }
    observed = {"required": ["card"], "properties": {"card": {"properties": {"scheme": {}}}, "extra": {}}}
    missing, extra, optional = compare_schema(expected, observed)
    assert missing == [("card.brand", ["card.scheme"])] and extra == ["card.scheme", "extra"] and optional == []


def test_rename_hints_match_leaf_names_loosely() -> None:
    assert rename_hint("total_cost", ["totalCost"]) == "totalCost"
    assert rename_hint("card.brand", ["card.brnd"]) == "card.brnd"
    assert rename_hint("amount", ["station"]) is None
