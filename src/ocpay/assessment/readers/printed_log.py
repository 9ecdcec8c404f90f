"""Reader for a log as a CSMS or a station prints it: one frame per line among timestamps, ids and markers.

A printed log line carries an OCPP-J frame (``[2,"id","Action",{...}]``) after a prefix: a timestamp,
often a level and a logger, the station's id, and a direction marker in one of many styles
(`MARKERS`). A frame may run on over the next lines (pretty-printed or wrapped); several stations
may be interleaved (answers pair per station); banner, comment and connection lines are skipped.
A CSV export with a frame column (and maybe timestamp, station and direction columns) is read
by its columns instead.

Direction comes from the marker, never from a CALL's type alone. A marker either names the sender
outright (``CP->CS``, ``from station``, ``[CSMS]``) or only says in or out (``RECV``/``SEND``,
``<-``/``->``, ``>>``/``<<``, ``IN``/``OUT``): whose log it is then decides, read from the text
where it says so (``CSMS log``, ``charge point firmware``), else from the standard actions the log
shows (a BootNotification is always the station's). ``CS`` alone means the central system in a
log that speaks of charge points, the charging station in one that speaks of a CSMS. Answers are
paired with their calls by id; an answer marked the same way as its call is reported.

Everything is linear in the text: each line is scanned once, a frame is at most `MAX_FRAME_CHARS`
characters over at most `MAX_FRAME_LINES` lines, and a longer line is reported, not read (a CSV line is
cut to `MAX_LINE_CHARS` instead, so its frame cell reads as broken JSON and is reported so).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from ocpay.assessment.evidence import (
    MAX_DEPTH,
    Direction,
    Documentation,
    DocumentError,
    Evidence,
    Observed,
    Problem,
    TooDeep,
    nests_deeper,
    parse_json,
)
from ocpay.assessment.readers.common import excerpt_of, unique
from ocpay.assessment.readers.frames import TO_CSMS_ACTIONS, TO_STATION_ACTIONS, Pairing, observe_frame

MAX_LINE_CHARS = 200_000  # a longer line is reported, not read
MAX_FRAME_CHARS = 200_000  # longest frame, continuation lines included
MAX_FRAME_LINES = 400  # most lines one frame may run over
MAX_PREFIX_CHARS = 400  # the part of a line before its frame that may hold the marker

# What a marker says: the sender outright, or only in / out of the log's owner, or "CS" (whose meaning
# depends on the log's vocabulary).
Side = Literal["to_csms", "to_station", "in", "out", "cs_sends"]

_ST = r"(?:cp|charge[\s_-]?point|charging[\s_-]?station|station|charger|evse|wallbox|client)"
_CE = r"(?:csms|central[\s_-]?system|backend|back-end|server|cpms|ocpp[\s_-]?server)"
_TO = r"\s*(?:->|-->|=>|>>|→|⇒)\s*"
_FROM = r"\s*(?:<-|<--|<=|<<|←|⇐)\s*"


def _word(words: str) -> str:
    """Whole words only: not part of an id such as TX-1 or IN_2."""
    return rf"(?<![\w-])(?:{words})(?![\w-])"


# The marker styles, most specific first: the first that matches a line's prefix (or a CSV direction cell) decides.
MARKERS: tuple[tuple[str, str, Side], ...] = (
    ("station -> CSMS arrow", rf"\b{_ST}{_TO}{_CE}\b|\b{_CE}{_FROM}{_ST}\b", "to_csms"),
    ("CSMS -> station arrow", rf"\b{_CE}{_TO}{_ST}\b|\b{_ST}{_FROM}{_CE}\b", "to_station"),
    ("CS -> CSMS arrow (2.x words)", rf"\bcs{_TO}csms\b|\bcsms{_FROM}cs\b", "to_csms"),
    ("CSMS -> CS arrow (2.x words)", rf"\bcsms{_TO}cs\b|\bcs{_FROM}csms\b", "to_station"),
    ("CP -> CS arrow (1.6 words)", rf"\b{_ST}{_TO}cs\b|\bcs{_FROM}{_ST}\b", "to_csms"),
    ("CS -> CP arrow (1.6 words)", rf"\bcs{_TO}{_ST}\b|\b{_ST}{_FROM}cs\b", "to_station"),
    ("anything -> CSMS", rf"{_TO}{_CE}\b|\b{_CE}{_FROM}", "to_csms"),
    ("CSMS -> anything", rf"\b{_CE}{_TO}|{_FROM}{_CE}\b", "to_station"),
    ("ocpay's own words", r"\bto_csms\b", "to_csms"),
    ("ocpay's own words", r"\bto_station\b", "to_station"),
    ("from the station / to the CSMS", rf"\bfrom\s+(?:the\s+)?{_ST}\b|\bto\s+(?:the\s+)?{_CE}\b", "to_csms"),
    ("from the CSMS / to the station", rf"\bfrom\s+(?:the\s+)?{_CE}\b|\bto\s+(?:the\s+)?{_ST}\b", "to_station"),
    ("sender tag [CP]", rf"[\[(<]{_ST}[\])>]", "to_csms"),
    ("sender tag [CSMS]", rf"[\[(<]{_CE}[\])>]", "to_station"),
    ("sender tag [CS]", r"[\[(<]cs[\])>]", "cs_sends"),
    ("received", _word(r"recv|rcvd|rcv|rx|received?|receiving|incoming|inbound"), "in"),
    ("sent", _word(r"send|sent|sending|tx|outgoing|outbound"), "out"),
    ("IN", r"(?-i:(?<![\w-])IN(?![\w-]))|[\[(<]in[\])>]|\bin\s*:", "in"),
    ("OUT", r"(?-i:(?<![\w-])OUT(?![\w-]))|[\[(<]out[\])>]|\bout\s*:", "out"),
    ("arrow in (<-, <<)", r"<-|<<|<=|←", "in"),
    ("arrow out (->, >>)", r"->|>>|=>|→", "out"),
)
_MARKERS = [(name, re.compile(pattern, re.IGNORECASE), side) for name, pattern, side in MARKERS]

# Whose log it is, where the text says so: (pattern, owner).
OWNER_STATEMENTS: tuple[tuple[str, Literal["csms", "station"]], ...] = (
    (rf"\b{_CE}\s+(?:log|trace|journal)\b|\b(?:log|trace)\s+of\s+the\s+{_CE}\b|\bsteve\b|\bocpp\.core\b", "csms"),
    (rf"\b{_ST}\s+(?:log|trace|journal|firmware)\b|\b(?:log|trace)\s+of\s+the\s+{_ST}\b|\bmicroocpp\b", "station"),
)
_OWNER_STATEMENTS = [(re.compile(p, re.IGNORECASE), owner) for p, owner in OWNER_STATEMENTS]
_SAYS_CSMS = re.compile(r"\bcsms\b|\bcharging\s+station\b", re.IGNORECASE)  # 2.x words: CS is the station
_SAYS_CP = re.compile(
    r"(?<![\w-])cp(?![\w-])|\bcharge\s?point\b|\bcentral\s+system\b", re.IGNORECASE
)  # 1.6: CS is central

_FRAME_START = re.compile(r"\[\s*[2-6]\s*,\s*\"")
_DECODER = json.JSONDecoder()
_DIGIT = re.compile(r"\d")
_OPEN_AT_END = re.compile(r"\[\s*(?:[2-6]\s*,\s*)?$")
_SYNTAX = re.compile(r'[\[\]{}"\\]')
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|\d{2}[./]\d{2}[./]\d{4}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?|\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b"
)
_STATION_KEYED = re.compile(
    r"\b(?:charge_?box_?id|charge_?point_?id|charge_?point|station_?id|station|cp_?id|cp|identity|charger_?id"
    r"|charger|evse_?id|client_?id)\s*[=:]\s*\"?([A-Za-z0-9][\w.:\-]{0,63})",
    re.IGNORECASE,
)
_STATION_URL = re.compile(r"wss?://[^\s/]+(?:/[^\s/]+)*/([A-Za-z0-9][\w.\-]{0,63})\b")
_STATION_NAMED = re.compile(rf"\b(?:from|to)\s+(?:the\s+)?{_ST}\s+([A-Za-z0-9][\w.\-]{{0,63}})", re.IGNORECASE)
_BRACKETED = re.compile(r"[\[(<]([A-Za-z0-9][\w.:\-]{0,63})[\])>]")
_ARROW_NEIGHBOUR = re.compile(
    r"([A-Za-z0-9][\w.\-]{1,63})\s*(?:->|<-|=>|<=|>>|<<)|(?:->|<-|=>|<=|>>|<<)\s*([A-Za-z0-9][\w.\-]{1,63})"
)
_TOKEN = re.compile(r"(?<![\w.\-])([A-Za-z][\w.\-]{1,63})(?![\w\-])")  # a bare word of the prefix
_NOT_STATION = re.compile(
    rf"^(?:{_ST}|{_CE}|cs|trace|debug|info|information|notice|warn|warning|error|err|fatal|critical|verbose"
    r"|in|out|rx|tx|recv|rcvd|send|sent|received|receive|sending|incoming|outgoing|main|ocpp|ocpp16|ocpp201|ocpp21"
    r"|ocpp1\.6|ocpp2\.0\.1|ocpp2\.1|ws|wss|json|call|callresult|callerror|request|response|mo|the)$"
    r"|thread|pool|worker|^qtp|^nio-|^exec-|^task-|^\d+$|^[\d:.,TZ+\-]+$",
    re.IGNORECASE,
)
_CSV_FRAME_COLUMN = re.compile(
    r"^(?:frame|message|msg|ocpp_?message|ocpp_?frame|payload|raw|raw_?message|content|body|data)$", re.I
)
_CSV_TIME_COLUMN = re.compile(r"time|date", re.IGNORECASE)
_CSV_STATION_COLUMN = re.compile(r"station|charge_?box|charge_?point|charger|^cp(?:_?id)?$|identity|evse", re.I)
_CSV_DIRECTION_COLUMN = re.compile(r"^(?:direction|dir|origin|source|from|sender|flow|way|in_?out)$", re.I)
_VERSION = re.compile(r"OCPP[\s-]*(?:J\s*)?(1\.6|2\.0\.1|2\.1)(?:-?J)?\b", re.IGNORECASE)


@dataclass(slots=True)
class PrintedFrame:
    """One frame as a printed log shows it: where, when, from which station, and what its marker says."""

    line: int
    frame: Any
    timestamp: str | None
    station: str | None
    side: Side | None  # None: no marker


def marker_of(prefix: str) -> tuple[str, Side] | None:
    """The direction marker of a line's prefix (text before the frame): (style name, side), None when none.

    Only the last MAX_PREFIX_CHARS characters count. Lines of one log share a few shapes once their digits
    are alike (no marker names a digit), so each shape is looked up in the table once.
    """
    return _marker_of_shape(_DIGIT.sub("0", prefix[-MAX_PREFIX_CHARS:]))


@lru_cache(maxsize=4096)
def _marker_of_shape(prefix: str) -> tuple[str, Side] | None:
    for name, pattern, side in _MARKERS:
        if pattern.search(prefix):
            return name, side
    return None


def station_of(prefix: str) -> str | None:
    """The station id a line's prefix names (key=value, a ws:// URL, "from station X", [X], X ->), or None."""
    for pattern in (_STATION_KEYED, _STATION_URL, _STATION_NAMED):
        match = pattern.search(prefix)
        if match and not _NOT_STATION.search(match.group(1)):
            return match.group(1)
    for pattern in (_BRACKETED, _ARROW_NEIGHBOUR, _TOKEN):
        for match in pattern.finditer(prefix):
            candidate = match.group(1) or (match.group(2) if pattern is _ARROW_NEIGHBOUR else None)
            if candidate and _could_be_station(candidate):
                return candidate
    return None


def _could_be_station(token: str) -> bool:
    if _NOT_STATION.search(token) or _TIMESTAMP.fullmatch(token):
        return False
    if ":" in token or re.search(r"\.[A-Za-z]", token):
        return False  # a logger, a source file and line (o.e.ocpp.Handler, Connection.cpp:88)
    return any(c.isdigit() for c in token) or "-" in token or "_" in token


def looks_like_printed_log(text: str) -> bool:
    """Whether a text is a printed log: most of the lines that hold a frame have a timestamp or a marker before it.

    A CSV export with a frame column counts too. Looks at the first 400 lines only.
    """
    lines = text.splitlines()[:400]
    if _csv_header(lines) is not None:
        return True
    framed = prefixed = 0
    for line in lines:
        match = _FRAME_START.search(line[:MAX_LINE_CHARS])
        if match is None:
            continue
        framed += 1
        prefix = line[: match.start()]
        if _TIMESTAMP.search(prefix) or marker_of(prefix) is not None:
            prefixed += 1
    return prefixed >= 1 and prefixed * 2 >= framed


def read_printed_log(source: str, text: str) -> Documentation:
    """The frames of a printed log (or CSV export), directions from their markers, answers paired.

    Lines that hold a frame that cannot be read are problems (by line number); the rest is read.
    DocumentError when no frame at all can be read, saying why.
    """
    doc = Documentation(source=source, kind="log")
    doc.version_hints = unique(m.group(1) for m in _VERSION.finditer(text[:MAX_FRAME_CHARS]))
    lines = text.splitlines()
    header = _csv_header(lines[:400])
    printed = list(_csv_frames(text, header, doc) if header else _line_frames(lines, doc))
    resolve = _Resolver(text, printed)
    pairing = Pairing()
    for item in printed:
        evidence = Evidence(source, line=item.line, excerpt=excerpt_of(item.frame))
        try:
            direction, known = resolve.direction(item)
            observed = observe_frame(item.frame, direction, evidence, station=item.station)
        except ValueError as exc:
            doc.problems.append(Problem(evidence.where(), str(exc), item.line))
            continue
        if direction is not None and not known:
            observed.direction_known = False
        observed.timestamp = item.timestamp
        doc.messages.append(observed)
        pairing.add(observed)
    _check_answers(doc)
    if not doc.messages:
        raise DocumentError(f"{source}: not a message log: {_why_nothing(doc, lines)}")
    return doc


def _why_nothing(doc: Documentation, lines: list[str]) -> str:
    if doc.problems:
        first = doc.problems[0]
        return f"no frame could be read ({len(doc.problems)} unreadable; {first.where}: {first.reason})"
    if not any(line.strip() for line in lines):
        return "the file is empty"
    return "no line holds an OCPP-J frame ([2, id, action, payload], [3, id, payload] or [4, ...])"


class _Resolver:
    """Turns markers into directions for one log: whose log it is, and what "CS" means in it."""

    def __init__(self, text: str, printed: list[PrintedFrame]) -> None:
        head = text[:4000]
        stated = _owner_stated(head)
        voted = _voted(printed, ("in", "out"), "in")
        self.owner_known = stated is not None or voted is not None
        if stated is not None:
            self.owner = stated
        else:
            self.owner = "csms" if voted is None or voted else "station"  # a CSMS's log unless shown otherwise
        cs_voted = _voted(printed, ("cs_sends",), "cs_sends")
        self.cs_known = cs_voted is not None
        if cs_voted is not None:
            self.cs_is_station = cs_voted
        else:
            self.cs_is_station = bool(_SAYS_CSMS.search(head)) and not _SAYS_CP.search(head)

    def direction(self, item: PrintedFrame) -> tuple[Direction | None, bool]:
        """(direction, known) from the marker; (None, False) without one (the frame's standard action decides)."""
        if item.side is None:
            return None, False
        if item.side in ("to_csms", "to_station"):
            return item.side, True
        if item.side == "cs_sends":
            return ("to_csms" if self.cs_is_station else "to_station"), self.cs_known
        received = item.side == "in"
        return ("to_csms" if received == (self.owner == "csms") else "to_station"), self.owner_known


def _owner_stated(head: str) -> str | None:
    for pattern, owner in _OWNER_STATEMENTS:
        if pattern.search(head):
            return owner
    return None


def _voted(printed: list[PrintedFrame], sides: tuple[Side, ...], side: Side) -> bool | None:
    """Whether frames marked `side` go to the CSMS, by the standard CALLs so marked (a BootNotification always
    does); None when no standard CALL carries one of `sides` or the votes tie."""
    votes: Counter[bool] = Counter()
    for item in printed:
        if item.side not in sides or not isinstance(item.frame, list) or len(item.frame) < 3 or item.frame[0] != 2:
            continue
        action = item.frame[2]
        if action in TO_CSMS_ACTIONS or action in TO_STATION_ACTIONS:
            votes[(action in TO_CSMS_ACTIONS) == (item.side == side)] += 1
    if votes[True] == votes[False]:
        return None
    return votes[True] > votes[False]


def _check_answers(doc: Documentation) -> None:
    """An answer marked the same way as a call with its id (same station) is a problem of its line."""
    calls: dict[tuple[str | None, str], Observed] = {}
    for observed in doc.messages:
        if observed.kind == "call" and observed.unique_id is not None:
            calls[(observed.station, observed.unique_id)] = observed
        elif observed.kind in ("result", "error") and observed.answers is None and observed.unique_id is not None:
            call = calls.get((observed.station, observed.unique_id))
            if call is not None and call.direction == observed.direction:
                line = observed.evidence.line
                doc.problems.append(
                    Problem(
                        observed.evidence.where(),
                        f"answers the call of line {call.evidence.line} but is marked the same direction",
                        line,
                    )
                )


# -- plain printed lines ---------------------------------------------------------------------------------------
def _line_frames(lines: list[str], doc: Documentation) -> Iterator[PrintedFrame]:
    """The frames of the log's lines, one by one; unreadable frame lines become problems of `doc`."""
    number = 0
    last_station: str | None = None  # a banner line may name the station for the lines after it
    while number < len(lines):
        line, number = lines[number], number + 1
        if len(line) > MAX_LINE_CHARS:
            where = f"{doc.source} line {number}"
            doc.problems.append(Problem(where, f"longer than {MAX_LINE_CHARS} characters: not read", number))
            continue
        start = _frame_start(lines, number - 1)
        if start is None:
            last_station = _banner_station(line) or last_station
            continue
        first_line = number
        try:
            frame, used = _frame_at(lines, number - 1, start)
        except ValueError as exc:
            detail = getattr(exc, "msg", None) or str(exc)
            reason = f"a frame that {exc}" if isinstance(exc, TooDeep) else f"a frame that is not JSON ({detail})"
            doc.problems.append(Problem(f"{doc.source} line {first_line}", reason, first_line))
            continue
        number += used - 1
        prefix = line[:start]
        marker = marker_of(prefix)
        timestamp = _TIMESTAMP.search(prefix)
        yield PrintedFrame(
            line=first_line,
            frame=frame,
            timestamp=timestamp.group() if timestamp else None,
            station=station_of(prefix) or last_station,
            side=marker[1] if marker else None,
        )


def _frame_start(lines: list[str], index: int) -> int | None:
    """Where a frame starts on lines[index]: ``[2,"`` on the line, or a ``[`` (or ``[2,``) that ends it and
    goes on on the next line (a pretty-printed frame); None when no frame starts there."""
    line = lines[index]
    match = _FRAME_START.search(line)
    if match is not None:
        return match.start()
    tail = _OPEN_AT_END.search(line[-40:])
    if tail is None or index + 1 >= len(lines):
        return None
    joined = tail.group() + "".join(following.strip()[:40] for following in lines[index + 1 : index + 3])
    return len(line) - len(tail.group()) if _FRAME_START.match(joined) else None


def _banner_station(line: str) -> str | None:
    """A station named on a line without a frame (``Connected: ws://host/ocpp/CP-7``, ``station=CP-7``)."""
    if len(line) > 2000:
        return None
    for pattern in (_STATION_KEYED, _STATION_URL):
        match = pattern.search(line)
        if match and not _NOT_STATION.search(match.group(1)):
            return match.group(1)
    return None


def _frame_at(lines: list[str], index: int, start: int) -> tuple[Any, int]:
    """The frame that starts at lines[index][start:] and the lines it uses; ValueError when it is not JSON.

    A frame on one line is decoded at once; only one that does not end there is followed over lines.
    """
    try:
        value, _ = _DECODER.raw_decode(lines[index], start)
    except RecursionError:
        raise TooDeep from None
    except ValueError:
        span, used = _frame_text(lines, index, start)
        return parse_json(span), used
    if nests_deeper(value, MAX_DEPTH):
        raise TooDeep
    return value, 1


def _frame_text(lines: list[str], index: int, start: int) -> tuple[str, int]:
    """The frame that starts at lines[index][start:], over as many lines as it runs: (text, lines used).

    Brackets are counted outside strings; the frame ends where they balance. It never runs into a line
    that starts another record (a timestamp first, or a frame of its own), nor past MAX_FRAME_LINES lines
    or MAX_FRAME_CHARS characters: then it is returned as it is, to fail to parse, with 1 line used.
    """
    depth, in_string, escaped_at = 0, False, -1
    parts: list[str] = []
    size = 0
    for used, line in enumerate(lines[index : index + MAX_FRAME_LINES], start=1):
        if used > 1 and _starts_record(line):
            break
        piece = line[start:] if used == 1 else line
        for match in _SYNTAX.finditer(piece):
            position, char = match.start(), match.group()
            if position == escaped_at:
                continue
            if in_string:
                if char == "\\":
                    escaped_at = position + 1
                elif char == '"':
                    in_string = False
            elif char == '"':
                in_string = True
            elif char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
                if depth == 0:
                    parts.append(piece[: position + 1])
                    return "\n".join(parts), used
        escaped_at = -1
        parts.append(piece)
        size += len(piece)
        if size > MAX_FRAME_CHARS:
            break
    return "\n".join(parts)[:MAX_FRAME_CHARS], 1


def _starts_record(line: str) -> bool:
    """Whether a line begins a log record of its own (so it cannot continue the frame before it)."""
    head = line.lstrip()[:40]
    return bool(_TIMESTAMP.match(head)) or _FRAME_START.match(head) is not None


# -- CSV exports -------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Columns:
    delimiter: str
    frame: int
    timestamp: int | None
    station: int | None
    direction: int | None


def _csv_header(lines: list[str]) -> _Columns | None:
    """The columns of a CSV export whose first (non-blank, non-comment) line is a header with a frame column."""
    header = next((line for line in lines if line.strip() and not line.lstrip().startswith("#")), "")
    if not header or _FRAME_START.search(header) or header.lstrip().startswith(("{", "[")):
        return None
    delimiter = max(",;\t|", key=header.count)
    names = [name.strip().strip('"').strip() for name in header.split(delimiter)]
    if len(names) < 2:
        return None
    frame = _column(names, _CSV_FRAME_COLUMN)
    if frame is None:
        return None
    return _Columns(
        delimiter,
        frame,
        _column(names, _CSV_TIME_COLUMN),
        _column(names, _CSV_STATION_COLUMN),
        _column(names, _CSV_DIRECTION_COLUMN),
    )


def _column(names: list[str], pattern: re.Pattern[str]) -> int | None:
    return next((i for i, name in enumerate(names) if pattern.search(name)), None)


def _csv_frames(text: str, columns: _Columns, doc: Documentation) -> Iterator[PrintedFrame]:
    """The frames of a CSV export's rows; a row whose frame cell cannot be read is a problem (by its first line)."""
    lines = _CountedLines(text)
    for line in lines:  # up to the header
        if line.strip() and not line.lstrip().startswith("#"):
            break
    reader = csv.reader(lines, delimiter=columns.delimiter)
    while True:
        first = lines.count + 1
        try:
            row = next(reader, None)
        except csv.Error as exc:
            doc.problems.append(Problem(f"{doc.source} line {first}", f"not a CSV row ({exc})", first))
            continue
        if row is None:
            return
        if not any(cell.strip() for cell in row):
            continue
        cell = row[columns.frame] if columns.frame < len(row) else ""
        try:
            frame = parse_json(cell)
        except ValueError as exc:
            reason = getattr(exc, "msg", None) or str(exc)
            doc.problems.append(
                Problem(f"{doc.source} line {first}", f"the frame column is not JSON ({reason})", first)
            )
            continue
        marker = marker_of(_cell(row, columns.direction) or "")
        yield PrintedFrame(
            line=first,
            frame=frame,
            timestamp=_cell(row, columns.timestamp),
            station=_cell(row, columns.station),
            side=marker[1] if marker else None,
        )


class _CountedLines:
    """The lines of a text (each cut to MAX_LINE_CHARS), counting how many were handed out."""

    def __init__(self, text: str) -> None:
        self._lines = iter(text.splitlines())
        self.count = 0

    def __iter__(self) -> _CountedLines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.count += 1
        return line[:MAX_LINE_CHARS] + "\n"


def _cell(row: list[str], index: int | None) -> str | None:
    if index is None or index >= len(row):
        return None
    return row[index].strip() or None
