"""Readers, one per form of documentation: each turns small inline inputs into observed messages with evidence."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from ocpay.assessment import (
    MAX_DEPTH,
    DocumentError,
    read_dialect_file,
    read_documentation,
    read_html,
    read_log,
    read_pdf,
    read_recorded,
    read_text,
)
from ocpay.assessment.readers.frames import parse_frame
from ocpay.assessment.readers.text import MAX_EXAMPLE_DEPTH, value_ends
from tests.unit.assessment.corpus import FIXTURES, minimal_pdf


def entry(direction: str, frame: list[Any], station: str = "CP1") -> str:
    item = {"timestamp": "2025-01-01T10:00:00Z", "station": station, "direction": direction, "message": frame}
    return json.dumps(item)


REPORT = {"vendorId": "Acme.TPE", "messageId": "CardTxReport", "data": json.dumps({"tx": 1, "total": 4.2})}


# -- message logs ---------------------------------------------------------------------------------------------
def test_log_lines_become_messages_with_their_answers() -> None:
    text = "\n".join(
        [
            entry("to_csms", [2, "m1", "DataTransfer", REPORT]),
            entry("to_station", [3, "m1", {"status": "Accepted", "data": '{"ok": true}'}]),
        ]
    )
    doc = read_log("cp1.jsonl", text)
    assert doc.kind == "log" and len(doc.messages) == 2
    call, answer = doc.messages
    assert (call.vendor_id, call.message_id, call.data) == ("Acme.TPE", "CardTxReport", {"tx": 1, "total": 4.2})
    assert call.data_was_string and call.evidence.line == 1 and call.station == "CP1"
    assert call.answer is answer and answer.answers is call and answer.action == "DataTransfer"
    assert call.answer_status == "Accepted" and call.answer_data == {"ok": True}


def test_a_log_can_be_a_json_array_with_the_frame_as_a_string() -> None:
    item = {"direction": "to_csms", "message": json.dumps([2, "1", "Heartbeat", {}])}
    doc = read_log("cp1.json", json.dumps([item]))
    assert doc.messages[0].action == "Heartbeat" and doc.messages[0].evidence.entry == 1


def test_unreadable_log_lines_are_problems_and_the_rest_is_read() -> None:
    heartbeat, sideways = entry("to_csms", [2, "1", "Heartbeat", {}]), entry("sideways", [2, "2", "Heartbeat", {}])
    text = "\n".join(["not json", heartbeat, sideways])
    doc = read_log("cp1.jsonl", text)
    assert [m.action for m in doc.messages] == ["Heartbeat"]
    assert [(p.line, p.reason.split(" (")[0]) for p in doc.problems] == [
        (1, "not JSON"),
        (3, "direction is 'sideways', not to_csms or to_station"),
    ]


def test_a_log_without_one_readable_entry_is_refused() -> None:
    with pytest.raises(DocumentError, match="not a message log: no entry could be read"):
        read_log("cp1.jsonl", "garbage\n")


def test_answers_are_paired_per_station() -> None:
    text = "\n".join(
        [
            entry("to_csms", [2, "1", "Authorize", {"idTag": "A"}], station="CP1"),
            entry("to_csms", [2, "1", "Authorize", {"idTag": "B"}], station="CP2"),
            entry("to_station", [3, "1", {"idTagInfo": {"status": "Accepted"}}], station="CP2"),
        ]
    )
    first, second, answer = read_log("two.jsonl", text).messages
    assert first.answer is None and second.answer is answer


def test_answers_are_paired_with_their_call() -> None:
    doc = read_documentation(FIXTURES / "alpitronic-onsitepay.jsonl")
    authorize = next(m for m in doc.messages if m.message_id == "Authorize")
    assert authorize.answer is not None and authorize.answer_status == "Accepted"
    assert authorize.answer_data == {"tagId": "OSP-7F3A21C9"}
    assert authorize.data_was_string and authorize.data_is_json


# -- frames -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ([2, "1"], "not an OCPP-J frame"),
        ([7, "1", "Heartbeat", {}], "unknown message type 7"),
        ([2, 1, "Heartbeat", {}], "message id"),
        ([2, "1", "Heartbeat", []], "payload of Heartbeat is not a JSON object"),
        ([3, "1", "Accepted"], "CALLRESULT is [3, id, payload]"),
        ([4, "1", "InternalError"], "type 4 frame"),
    ],
)
def test_what_is_not_a_frame_says_why(frame: list[Any], reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("[", r"\[")):
        parse_frame(frame)


def test_frames_of_every_type_parse() -> None:
    assert parse_frame([2, "1", "Heartbeat", {}]) == (2, "1", "Heartbeat", {}, None)
    assert parse_frame([3, "1", {"currentTime": "x"}]) == (3, "1", None, {"currentTime": "x"}, None)
    assert parse_frame([4, "1", "NotSupported", "no", {"a": 1}]) == (4, "1", None, {"a": 1}, "NotSupported")


# -- text and Markdown ----------------------------------------------------------------------------------------------
def test_markdown_examples_take_their_direction_from_the_prose() -> None:
    text = (
        "# Card payments (OCPP 1.6)\n"
        "The vendorId is `Acme.TPE`.\n"
        "After the session the station sends to the CSMS:\n"
        "```json\n" + json.dumps([2, "9", "DataTransfer", REPORT]) + "\n```\n"
        "The CSMS answers:\n"
        '{"status": "Accepted"}\n'
    )
    doc = read_text("guide.md", text)
    report, answer = doc.messages
    assert report.direction == "to_csms" and report.direction_known and report.evidence.line == 5
    assert report.answer is answer and answer.kind == "result"
    assert doc.named_vendor_ids == ["Acme.TPE"] and doc.version_hints == ["1.6"]


def test_a_bare_data_transfer_body_is_an_example_of_unknown_direction() -> None:
    doc = read_text("notes.txt", 'Example: {"vendorId": "Acme", "messageId": "Price", "data": {"kWh": 0.5}}')
    (example,) = doc.messages
    assert example.kind == "example" and not example.direction_known
    assert (example.vendor_id, example.message_id, example.data) == ("Acme", "Price", {"kWh": 0.5})


def test_a_broken_example_is_a_problem_and_prose_brackets_are_not() -> None:
    doc = read_text("notes.txt", 'Prices [in EUR] apply.\n[2, "1", "Heartbeat", {}, ]\n')
    assert doc.messages == []
    assert len(doc.problems) == 1 and "not valid JSON" in doc.problems[0].reason


def test_message_ids_named_in_prose_are_noted() -> None:
    doc = read_text("notes.txt", "The messageId is CardTxReport; the messageId: PriceUpdate.")
    assert doc.named_message_ids == ["CardTxReport", "PriceUpdate"]


# -- HTML and PDF ---------------------------------------------------------------------------------------------------
def test_html_keeps_pre_blocks_with_their_lines_and_skips_scripts() -> None:
    page = (
        "<html><body>\n<p>Sent by the station:</p>\n<pre>"
        + json.dumps([2, "1", "DataTransfer", REPORT])
        + '</pre>\n<script>var x = [2, "2", "Heartbeat", {}];</script>\n</body></html>'
    )
    doc = read_html("guide.html", page)
    (report,) = doc.messages
    assert report.message_id == "CardTxReport" and report.direction == "to_csms" and report.evidence.line == 3


def test_broken_html_is_refused_with_the_reason() -> None:
    with pytest.raises(DocumentError, match="not readable HTML"):
        read_html("x.html", "<html><![foo[ x ]]></html>")


def test_pdf_examples_carry_their_page(tmp_path: Path) -> None:
    raw = minimal_pdf(["The station sends:", json.dumps([2, "1", "DataTransfer", REPORT])])
    doc = read_pdf(tmp_path / "guide.pdf", raw)
    assert doc.messages[0].message_id == "CardTxReport" and doc.messages[0].evidence.page == 1


def test_a_pdf_without_text_is_read_with_a_problem(tmp_path: Path) -> None:
    doc = read_pdf(tmp_path / "scan.pdf", minimal_pdf([]))
    assert doc.messages == [] and "no text could be extracted" in doc.problems[0].reason


def test_a_broken_pdf_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="not a readable PDF"):
        read_pdf(tmp_path / "broken.pdf", b"%PDF-1.4\nnothing")


# -- dialect files ------------------------------------------------------------------------------------------------
def test_a_dialect_file_declares_its_messages(tmp_path: Path) -> None:
    dialect = {
        "id": "com.example.report",
        "title": "Example",
        "version": "1",
        "provenance": {"kind": "vendor-documentation", "source": "guide"},
        "ocpp_versions": ["1.6"],
        "messages": [
            {
                "name": "Report",
                "kind": "data_transfer",
                "vendor_id": "Example.TPE",
                "message_id": "CardTxReport",
                "direction": "to_csms",
                "event": "settled",
            }
        ],
    }
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(dialect))
    doc = read_dialect_file(path)
    (report,) = doc.messages
    assert report.kind == "declared" and report.declared_event == "settled" and report.evidence.entry == 1
    assert doc.named_vendor_ids == ["Example.TPE"] and doc.named_message_ids == ["CardTxReport"]


def test_a_dialect_file_that_does_not_load_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\n")
    with pytest.raises(DocumentError, match=r"bad\.yaml"):
        read_dialect_file(path)


# -- recorded messages ------------------------------------------------------------------------------------------------
STATION = {"id": "CP-9", "vendor": "Acme", "model": "One", "firmware": "1.0", "ocpp_version": "1.6"}


def recorded(**overrides: Any) -> dict[str, Any]:
    moment = datetime(2025, 1, 1, 10, 0, tzinfo=UTC)
    return {
        "vendor_id": "Acme.TPE",
        "message_id": "CardTxReport",
        "ocpp_version": "1.6",
        "count": 3,
        "first_seen_at": moment,
        "last_seen_at": moment,
        "sample": {"data": {"tx": 1}, "dataIsJson": True},
        **overrides,
    }


def test_recorded_messages_are_read_from_plain_dicts() -> None:
    doc = read_recorded("CP-9", STATION, [recorded(), recorded(message_id="", ocpp_version="2.0.1")])
    assert doc.kind == "station" and doc.source == "station CP-9" and doc.station == STATION
    first, second = doc.messages
    assert (first.message_id, first.data, first.count) == ("CardTxReport", {"tx": 1}, 3)
    assert second.message_id is None and "seen 3 times" in first.evidence.excerpt
    assert doc.version_hints == ["1.6", "2.0.1"]


def test_recorded_messages_of_an_unknown_station_are_refused() -> None:
    with pytest.raises(DocumentError, match="station CP-404: no such station"):
        read_recorded("CP-404", None, [])


# -- picking the reader ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("cp1.log", entry("to_csms", [2, "1", "Heartbeat", {}]), "log"),
        ("capture", entry("to_csms", [2, "1", "Heartbeat", {}]), "log"),
        ("guide", "<!DOCTYPE html><html><p>nothing</p></html>", "document"),
        ("notes", "just prose", "document"),
    ],
)
def test_the_reader_is_chosen_by_suffix_then_content(tmp_path: Path, name: str, content: str, kind: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    assert read_documentation(path).kind == kind


def test_a_directory_is_not_a_document(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="is a directory"):
        read_documentation(tmp_path)


# -- hostile documents: bounded work --------------------------------------------------------------------------
def _seconds(text: str) -> float:
    started = time.perf_counter()
    read_text("notes.md", text)
    return time.perf_counter() - started


@pytest.mark.parametrize("unit", ["[", '["', "{[", '[2, "1", '], ids=["brackets", "quotes", "mixed", "frames"])
def test_the_example_scanner_is_linear_in_the_text(unit: str) -> None:
    # 20,000 "[" took 16.9 s when each bracket started a walk to the end of the text.
    assert _seconds(unit * 20_000) < 1
    small, large = _seconds(unit * 50_000), _seconds(unit * 400_000)
    assert large < 24 * small + 0.5, (small, large)  # 8 times the text: about 8 times the time (not 64)


def test_values_nested_deeper_than_an_example_may_are_skipped_and_the_rest_is_read() -> None:
    frame = '[2, "1", "DataTransfer", {"vendorId": "Acme", "messageId": "Paid", "data": "{}"}]'
    text = "x " + "[" * 30 + "1" + "]" * 30 + "\nThe station sends:\n" + frame + "\n" + "[" * 100_000
    doc = read_text("notes.md", text)
    assert [m.message_id for m in doc.messages] == ["Paid"]
    assert value_ends("[" * (MAX_EXAMPLE_DEPTH + 1) + "]" * (MAX_EXAMPLE_DEPTH + 1)) == {
        n: 2 * (MAX_EXAMPLE_DEPTH + 1) - n for n in range(1, MAX_EXAMPLE_DEPTH + 1)
    }  # every value but the outermost, which nests one level too deep


def test_a_log_line_nested_too_deep_is_a_problem_not_a_crash() -> None:
    deep_line = '{"direction": "to_csms", "message": ' + "[" * 5000 + "]" * 5000 + "}"
    frame = [2, "1", "DataTransfer", {"vendorId": "Acme", "messageId": "Paid", "data": "[" * 3000 + "]" * 3000}]
    good = json.dumps({"direction": "to_csms", "message": [2, "2", "Heartbeat", {}]})
    doc = read_log(
        "capture.jsonl", "\n".join([deep_line, json.dumps({"direction": "to_csms", "message": frame}), good])
    )
    assert [m.action for m in doc.messages] == ["DataTransfer", "Heartbeat"]
    assert doc.problems[0].reason == f"nests deeper than {MAX_DEPTH} levels" and doc.problems[0].line == 1
    assert doc.messages[0].data_is_json is False  # data nested too deep is kept as text
