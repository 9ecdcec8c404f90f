"""Assessment of a new charger x terminal pair from its documentation: supported, compatible, needs development.

The corpus in tests/fixtures/assessment is written from the domain facts (what stations send), not
copied from the dialect files, so that these tests fail when a dialect or the comparison drifts.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner, Result

from ocpay.assessment import Assessment, DocumentError, assess, infer_schema, read_documentation
from ocpay.cli.assess import register
from ocpay.integrations.catalog import Catalog, CatalogEntry
from ocpay.integrations.dialects import DialectSet, load_dialect
from ocpay.store.db import Database
from ocpay.store.models import Station, UnrecognisedMessage

FIXTURES = Path(__file__).parents[1] / "fixtures" / "assessment"
DIALECTS = DialectSet.load()
CATALOG = Catalog.load(DIALECTS)
# Payment identifiers that appear in the fixtures and must never be printed.
SECRETS = ["PAY-99812345678901", "A1B2C3", "455600012345", "PSP-8812345678", "PAY-0011223344556", "PSPREF-44112233"]


def run(path: Path, charger: str | None = None, terminal: str | None = None, **kw: Any) -> Assessment:
    return assess(read_documentation(path), DIALECTS, CATALOG, charger=charger, terminal=terminal, **kw)


def kinds(result: Assessment) -> set[str]:
    return {g.kind for g in result.gaps}


@pytest.fixture
def cli() -> Any:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """ocpay (test)"""

    register(app)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, ["assess", *args])

    return invoke


# -- 1. message logs ----------------------------------------------------------------------------------------
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


def test_answers_are_paired_with_their_call() -> None:
    doc = read_documentation(FIXTURES / "alpitronic-onsitepay.jsonl")
    authorize = next(m for m in doc.messages if m.message_id == "Authorize")
    assert authorize.answer is not None and authorize.answer_status == "Accepted"
    assert authorize.answer_data == {"tagId": "OSP-7F3A21C9"}
    assert authorize.data_was_string and authorize.data_is_json


# -- 3. documents ---------------------------------------------------------------------------------------------
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


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with these lines of text, written by hand (no PDF library needed)."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    content = "BT /F1 9 Tf 11 TL 30 800 Td " + " ".join(f"({escape(line)}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        "/Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


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


# -- 1. dialect files ------------------------------------------------------------------------------------------
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


def test_schema_inference() -> None:
    schema = infer_schema(
        [
            {"a": 1, "when": "2025-01-01T00:00:00Z", "nested": {"x": "https://e.example/r"}, "list": [1, 2]},
            {"a": 2.5, "when": "2025-01-02T00:00:00+01:00", "nested": {"x": "https://e.example/s", "y": True}},
        ]
    )
    assert schema["type"] == "object"
    assert schema["required"] == ["a", "when", "nested"]
    assert schema["properties"]["a"]["type"] == "number"
    assert schema["properties"]["when"]["format"] == "date-time"
    assert schema["properties"]["nested"]["properties"]["x"]["format"] == "uri"
    assert schema["properties"]["nested"]["required"] == ["x"]
    assert schema["properties"]["list"]["items"]["type"] == "integer"


# -- unreadable input --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("missing.jsonl", None, "no such file"),
        ("empty.jsonl", b"garbage\nmore garbage\n", "no entry could be read"),
        ("broken.pdf", b"%PDF-1.4\nthis is not really a pdf", "not a readable PDF"),
        ("binary.bin", b"\x00\x01\x02\x03" * 10, "binary file"),
        ("bad.yaml", b"id: x\nmessages: [\n", "not valid YAML"),
    ],
)
def test_unreadable_input_exits_2_with_the_reason(
    cli: Any, tmp_path: Path, name: str, content: bytes | None, reason: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DocumentError, match=reason):
        read_documentation(path)
    result = cli(str(path))
    assert result.exit_code == 2, result.output
    assert reason in " ".join(result.output.split())


# -- the command ---------------------------------------------------------------------------------------------------
def test_cli_json_shape_and_exit_0_for_every_verdict(cli: Any) -> None:
    for name, verdict in [
        ("acme-cardtxreport.jsonl", "compatible"),
        ("unknown-vendor.jsonl", "needs_development"),
        ("direct-payment-21.json", "supported"),
    ]:
        result = cli(str(FIXTURES / name), "--json")
        assert result.exit_code == 0, result.output
        body = json.loads(result.output)
        assert body["verdict"] == verdict
        assert {"verdict", "dialect", "confidence", "gaps", "next_steps", "reasons"} <= set(body)
        assert isinstance(body["confidence"], float) and 0 <= body["confidence"] <= 1
        assert all({"kind", "message", "detail"} <= set(g) for g in body["gaps"])
        assert body["next_steps"]


def test_cli_readable_report_and_options(cli: Any) -> None:
    result = cli(
        str(FIXTURES / "alpitronic-onsitepay.jsonl"),
        "--charger",
        "Alpitronic HYC 300",
        "--terminal",
        "Worldline Valina",
        "--ocpp-version",
        "1.6",
    )
    assert result.exit_code == 0, result.output
    assert "supported" in result.output and "com.alpitronic.onsitepay" in result.output
    assert "Next steps" in result.output
    bad = cli(str(FIXTURES / "alpitronic-onsitepay.jsonl"), "--ocpp-version", "3.0")
    assert bad.exit_code == 2


def test_no_payment_identifier_is_printed(cli: Any) -> None:
    for name in ["alpitronic-onsitepay.jsonl", "unknown-vendor.jsonl", "onsitepay.html", "direct-payment-21.json"]:
        for args in (["--json"], []):
            result = cli(str(FIXTURES / name), *args)
            assert result.exit_code == 0, result.output
            for secret in SECRETS:
                assert secret not in result.output, (name, secret)


def test_station_record_is_assessed(cli: Any, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"

    async def prepare() -> None:
        db = Database(url)
        await db.upgrade()
        moment = datetime.now(UTC)
        async with db.write() as s:
            s.add(Station(id="CP-9", vendor="Acme Power", model="FastOne", registered_at=moment))
            await s.flush()
            s.add(
                UnrecognisedMessage(
                    station_id="CP-9",
                    ocpp_version="1.6",
                    vendor_id="Acme.TPE",
                    message_id="CardTxReport",
                    first_seen_at=moment,
                    last_seen_at=moment,
                    count=3,
                    sample={
                        "vendorId": "Acme.TPE",
                        "messageId": "CardTxReport",
                        "data": {
                            "tx_ID": 4,
                            "tx_Time": "2025-01-01T10:00:00Z",
                            "totalTaxedCost": 3.2,
                            "customerTicket": "***",
                        },
                        "dataIsJson": True,
                    },
                )
            )
        await db.close()

    asyncio.run(prepare())
    result = cli("--station", "CP-9", "--db", url, "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["verdict"] == "compatible"
    assert body["dialect"] == "com.dbt.cardtxreport"
    assert body["parameters"]["vendor_id"] == "Acme.TPE"
    assert body["charger"] == "Acme Power FastOne"
    missing = cli("--station", "CP-404", "--db", url)
    assert missing.exit_code == 2 and "no such station" in missing.output
    neither = cli()
    assert neither.exit_code == 2
