"""Assessment of a new charger x terminal pair from its documentation: supported, compatible, needs development.

Each test reads one document of the corpus (a message log, a Markdown, HTML or PDF document, a
dialect file) and checks the verdict, the closest dialect and what the assessment says about it.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from ocpay.assessment import assess, read_documentation
from ocpay.integrations.catalog import CatalogEntry
from ocpay.integrations.dialects import load_dialect
from tests.unit.assessment.corpus import CATALOG, DIALECTS, FIXTURES, SECRETS, kinds, minimal_pdf, run


def test_cardtxreport_shape_under_another_vendor_id_is_compatible() -> None:
    result = run(FIXTURES / "acme-cardtxreport.jsonl")
    assert result.verdict == "compatible", result.gaps
    assert result.dialect == "com.dbt.cardtxreport"
    assert result.parameters["vendor_id"] == "ACME.Payment.TPE"
    assert result.parameters["static_id_tag"] == "TPE-CARD-0001"
    assert not result.gaps
    assert any(
        "TPE_OCPP_VENDORID" == row["key"] and row["expected"] == "ACME.Payment.TPE"
        for row in result.station_configuration
    )
    entry = CatalogEntry.model_validate(yaml.safe_load(result.proposed_catalog_entry or ""))
    assert entry.dialect == "com.dbt.cardtxreport"
    assert entry.parameters["vendor_id"] == "ACME.Payment.TPE"
    assert 0.5 < result.confidence <= 1


def test_cardtxreport_with_the_catalog_pair_still_needs_the_vendor_id_configured() -> None:
    result = run(FIXTURES / "acme-cardtxreport.jsonl", "DBT Keren", "Worldline Yoneo")
    assert result.verdict == "compatible"
    assert result.catalog_entry == "dbt-keren-worldline-yoneo"
    assert any("vendor_id=ACME.Payment.TPE" in step for step in result.next_steps)


def test_onsitepay_log_is_supported_for_the_catalog_pair() -> None:
    result = run(FIXTURES / "alpitronic-onsitepay.jsonl", "Alpitronic HYC 300", "Worldline Valina")
    assert result.verdict == "supported", result.gaps
    assert result.dialect == "com.alpitronic.onsitepay"
    assert result.catalog_entry == "alpitronic-hyc-worldline-valina"
    assert result.message_set.conventions.issued_by is not None  # the station used the idTag the CSMS issued
    assert any("beta" in reason for reason in result.reasons)


def test_onsitepay_log_without_the_pair_is_compatible_by_shape() -> None:
    result = run(FIXTURES / "alpitronic-onsitepay.jsonl")
    assert result.verdict == "compatible"
    assert result.dialect == "com.alpitronic.onsitepay"
    assert not result.gaps
    # Another charger with the same messages: the proposal names it.
    other = run(FIXTURES / "alpitronic-onsitepay.jsonl", "Kostad Unity", "Worldline Valina")
    assert other.verdict == "compatible"
    assert other.catalog_entry == "kostad-unity-worldline-valina"
    proposed = yaml.safe_load(other.proposed_catalog_entry or "")
    assert proposed["id"] == "kostad-unity-worldline-valina" and proposed["dialect"] == "com.alpitronic.onsitepay"


def test_unknown_vendor_needing_csms_data_needs_development_with_a_draft_that_loads(tmp_path: Path) -> None:
    result = run(FIXTURES / "unknown-vendor.jsonl")
    assert result.verdict == "needs_development"
    assert result.dialect is None
    assert {"unknown_message", "needs_csms_data"} <= kinds(result)
    needs = next(g for g in result.gaps if g.kind == "needs_csms_data")
    assert "TariffRequest" in needs.message and "pricePerKWh" in needs.detail
    assert needs.evidence and needs.evidence[0].line == 3
    assert result.drafted_dialect is not None
    path = tmp_path / "draft.yaml"
    path.write_text(result.drafted_dialect)
    draft = load_dialect(path)
    assert draft.provenance.kind == "inferred"
    report = draft.message("PaymentCompleted")
    assert report.event == "settled"
    assert report.map["amount"] == "amountCents" and report.amount_scale == 0.01
    assert report.payment_identifiers.hash == ["pspReference"]
    schema = report.schema_ or {}
    assert set(schema["required"]) == {"transactionId", "amountCents", "currency", "pspReference", "completedAt"}
    assert schema["properties"]["completedAt"]["format"] == "date-time"
    assert schema["properties"]["receiptUrl"]["format"] == "uri"  # only in one example: optional
    assert draft.card_sessions[0].kind == "id_tag_prefix" and draft.parameters["card_id_tag_prefix"].default == "VPAY-"
    for secret in SECRETS:
        assert secret not in result.drafted_dialect


def test_non_standard_frames_need_development() -> None:
    result = run(FIXTURES / "nonstandard-frames.jsonl")
    assert result.verdict == "needs_development"
    assert {"schema_violation", "non_standard_frame"} <= kinds(result)
    violation = next(g for g in result.gaps if g.kind == "schema_violation")
    assert "meterStart" in violation.detail and violation.evidence[0].line == 3


def test_renamed_field_needs_development(tmp_path: Path) -> None:
    text = (FIXTURES / "acme-cardtxreport.jsonl").read_text().replace("totalTaxedCost", "totalCost")
    (tmp_path / "renamed.jsonl").write_text(text)
    result = run(tmp_path / "renamed.jsonl")
    assert result.verdict == "needs_development"
    assert result.dialect == "com.dbt.cardtxreport"
    gap = next(g for g in result.gaps if g.kind == "renamed_field")
    assert "totalTaxedCost" in gap.detail and "totalCost" in gap.detail
    assert result.drafted_dialect and "draft." in result.drafted_dialect


def test_extra_fields_are_ignorable(tmp_path: Path) -> None:
    text = (
        (FIXTURES / "acme-cardtxreport.jsonl")
        .read_text()
        .replace('\\"tx_Time\\"', '\\"terminalRef\\": \\"T-9\\", \\"tx_Time\\"')
    )
    (tmp_path / "extra.jsonl").write_text(text)
    result = run(tmp_path / "extra.jsonl")
    assert result.verdict == "compatible"
    assert any("terminalRef" in reason and "ignored" in reason for reason in result.reasons)


def test_direct_payment_standard_messages_are_supported() -> None:
    result = run(FIXTURES / "direct-payment-21.json")
    assert result.message_set.ocpp_version == "2.1"
    assert result.verdict == "supported", result.gaps
    assert result.dialect == "ocpp21.direct-payment"
    assert result.message_set.conventions.direct_payment
    assert any("transactionLimit.maxCost" in c for c in result.message_set.conventions.cost_fields)


def test_cost_messages_log_is_supported_and_unknown_adhoc_message_is_ignored() -> None:
    result = run(FIXTURES / "sicharge-costmsg.jsonl", "Siemens Sicharge D", "CCV")
    assert result.verdict == "supported", result.gaps
    assert result.dialect == "org.openchargealliance.costmsg"
    assert any("AdhocPayment" in reason and "ignored" in reason for reason in result.reasons)


def test_a_different_id_tag_prefix_is_compatible(tmp_path: Path) -> None:
    (tmp_path / "card.jsonl").write_text((FIXTURES / "sicharge-costmsg.jsonl").read_text().replace("EMVS", "CARD"))
    result = run(tmp_path / "card.jsonl", "Siemens Sicharge D", "CCV")
    assert result.verdict == "compatible"
    assert result.parameters == {"card_id_tag_prefix": "CARD"}


def test_broken_lines_are_reported_and_the_rest_is_read() -> None:
    doc = read_documentation(FIXTURES / "broken.jsonl")
    assert sorted(p.line for p in doc.problems if p.line) == [4, 7, 10, 13]
    result = assess(doc, DIALECTS, CATALOG)
    assert result.verdict == "compatible"
    assert result.dialect == "com.dbt.cardtxreport"
    assert any("could not be read" in reason for reason in result.reasons)


def test_markdown_document_is_supported_for_the_catalog_pair() -> None:
    doc = read_documentation(FIXTURES / "keren-payment-integration.md")
    assert "DBT.QCNG.TPE" in doc.named_vendor_ids and "CardTxReport" in doc.named_message_ids
    result = assess(doc, DIALECTS, CATALOG, charger="DBT Keren", terminal="Worldline Yoneo")
    assert result.verdict == "supported", result.gaps
    shape = next(s for s in result.message_set.custom if s.message_id == "CardTxReport")
    assert len(shape.examples) == 2  # the code block and the inline example
    assert shape.observations[0].evidence.line == 19
    assert shape.observations[0].answer is not None  # the CALLRESULT in the next block


def test_html_document_is_read_with_code_blocks_and_without_scripts() -> None:
    doc = read_documentation(FIXTURES / "onsitepay.html")
    assert "Heartbeat" not in {m.action for m in doc.messages}
    result = assess(doc, DIALECTS, CATALOG)
    assert result.verdict == "compatible"
    assert result.dialect == "com.alpitronic.onsitepay"
    assert result.message_set.conventions.issued_by is not None
    receipt = next(s for s in result.message_set.custom if s.message_id == "Receipt")
    assert receipt.observations[0].evidence.line == 13
    assert all(s.direction == "to_csms" for s in result.message_set.custom)


def test_pdf_document_is_read(tmp_path: Path) -> None:
    data = json.dumps({"tx_ID": 12, "tx_Time": "2025-01-01T10:00:00Z", "totalTaxedCost": 8.4, "customerTicket": "x"})
    frame = json.dumps([2, "9", "DataTransfer", {"vendorId": "Kiosk.Pay", "messageId": "CardTxReport", "data": data}])
    path = tmp_path / "kiosk.pdf"
    path.write_bytes(
        minimal_pdf(
            [
                "Kiosk charger - card payment messages (OCPP 1.6)",
                "After StopTransaction the station sends to the CSMS:",
                frame,
                "The CSMS answers Accepted.",
            ]
        )
    )
    doc = read_documentation(path)
    assert doc.kind == "document" and doc.messages
    assert doc.messages[0].evidence.page == 1
    result = assess(doc, DIALECTS, CATALOG)
    assert result.verdict == "compatible"
    assert result.dialect == "com.dbt.cardtxreport"
    assert result.parameters["vendor_id"] == "Kiosk.Pay"


def test_dialect_file_in_our_format_is_compared_by_shape(tmp_path: Path) -> None:
    vendor_dialect = {
        "id": "com.example.cardreport",
        "title": "Example card report",
        "version": "1",
        "provenance": {"kind": "vendor-documentation", "source": "Example GmbH integration guide v2"},
        "ocpp_versions": ["1.6"],
        "card_sessions": [{"kind": "static_id_tag", "value": "EXAMPLE-CARD"}],
        "messages": [
            {
                "name": "Report",
                "kind": "data_transfer",
                "vendor_id": "Example.TPE",
                "message_id": "CardTxReport",
                "direction": "to_csms",
                "schema": {
                    "type": "object",
                    "required": ["tx_ID", "totalTaxedCost"],
                    "properties": {"tx_ID": {"type": "integer"}, "totalTaxedCost": {"type": "number"}},
                },
                "event": "settled",
                "map": {"amount": "totalTaxedCost", "transaction_id": "tx_ID"},
            }
        ],
    }
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(vendor_dialect))
    doc = read_documentation(path)
    assert doc.kind == "dialect" and doc.dialect is not None
    result = assess(doc, DIALECTS, CATALOG)
    assert result.verdict == "compatible"
    assert result.dialect == "com.dbt.cardtxreport"
    assert result.parameters["vendor_id"] == "Example.TPE"
