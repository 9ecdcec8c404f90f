"""`ocpay assess`: exit codes, the JSON and the readable report, no payment identifier printed, `--station`."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from ocpay.assessment import DocumentError, read_documentation
from ocpay.cli.assess import register
from ocpay.store.db import Database
from ocpay.store.models import Station, UnrecognisedMessage
from tests.unit.assessment.corpus import FIXTURES, SECRETS


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


def test_cli_json_shape_and_exit_0_for_every_verdict(cli: Any) -> None:
    for name, verdict in [
        ("acme-cardtxreport.jsonl", "compatible"),
        ("unknown-vendor.jsonl", "needs_development"),
        ("direct-payment-21.json", "supported"),
        ("real/pay-rfid-only.jsonl", "no_payment_evidence"),
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


def test_the_readable_report_of_no_payment_evidence_says_what_to_send(cli: Any) -> None:
    result = cli(str(FIXTURES / "real" / "pay-generic-ocpp-manual.md"))
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "no payment evidence" in text and "send the missing document section on card payments" in text
    assert "Gaps" not in result.output


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
