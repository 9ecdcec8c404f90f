"""Logs as a CSMS or a station prints them, assessed through `ocpay assess` and through `POST /api/requests`.

Each printed log in tests/fixtures/assessment/real/ (see its README) carries the traffic of a JSON
Lines fixture beside it, printed another way: read, it must give the same messages (station, kind,
action, id, direction), the unreadable lines by number, and the same verdict, dialect and parameters,
through both doors.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ocpay.assessment import read_documentation
from ocpay.cli.main import app as cli_app
from tests.helpers import running
from tests.payment_flows import stored_anywhere
from tests.unit.assessment.corpus import SECRETS

FIXTURES = Path(__file__).parents[1] / "fixtures" / "assessment"
REAL = FIXTURES / "real"
DBT = {"vendor_id": "ACME.Payment.TPE", "static_id_tag": "TPE-CARD-0001"}


@dataclass(frozen=True)
class Expected:
    """What an expert reads out of one printed log."""

    name: str
    printed_from: str  # the JSON Lines fixture whose traffic it prints
    media_type: str
    problem_lines: list[int]
    stations: set[str]
    verdict: str
    dialect: str | None
    parameters: dict[str, str] = field(default_factory=dict)
    gap_kinds: set[str] = field(default_factory=set)
    replayed: bool = False  # each station replays the original's traffic, interleaved


EXPECTED = [
    Expected("log-steve-cardtxreport.log", "acme-cardtxreport.jsonl", "text/plain", [13], {"ACME-0001"},
             "compatible", "com.dbt.cardtxreport", DBT),
    Expected("log-station-onsitepay.txt", "alpitronic-onsitepay.jsonl", "text/plain", [], {"HYC-0042"},
             "compatible", "com.alpitronic.onsitepay"),
    Expected("log-export-costmsg.csv", "sicharge-costmsg.jsonl", "text/csv", [7], {"SIC-7"},
             "compatible", "org.openchargealliance.costmsg", {"card_id_tag_prefix": "EMVS"}),
    Expected("log-two-stations-cardtxreport.txt", "acme-cardtxreport.jsonl", "text/plain", [],
             {"ACME-0001", "ACME-0002"}, "compatible", "com.dbt.cardtxreport", DBT, replayed=True),
    Expected("log-cp-cs-voltpay", "unknown-vendor.jsonl", "text/plain", [8], {"VP-01"},
             "needs_development", None, gap_kinds={"unknown_message", "needs_csms_data"}),
]  # fmt: skip
IDS = [e.name for e in EXPECTED]


def traffic(path: Path) -> list[tuple[str | None, str, str | None, str | None, str]]:
    """(station, kind, action, id, direction) of every message read, in order."""
    return [(m.station, m.kind, m.action, m.unique_id, m.direction) for m in read_documentation(path).messages]


def check_assessment(expected: Expected, answer: dict[str, Any]) -> None:
    source = answer["source"]
    assert source["name"] == expected.name and source["kind"] == "log"
    original = len(read_documentation(FIXTURES / expected.printed_from).messages)
    assert source["messages"] == original * (len(expected.stations) if expected.replayed else 1)
    assert [p["line"] for p in source["problems"]] == expected.problem_lines
    assert (answer["verdict"], answer["dialect"]) == (expected.verdict, expected.dialect), answer["gaps"]
    assert answer["parameters"] == expected.parameters
    assert {g["kind"] for g in answer["gaps"]} == expected.gap_kinds


@pytest.mark.parametrize("expected", EXPECTED, ids=IDS)
def test_a_printed_log_reads_as_the_json_lines_it_prints(expected: Expected) -> None:
    printed = traffic(REAL / expected.name)
    original = traffic(FIXTURES / expected.printed_from)
    if expected.replayed:  # two stations interleaved: each one's messages in order, paired per station
        for station in expected.stations:
            mine = [m for m in printed if m[0] == station]
            assert mine == [(station, *m[1:]) for m in original], station
    else:
        assert printed == original
    doc = read_documentation(REAL / expected.name)
    assert {m.station for m in doc.messages} == expected.stations
    assert all(m.answer is not None for m in doc.messages if m.kind == "call")  # every call's answer was found
    assert [p.line for p in doc.problems] == expected.problem_lines


@pytest.mark.parametrize("expected", EXPECTED, ids=IDS)
def test_ocpay_assess_reads_printed_logs(expected: Expected) -> None:
    result = CliRunner().invoke(cli_app, ["assess", str(REAL / expected.name), "--json"])
    assert result.exit_code == 0, result.output
    check_assessment(expected, json.loads(result.output))
    for secret in SECRETS:
        assert secret not in result.output, secret


def test_the_catalog_pair_makes_the_station_s_own_log_supported() -> None:
    result = CliRunner().invoke(
        cli_app,
        ["assess", str(REAL / "log-station-onsitepay.txt"), "--charger", "Alpitronic HYC 300",
         "--terminal", "Worldline Valina", "--json"],
    )  # fmt: skip
    answer = json.loads(result.output)
    assert (answer["verdict"], answer["catalog_entry"]) == ("supported", "alpitronic-hyc-worldline-valina")


def test_a_printed_log_with_nothing_readable_is_refused_saying_why(tmp_path: Path) -> None:
    path = tmp_path / "gateway.log"
    path.write_text("2025-03-04 10:00:00 INFO gateway started\n2025-03-04 10:00:05 INFO CP-1 connected\n")
    result = CliRunner().invoke(cli_app, ["assess", str(path)])
    assert result.exit_code == 2
    assert "no line holds an OCPP-J frame" in " ".join(result.output.split())


async def test_the_request_api_reads_printed_logs_as_ocpay_assess_does(db_url: str) -> None:
    async with running(db_url) as srv, srv.http() as client:
        for expected in EXPECTED:
            upload = ("documents[]", (expected.name, (REAL / expected.name).read_bytes(), "application/octet-stream"))
            data = {"requester": "Ops <ops@cpo.example>", "charger": "Voltaro V50", "terminal": "VoltPay T1"}
            answer = await client.post("/api/requests", data=data, files=[upload])
            assert answer.status_code == 201, (expected.name, answer.text)
            detail = answer.json()
            assert [(d["name"], d["media_type"]) for d in detail["documents"]] == [(expected.name, expected.media_type)]
            check_assessment(expected, detail["assessment"])
            for secret in SECRETS:
                assert secret not in answer.text, secret
    for secret in SECRETS:
        assert await stored_anywhere(db_url, secret) == [], secret


def csv_export(jsonl: Path) -> bytes:
    """A JSON Lines log exported the way a backend's message table is: `;`, the frame quoted with doubled quotes."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["timestamp", "charge_point_id", "direction", "message"])
    for line in jsonl.read_text().splitlines():
        item = json.loads(line)
        marker = "CP->CS" if item["direction"] == "to_csms" else "CS->CP"
        writer.writerow([item["timestamp"], item["station"], marker, json.dumps(item["message"])])
    return out.getvalue().encode()


async def test_a_csv_export_sent_as_text_csv_is_read_and_kept_masked(db_url: str) -> None:
    content = csv_export(FIXTURES / "alpitronic-onsitepay.jsonl")
    assert any(secret.encode() in content for secret in SECRETS)  # card data in the export
    async with running(db_url) as srv, srv.http() as client:
        upload = ("documents[]", ("valina-export.csv", content, "text/csv"))
        data = {"requester": "Ops <ops@cpo.example>", "charger": "Alpitronic HYC 300", "terminal": "Worldline Valina"}
        answer = await client.post("/api/requests", data=data, files=[upload])
        assert answer.status_code == 201, answer.text
        detail = answer.json()
        assert (detail["verdict"], detail["dialect"]) == ("supported", "com.alpitronic.onsitepay")
        assert detail["documents"][0]["media_type"] == "text/csv"
        assert detail["assessment"]["source"]["messages"] == 10
    for secret in SECRETS:  # the kept copy masks the frames inside the CSV cells too
        assert await stored_anywhere(db_url, secret) == [], secret
