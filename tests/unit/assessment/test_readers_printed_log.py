"""Printed logs: frames among timestamps, station ids and direction markers, as a CSMS or a station prints them.

The marker table, the station id, whose log it is, frames over several lines, interleaved stations,
CSV exports, unreadable lines by number, and the choice of reader by content whatever the name.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from ocpay.assessment import DocumentError, read_documentation
from ocpay.assessment.readers import read_by_content
from ocpay.assessment.readers.printed_log import (
    MARKERS,
    looks_like_printed_log,
    marker_of,
    read_printed_log,
    station_of,
)

BOOT = [2, "b1", "BootNotification", {"chargePointVendor": "Acme", "chargePointModel": "One"}]
BOOTED = [3, "b1", {"status": "Accepted", "currentTime": "2025-03-04T10:00:00Z", "interval": 300}]
REPORT = [2, "r1", "DataTransfer", {"vendorId": "Acme.TPE", "messageId": "CardTxReport", "data": '{"total": 4.2}'}]
ACCEPTED = [3, "r1", {"status": "Accepted"}]
PRICE = [2, "p1", "DataTransfer", {"vendorId": "Acme.TPE", "messageId": "SetPrice", "data": '{"kWh": 0.59}'}]


def f(frame: list[Any]) -> str:
    return json.dumps(frame, separators=(",", ":"))


def directions(text: str, source: str = "cp.log") -> list[tuple[str | None, str, str]]:
    doc = read_printed_log(source, text)
    return [(m.action, m.kind, m.direction) for m in doc.messages]


# -- the marker table ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("prefix", "side"),
    [
        ("2025-03-04 10:00:00 CP->CS ", "to_csms"),
        ("2025-03-04 10:00:00 CS->CP ", "to_station"),
        ("10:00:00 ChargePoint -> CentralSystem: ", "to_csms"),
        ("10:00:00 CSMS → station ", "to_station"),
        ("10:00:00 CS -> CSMS ", "to_csms"),  # 2.x words: CS is the charging station
        ("10:00:00 CSMS -> CS ", "to_station"),
        ("10:00:00 CP-0042 -> CSMS ", "to_csms"),  # whoever sends to the CSMS is the station
        ("10:00:00 server => CP-0042 ", "to_station"),
        ("10:00:00 received from station CP-1: ", "to_csms"),
        ("10:00:00 sending to the charger CP-1: ", "to_station"),
        ("10:00:00 message from the backend ", "to_station"),
        ("2025-03-04 [CP] ", "to_csms"),
        ("2025-03-04 [CSMS] ", "to_station"),
        ("2025-03-04 [CS] ", "cs_sends"),  # which side CS is: the log's words, or its standard CALLs
        ("10:00:00 RECV ", "in"),
        ("10:00:00 Rx: ", "in"),
        ("10:00:00 incoming ", "in"),
        ("10:00:00 SEND ", "out"),
        ("10:00:00 sent: ", "out"),
        ("10:00:00 IN ", "in"),
        ("10:00:00 OUT ", "out"),
        ("10:00:00 [in] ", "in"),
        ("10:00:00 <- ", "in"),
        ("10:00:00 << ", "in"),
        ("10:00:00 -> ", "out"),
        ("10:00:00 >> ", "out"),
        ("direction=to_csms message=", "to_csms"),
    ],
)
def test_each_marker_style_says_a_side(prefix: str, side: str) -> None:
    marker = marker_of(prefix)
    assert marker is not None and marker[1] == side, marker


@pytest.mark.parametrize(
    "prefix",
    [
        "2025-03-04 10:00:00,123 INFO [main] station=TX-1 ",  # TX inside an id is no marker
        "2025-03-04 10:00:00 station=IN-2 ",
        "2025-03-04 10:00:00 DEBUG o.e.ocpp.Handler - ",
        "",
    ],
)
def test_words_inside_ids_and_plain_prefixes_are_no_markers(prefix: str) -> None:
    assert marker_of(prefix) is None


def test_every_marker_style_is_reachable() -> None:
    """No row of the table is shadowed by the rows before it for its own example."""
    examples = {
        "station -> CSMS arrow": "station -> CSMS",
        "CSMS -> station arrow": "CSMS -> station",
        "CS -> CSMS arrow (2.x words)": "CS -> CSMS",
        "CSMS -> CS arrow (2.x words)": "CSMS -> CS",
        "CP -> CS arrow (1.6 words)": "CP -> CS",
        "CS -> CP arrow (1.6 words)": "CS -> CP",
        "anything -> CSMS": "EVB-7 -> server",
        "CSMS -> anything": "server -> EVB-7",
        "from the station / to the CSMS": "from station",
        "from the CSMS / to the station": "from the CSMS",
        "sender tag [CP]": "[CP]",
        "sender tag [CSMS]": "[CSMS]",
        "sender tag [CS]": "[CS]",
        "received": "RECV",
        "sent": "SEND",
        "IN": "IN",
        "OUT": "OUT",
        "arrow in (<-, <<)": "<<",
        "arrow out (->, >>)": ">>",
    }
    for name, _, _ in MARKERS:
        if name in examples:
            marker = marker_of(examples[name])
            assert marker is not None and marker[0] == name, (name, marker)
    assert set(examples) <= {name for name, _, _ in MARKERS}


@pytest.mark.parametrize(
    ("prefix", "station"),
    [
        (
            "2025-03-04 10:00:00,1 INFO [qtp-42] d.r.i.s.WebSocketLogger - [chargeBoxId=ACME-0001, sessionId=5c] <- ",
            "ACME-0001",
        ),
        ("2025-03-04T10:00:00Z [ACME-0002] >> ", "ACME-0002"),
        ("10:00:00  VP-01  CP->CS  ", "VP-01"),
        ("10:00:00 received from station CP_7: ", "CP_7"),
        ("10:00:00 ws://csms.example/ocpp/EVB-P1234 RECV ", "EVB-P1234"),
        ("10:00:00 EVB-7 -> server ", "EVB-7"),
        ("INFO:ocpp:CP-1: receive message ", "CP-1"),  # the ocpp package's own log lines
        ("[MO] debug (Connection.cpp:201) 10:00:00: Send: ", None),  # a source line is not a station
        ("2025-03-04 10:00:00 INFO [main] o.e.Handler - RECV ", None),
    ],
)
def test_the_station_id_is_read_from_the_prefix(prefix: str, station: str | None) -> None:
    assert station_of(prefix) == station


# -- whose log it is -------------------------------------------------------------------------------------------------
def test_recv_and_send_in_a_csms_log() -> None:
    csms = f"10:00:00 RECV {f(BOOT)}\n10:00:01 SEND {f(BOOTED)}\n10:01:00 SEND {f(PRICE)}\n"
    assert directions(csms) == [
        ("BootNotification", "call", "to_csms"),
        ("BootNotification", "result", "to_station"),
        ("DataTransfer", "call", "to_station"),  # a DataTransfer CALL could come from either side: the marker says
    ]


def test_the_standard_calls_decide_whose_log_it_is_when_the_text_does_not_say() -> None:
    station_log = f"10:00:00 Send: {f(BOOT)}\n10:00:01 Recv: {f(BOOTED)}\n10:01:00 Recv: {f(PRICE)}\n"
    doc = read_printed_log("mo.txt", station_log)
    boot, booted, price = doc.messages
    assert (boot.direction, booted.direction, price.direction) == ("to_csms", "to_station", "to_station")
    assert price.direction_known and boot.answer is booted


@pytest.mark.parametrize("side", ["csms", "station"])
def test_the_ocpp_package_s_log_lines_read_on_either_side(side: str) -> None:
    """`ocpp` logs "<id>: send <frame>" and "<id>: receive message <frame>", as a CSMS and as a station alike."""
    boot, booted = ("receive message", "send") if side == "csms" else ("send", "receive message")
    text = (
        f"INFO:ocpp:CP-1: {boot} {f(BOOT)}\nINFO:ocpp:CP-1: {booted} {f(BOOTED)}\nINFO:ocpp:CP-1: {booted} {f(PRICE)}\n"
    )
    doc = read_printed_log("ocpp.log", text)
    assert [(m.station, m.direction) for m in doc.messages] == [
        ("CP-1", "to_csms"),
        ("CP-1", "to_station"),
        ("CP-1", "to_station"),  # marked as the BootNotification's answer is: from the CSMS, in either log
    ]


def test_the_text_saying_whose_log_it_is_wins() -> None:
    text = f"# charge point log, firmware 2.4\n10:01:00 RECV {f(PRICE)}\n10:01:01 SEND {f([3, 'p1', {}])}\n"
    price, answer = read_printed_log("cp.log", text).messages
    assert (price.direction, answer.direction) == ("to_station", "to_csms") and price.direction_known


def test_without_a_statement_or_a_standard_call_in_and_out_are_a_csms_log_but_not_known() -> None:
    price, answer = read_printed_log("x.log", f"10:01:00 RECV {f(PRICE)}\n10:01:01 SEND {f([3, 'p1', {}])}\n").messages
    assert (price.direction, answer.direction) == ("to_csms", "to_station")
    assert not price.direction_known and price.answer is answer


@pytest.mark.parametrize(
    ("banner", "price_direction"),
    [
        ("OCPP 2.0.1 trace between CSMS and charging station", "to_csms"),  # CS is the charging station
        ("OCPP 1.6 trace between central system and charge point", "to_station"),  # CS is the central system
    ],
)
def test_cs_means_what_the_log_s_words_make_it(banner: str, price_direction: str) -> None:
    text = f"{banner}\n10:01:00 [CS] {f(PRICE)}\n"
    assert read_printed_log("t.log", text).messages[0].direction == price_direction


def test_cs_tags_follow_the_standard_calls_over_the_words() -> None:
    text = f"central system and charge point\n10:00:00 [CS] {f(BOOT)}\n10:00:01 [CSMS] {f(BOOTED)}\n"
    assert read_printed_log("t.log", text).messages[0].direction == "to_csms"  # a BootNotification: CS = station


def test_an_answer_marked_the_same_way_as_its_call_is_reported() -> None:
    text = f"10:01:00 CP->CS {f(REPORT)}\n10:01:01 CP->CS {f(ACCEPTED)}\n"
    doc = read_printed_log("x.log", text)
    assert [(p.line, p.reason) for p in doc.problems] == [
        (2, "answers the call of line 1 but is marked the same direction")
    ]


# -- lines: frames over several lines, stations interleaved, banners, problems -----------------------------------
def test_frames_over_several_lines_and_interleaved_stations_pair_per_station() -> None:
    pretty = json.dumps(REPORT, indent=2).splitlines()
    text = "\n".join(
        [
            "==== gateway trace ====",
            "# comment",
            f"2025-03-04T10:00:00Z [CP-1] << {f(REPORT)}",
            f"2025-03-04T10:00:00Z [CP-2] << {pretty[0]}",
            *pretty[1:],
            f"2025-03-04T10:00:01Z [CP-2] >> {f(ACCEPTED)}",
            f"2025-03-04T10:00:01Z [CP-1] >> {f([3, 'r1', {'status': 'Rejected'}])}",
            "",
        ]
    )
    doc = read_printed_log("gw.txt", text)
    assert [(m.evidence.line, m.station, m.kind, m.direction) for m in doc.messages] == [
        (3, "CP-1", "call", "to_csms"),
        (4, "CP-2", "call", "to_csms"),
        (4 + len(pretty), "CP-2", "result", "to_station"),
        (5 + len(pretty), "CP-1", "result", "to_station"),
    ]
    first, second, second_answer, first_answer = doc.messages
    assert first.answer is first_answer and second.answer is second_answer
    assert first.answer_status == "Rejected" and second.answer_status == "Accepted"
    assert second.message_id == "CardTxReport" and second.data == {"total": 4.2}
    assert not doc.problems


def test_unreadable_frame_lines_are_reported_by_number_and_the_rest_is_read() -> None:
    text = "\n".join(
        [
            "boot banner, nothing to read",
            f"10:00:00 RECV {f(BOOT)}",
            '10:00:01 SEND [3,"b1",{"status":',  # cut short: the next line starts a record of its own
            f"10:00:02 RECV {f(REPORT)}",
            '10:00:03 SEND [7,"r1",{}]',  # no such message type: not a frame start at all, skipped
            '10:00:04 SEND [3,"r1","Accepted"]',  # a frame, but not OCPP-J
        ]
    )
    doc = read_printed_log("cp.log", text)
    assert [m.evidence.line for m in doc.messages] == [2, 4]
    assert [(p.line, p.reason.split(" (")[0]) for p in doc.problems] == [
        (3, "a frame that is not JSON"),
        (6, "a CALLRESULT is [3, id, payload] with an object payload"),
    ]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "the file is empty"),
        ("== banner ==\n10:00:00 connected\n", "no line holds an OCPP-J frame"),
        (
            '10:00:00 RECV [2,"1","Heartbeat",{\n10:00:01 RECV [2,"2",\n',
            "no frame could be read (2 unreadable; x.log line 1",
        ),
    ],
)
def test_a_log_with_nothing_readable_says_why(text: str, why: str) -> None:
    with pytest.raises(DocumentError, match=f"x.log: not a message log: {why}".replace("(", r"\(")):
        read_printed_log("x.log", text)


def test_timestamps_and_versions_are_kept() -> None:
    doc = read_printed_log("x.log", f"connecting, subprotocol ocpp1.6\n2025-03-04T10:00:00.5Z RECV {f(BOOT)}\n")
    assert doc.messages[0].timestamp == "2025-03-04T10:00:00.5Z" and doc.version_hints == ["1.6"]


def test_a_station_named_by_a_banner_holds_for_the_lines_after_it() -> None:
    text = f"connecting to wss://csms.example/ocpp/HYC-0042\n10:00:00 Send: {f(BOOT)}\n"
    assert read_printed_log("mo.txt", text).messages[0].station == "HYC-0042"


# -- CSV exports ------------------------------------------------------------------------------------------------------
def test_a_csv_export_is_read_by_its_columns_with_a_cell_over_two_lines() -> None:
    def cell(frame: list[Any]) -> str:
        return '"' + f(frame).replace('"', '""') + '"'

    wrapped = cell(REPORT).replace(',""data""', ',\n""data""')
    text = "\n".join(
        [
            "timestamp;charge_point_id;direction;message",
            f"2025-03-04T10:00:00Z;CP-1;CP->CS;{cell(BOOT)}",
            f"2025-03-04T10:00:01Z;CP-1;CS->CP;{cell(BOOTED)}",
            f"2025-03-04T10:01:00Z;CP-1;CP->CS;{wrapped}",
            '2025-03-04T10:01:01Z;CP-1;CS->CP;"[3,""r1"",{"',
            f"2025-03-04T10:01:02Z;CP-1;CS->CP;{cell(ACCEPTED)}",
        ]
    )
    assert looks_like_printed_log(text)
    doc = read_printed_log("export.csv", text)
    assert [(m.evidence.line, m.station, m.timestamp, m.kind, m.direction) for m in doc.messages] == [
        (2, "CP-1", "2025-03-04T10:00:00Z", "call", "to_csms"),
        (3, "CP-1", "2025-03-04T10:00:01Z", "result", "to_station"),
        (4, "CP-1", "2025-03-04T10:01:00Z", "call", "to_csms"),
        (7, "CP-1", "2025-03-04T10:01:02Z", "result", "to_station"),
    ]
    assert doc.messages[2].answer is doc.messages[3]
    assert [(p.line, p.reason.split(" (")[0]) for p in doc.problems] == [(6, "the frame column is not JSON")]


def test_a_csv_export_without_a_direction_column_falls_back_on_the_standard_actions() -> None:
    text = f'time,station,frame\n10:00:00,CP-1,"{f(BOOT).replace(chr(34), chr(34) * 2)}"\n'
    (boot,) = read_printed_log("export.csv", text).messages
    assert boot.direction == "to_csms" and boot.station == "CP-1"


# -- the reader is chosen by content, whatever the name ----------------------------------------------------------------
PRINTED = f"2025-03-04T10:00:00Z CP-1 RECV {f(BOOT)}\n2025-03-04T10:00:01Z CP-1 SEND {f(BOOTED)}\n"
JSONL = json.dumps({"direction": "to_csms", "station": "CP-1", "message": BOOT}) + "\n"


@pytest.mark.parametrize("name", ["cp.log", "cp.txt", "cp.csv", "cp", "cp.json", "cp.out"])
def test_a_printed_log_is_read_under_any_name(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text(PRINTED)
    doc = read_documentation(tmp_path / name)
    assert doc.kind == "log" and [m.direction for m in doc.messages] == ["to_csms", "to_station"]


@pytest.mark.parametrize("name", ["cp.log", "cp.txt", "cp", "cp.jsonl"])
def test_json_lines_stay_json_lines_under_any_name(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text(JSONL)
    doc = read_documentation(tmp_path / name)
    assert doc.kind == "log" and doc.messages[0].evidence.line == 1 and doc.messages[0].station == "CP-1"


def test_a_prose_document_with_examples_stays_a_document() -> None:
    text = f"The station sends a BootNotification:\n\n{f(BOOT)}\n\nThe CSMS answers:\n\n{f(BOOTED)}\n"
    assert not looks_like_printed_log(text)
    assert read_by_content("guide.txt", text).kind == "document"


def test_a_file_named_log_with_nothing_readable_is_refused_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "cp.log").write_text("service started\nservice stopped\n")
    with pytest.raises(DocumentError, match=r"cp\.log: not a message log: no line holds an OCPP-J frame"):
        read_documentation(tmp_path / "cp.log")


# -- bounded work ------------------------------------------------------------------------------------------------------
def test_many_unclosed_frames_are_read_in_linear_time() -> None:
    line = '10:00:00 RECV [2,"1","Heartbeat",{"a":[' + "[" * 50
    continuation = "[" * 20
    text = "\n".join([line, *[continuation] * 30] * 2000)  # every frame runs on, none closes
    started = time.perf_counter()
    with pytest.raises(DocumentError, match="no frame could be read"):
        read_printed_log("x.log", text)
    assert time.perf_counter() - started < 3


def test_an_overlong_line_is_reported_not_read() -> None:
    text = f'10:00:00 RECV {f(BOOT)}\n10:00:01 RECV [2,"x","Heartbeat",{{"pad":"{"x" * 300_000}"}}]\n'
    doc = read_printed_log("x.log", text)
    assert len(doc.messages) == 1
    assert [(p.line, p.reason) for p in doc.problems] == [(2, "longer than 200000 characters: not read")]


def test_a_frame_nesting_too_deep_is_reported_not_read() -> None:
    deep = '[2,"d","DataTransfer",{"vendorId":"x","data":' + "[" * 100 + "]" * 100 + "}]"
    doc = read_printed_log("x.log", f"10:00:00 RECV {f(BOOT)}\n10:00:01 RECV {deep}\n")
    assert len(doc.messages) == 1
    assert [(p.line, p.reason) for p in doc.problems] == [(2, "a frame that nests deeper than 64 levels")]
