"""Reading the documentation of an integration request into one list of observed messages.

Three kinds of documentation come with a request for a new charger x terminal pair:

1. a dialect file in ocpay's own format (a vendor or integrator wrote it);
2. a captured OCPP-J message log: JSON Lines of ``{"timestamp", "station", "direction", "message"}``
   (``message`` is the frame array, or that array as a JSON string), or a JSON array of such objects;
3. a text, Markdown, HTML or PDF document that shows example messages in JSON.

Whatever the form, the result is a `Documentation`: observed messages (direction, action, for a
DataTransfer its vendorId, messageId and data, the frame, the answer paired with it) each with its
evidence (line, page, masked excerpt), and the problems met on the way (unreadable lines). The
assessment never needs to know which form a message came from. Nothing here keeps a payment
identifier for display: excerpts go through `redaction.mask`.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal

from ocpay.integrations.dialects import Dialect, DialectError, load_dialect
from ocpay.payments.redaction import mask

Direction = Literal["to_csms", "to_station"]
DocumentKind = Literal["dialect", "log", "document", "station"]
FrameKind = Literal["call", "result", "error", "send", "example", "declared"]

# Standard actions whose sender is fixed; used when the documentation does not say who sends a frame.
TO_CSMS_ACTIONS = frozenset(
    {
        "Authorize",
        "BootNotification",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "NotifyEvent",
        "NotifyReport",
        "NotifySettlement",
        "SecurityEventNotification",
        "SignCertificate",
        "StartTransaction",
        "StatusNotification",
        "StopTransaction",
        "TransactionEvent",
        "VatNumberValidation",
    }
)
TO_STATION_ACTIONS = frozenset(
    {
        "CancelReservation",
        "ChangeAvailability",
        "ChangeConfiguration",
        "ClearCache",
        "CostUpdated",
        "GetConfiguration",
        "GetVariables",
        "NotifyWebPaymentStarted",
        "RemoteStartTransaction",
        "RemoteStopTransaction",
        "RequestStartTransaction",
        "RequestStopTransaction",
        "Reset",
        "SetChargingProfile",
        "SetVariables",
        "TriggerMessage",
        "UnlockConnector",
    }
)
EXCERPT_CHARS = 240
MAX_SPAN = 200_000  # longest JSON example the document scanner looks at


class DocumentError(Exception):
    """Documentation that cannot be read at all; the message names the file and the reason."""


@dataclass(slots=True)
class Evidence:
    """Where a message was seen: file and line (or page, or log entry), and a masked excerpt."""

    source: str
    line: int | None = None
    page: int | None = None
    entry: int | None = None
    excerpt: str = ""

    def where(self) -> str:
        parts = [self.source]
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.entry is not None:
            parts.append(f"entry {self.entry}")
        return " ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "line": self.line,
            "page": self.page,
            "entry": self.entry,
            "excerpt": self.excerpt,
        }


@dataclass(slots=True)
class Problem:
    """Part of the documentation that could not be read; the rest is read anyway."""

    where: str
    reason: str
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"where": self.where, "line": self.line, "reason": self.reason}


@dataclass(slots=True, eq=False)
class Observed:
    """One message the documentation shows (or, for a dialect file, declares)."""

    kind: FrameKind
    direction: Direction
    action: str | None
    payload: Any
    evidence: Evidence
    direction_known: bool = True
    unique_id: str | None = None
    frame: Any = None
    station: str | None = None
    timestamp: str | None = None
    # DataTransfer (and the vendor of a declared custom_data message)
    vendor_id: str | None = None
    message_id: str | None = None
    data: Any = None
    data_is_json: bool = True
    data_was_string: bool = False
    # The answer paired with a CALL (CALLRESULT or CALLERROR), and for an answer, the CALL it answers.
    answer: Observed | None = None
    answers: Observed | None = None
    error_code: str | None = None
    # Declared by a dialect file instead of shown by example.
    declared_schema: dict[str, Any] | None = None
    declared_reply: Any = None
    declared_event: str | None = None
    custom_data_carrier: str | None = None
    count: int = 1  # a recorded sample stands for this many messages

    @property
    def is_data_transfer(self) -> bool:
        return self.action == "DataTransfer" and self.kind in ("call", "send", "example", "declared")

    @property
    def answer_status(self) -> str | None:
        if self.answer is None or not isinstance(self.answer.payload, dict):
            return None
        status = self.answer.payload.get("status")
        return status if isinstance(status, str) else None

    @property
    def answer_data(self) -> Any:
        """What the other side answered in `data` (a DataTransfer answer), parsed when it was a JSON string."""
        if self.answer is None or not isinstance(self.answer.payload, dict):
            return None
        data, _, _ = decode_data(self.answer.payload.get("data"))
        return data


@dataclass(slots=True)
class Documentation:
    source: str
    kind: DocumentKind
    messages: list[Observed] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    named_vendor_ids: list[str] = field(default_factory=list)
    named_message_ids: list[str] = field(default_factory=list)
    version_hints: list[str] = field(default_factory=list)
    dialect: Dialect | None = None
    station: dict[str, Any] | None = None  # for `--station`: what the station said at boot

    @property
    def requests(self) -> list[Observed]:
        """The messages that carry content: CALLs, SENDs, examples and declarations (not answers)."""
        return [m for m in self.messages if m.kind not in ("result", "error")]


# -- entry point ---------------------------------------------------------------------------------
def read_documentation(path: Path) -> Documentation:
    """Read a dialect file, a message log or a document; raise DocumentError when it cannot be read."""
    if not path.exists():
        raise DocumentError(f"{path}: no such file")
    if path.is_dir():
        raise DocumentError(f"{path}: is a directory, not a document")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    suffix = path.suffix.lower()
    if suffix == ".pdf" or raw.startswith(b"%PDF"):
        return read_pdf(path, raw)
    text = _decode(path, raw)
    if suffix in (".yaml", ".yml"):
        return read_dialect_file(path)
    if suffix in (".html", ".htm", ".xhtml"):
        return read_html(path.name, text)
    if suffix in (".jsonl", ".ndjson", ".log", ".json"):
        return read_log(path.name, text)
    if suffix in (".md", ".markdown", ".txt", ".text", ".rst", ".adoc"):
        return read_text(path.name, text)
    # No telling suffix: look at the content.
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html")):
        return read_html(path.name, text)
    if head.startswith("{") or (head.startswith("[") and _looks_like_log_array(text)):
        return read_log(path.name, text)
    if re.search(r"^id:\s", text, re.MULTILINE) and re.search(r"^messages:", text, re.MULTILINE):
        return read_dialect_file(path)
    return read_text(path.name, text)


def _decode(path: Path, raw: bytes) -> str:
    if b"\x00" in raw[:4096]:
        raise DocumentError(f"{path}: a binary file, not a dialect file, message log, text, HTML or PDF document")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError(f"{path}: not text in UTF-8 or Windows-1252")


def _looks_like_log_array(text: str) -> bool:
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


# -- helpers shared by every kind ------------------------------------------------------------------
def decode_data(data: Any) -> tuple[Any, bool, bool]:
    """A DataTransfer `data`: (value, is_json, was_string). 1.6 sends a JSON string; 2.x any JSON."""
    if not isinstance(data, str):
        return data, True, False
    try:
        return json.loads(data), True, True
    except ValueError:
        return data, False, True


def excerpt_of(value: Any) -> str:
    """A short, masked excerpt: never a payment identifier in clear."""
    if isinstance(value, str):
        text = mask(value)
    else:
        text = json.dumps(_mask_frame(value), ensure_ascii=False, separators=(",", ":"))
    text = " ".join(str(text).split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 3] + "..."


def _mask_frame(value: Any) -> Any:
    """Mask a frame, including the JSON that 1.6 DataTransfer carries inside a string."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "data" and isinstance(item, str):
                parsed, is_json, _ = decode_data(item)
                out[key] = json.dumps(mask(parsed)) if is_json else mask(item, key)
            else:
                out[key] = _mask_frame(item) if isinstance(item, (dict, list)) else mask(item, str(key))
        return out
    if isinstance(value, list):
        return [_mask_frame(item) for item in value]
    return mask(value)


def parse_frame(frame: Any) -> tuple[int, str, str | None, Any, str | None]:
    """An OCPP-J frame -> (message type, unique id, action, payload, error code); ValueError if it is none."""
    if not isinstance(frame, list) or len(frame) < 3:
        raise ValueError("not an OCPP-J frame (an array [type, id, ...])")
    kind, unique_id = frame[0], frame[1]
    if type(kind) is not int or kind not in (2, 3, 4, 5, 6):
        raise ValueError(f"unknown message type {kind!r} (OCPP-J knows 2 to 6)")
    if not isinstance(unique_id, str):
        raise ValueError("the message id (second element) is not a string")
    if kind in (2, 6):
        if len(frame) != 4 or not isinstance(frame[2], str):
            raise ValueError(f"a type {kind} frame is [{kind}, id, action, payload]")
        if not isinstance(frame[3], dict):
            raise ValueError(f"the payload of {frame[2]} is not a JSON object")
        return kind, unique_id, frame[2], frame[3], None
    if kind == 3:
        if len(frame) != 3 or not isinstance(frame[2], dict):
            raise ValueError("a CALLRESULT is [3, id, payload] with an object payload")
        return kind, unique_id, None, frame[2], None
    if len(frame) != 5 or not isinstance(frame[2], str):
        raise ValueError(f"a type {kind} frame is [{kind}, id, errorCode, description, details]")
    return kind, unique_id, None, frame[4], frame[2]


_KIND_OF_TYPE: dict[int, FrameKind] = {2: "call", 3: "result", 4: "error", 5: "error", 6: "send"}


def observe_frame(
    frame: Any, direction: Direction | None, evidence: Evidence, *, station: str | None = None
) -> Observed:
    """Turn a frame into an observed message (ValueError when it is not a frame)."""
    message_type, unique_id, action, payload, error_code = parse_frame(frame)
    known = direction is not None
    if direction is None:
        direction = _direction_of_action(action) or "to_csms"
        known = action in TO_CSMS_ACTIONS or action in TO_STATION_ACTIONS
    observed = Observed(
        kind=_KIND_OF_TYPE[message_type],
        direction=direction,
        direction_known=known,
        action=action,
        payload=payload,
        unique_id=unique_id,
        frame=frame,
        station=station,
        evidence=evidence,
        error_code=error_code,
    )
    if action == "DataTransfer":
        _fill_data_transfer(observed, payload)
    return observed


def _fill_data_transfer(observed: Observed, payload: dict[str, Any]) -> None:
    vendor = payload.get("vendorId")
    message_id = payload.get("messageId")
    observed.vendor_id = vendor if isinstance(vendor, str) else None
    observed.message_id = message_id if isinstance(message_id, str) else None
    observed.data, observed.data_is_json, observed.data_was_string = decode_data(payload.get("data"))


def _direction_of_action(action: str | None) -> Direction | None:
    if action in TO_CSMS_ACTIONS:
        return "to_csms"
    if action in TO_STATION_ACTIONS:
        return "to_station"
    return None


class _Pairing:
    """Pairs answers (CALLRESULT / CALLERROR) with their CALL by message id, the way a CSMS does."""

    def __init__(self) -> None:
        self._pending: dict[tuple[str | None, Direction, str], Observed] = {}
        self.last_call: Observed | None = None

    def add(self, observed: Observed) -> None:
        if observed.kind == "call":
            assert observed.unique_id is not None
            self._pending[(observed.station, observed.direction, observed.unique_id)] = observed
            self.last_call = observed
            return
        if observed.kind not in ("result", "error") or observed.unique_id is None:
            return
        other: Direction = "to_station" if observed.direction == "to_csms" else "to_csms"
        call = self._pending.pop((observed.station, other, observed.unique_id), None)
        if call is None and not observed.direction_known:
            # A document rarely says who sends an answer: any open CALL with that id will do.
            for key in list(self._pending):
                if key[0] == observed.station and key[2] == observed.unique_id:
                    call = self._pending.pop(key)
                    break
        if call is not None:
            self._link(call, observed)

    @staticmethod
    def _link(call: Observed, answer: Observed) -> None:
        call.answer, answer.answers = answer, call
        answer.action = call.action
        if not answer.direction_known:
            answer.direction = "to_station" if call.direction == "to_csms" else "to_csms"


# -- 1. dialect files --------------------------------------------------------------------------------
def read_dialect_file(path: Path) -> Documentation:
    try:
        dialect = load_dialect(path)
    except DialectError as exc:
        raise DocumentError(str(exc)) from None
    doc = Documentation(source=path.name, kind="dialect", dialect=dialect, version_hints=list(dialect.ocpp_versions))
    defaults = dialect.parameter_defaults()
    for number, message in enumerate(dialect.messages, start=1):
        evidence = Evidence(path.name, entry=number, excerpt=f"message {message.name} ({message.kind})")
        vendor = dialect.resolve(message.vendor_id, defaults) if message.vendor_id else None
        action = "DataTransfer" if message.kind == "data_transfer" else message.action
        if message.kind == "ocpp_reply":
            continue  # amends a standard answer: the CSMS's business, nothing the station sends
        doc.messages.append(
            Observed(
                kind="declared",
                direction=message.direction,
                action=action,
                payload=None,
                evidence=evidence,
                vendor_id=vendor or message.vendor_id,
                message_id=message.message_id,
                declared_schema=message.schema_,
                declared_reply=message.reply.data if message.reply else message.data,
                declared_event=message.event or next(iter(message.event_by_status.values()), None),
                custom_data_carrier=message.action if message.kind == "custom_data" else None,
            )
        )
        if vendor:
            doc.named_vendor_ids.append(vendor)
        if message.message_id:
            doc.named_message_ids.append(message.message_id)
    return doc


# -- 2. message logs -----------------------------------------------------------------------------------
def read_log(source: str, text: str) -> Documentation:
    doc = Documentation(source=source, kind="log")
    entries: list[tuple[Evidence, Any]] = []
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            array = json.loads(text)
        except ValueError as exc:
            raise DocumentError(f"{source}: not a message log: the JSON array cannot be read ({exc})") from None
        if not isinstance(array, list):
            raise DocumentError(f"{source}: not a message log")
        entries = [(Evidence(source, entry=i), item) for i, item in enumerate(array, start=1)]
    else:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entries.append((Evidence(source, line=number), json.loads(line)))
            except json.JSONDecodeError as exc:
                doc.problems.append(Problem(f"{source} line {number}", f"not JSON ({exc.msg})", number))
    pairing = _Pairing()
    for evidence, item in entries:
        try:
            observed = _log_entry(item, evidence)
        except ValueError as exc:
            doc.problems.append(Problem(evidence.where(), str(exc), evidence.line))
            continue
        doc.messages.append(observed)
        pairing.add(observed)
    if not doc.messages:
        first = f" ({doc.problems[0].where}: {doc.problems[0].reason})" if doc.problems else ""
        raise DocumentError(f"{source}: not a message log: no entry could be read{first}")
    return doc


def _log_entry(item: Any, evidence: Evidence) -> Observed:
    if not isinstance(item, dict):
        raise ValueError("not an object with timestamp, station, direction and message")
    direction = item.get("direction")
    if direction not in ("to_csms", "to_station"):
        raise ValueError(f"direction is {direction!r}, not to_csms or to_station")
    frame = item.get("message")
    if isinstance(frame, str):
        try:
            frame = json.loads(frame)
        except ValueError:
            raise ValueError("message is a string but not a JSON frame") from None
    if frame is None:
        raise ValueError("no message")
    station = item.get("station")
    evidence.excerpt = excerpt_of(frame)
    observed = observe_frame(frame, direction, evidence, station=station if isinstance(station, str) else None)
    timestamp = item.get("timestamp")
    observed.timestamp = timestamp if isinstance(timestamp, str) else None
    return observed


# -- 3. documents -------------------------------------------------------------------------------------
_NAME = "[\"'`\u201c\u2018]?([A-Za-z0-9][A-Za-z0-9._\\-]{1,80}[A-Za-z0-9])[\"'`\u201d\u2019]?"
_VENDOR_NAMED = re.compile(r"vendor[\s_-]?id\b\W{0,6}?(?:\bis\b\s*|=|:)?\s*" + _NAME, re.IGNORECASE)
_MESSAGE_NAMED = re.compile(r"message[\s_-]?id\b\W{0,6}?(?:\bis\b\s*|=|:)?\s*" + _NAME, re.IGNORECASE)
_NOT_NAMES = {"and", "the", "for", "with", "from", "string", "field", "value", "values", "must", "null", "data"}
_VERSION = re.compile(r"OCPP[\s-]*(?:J\s*)?(1\.6|2\.0\.1|2\.1)\b", re.IGNORECASE)
_STATION = r"(?:station|charge\s?point|charger|chargepoint|cp|evse|terminal)"
_CSMS = r"(?:csms|central\s?system|backend|back-end|server|cpms)"
_TO_CSMS = re.compile(
    rf"{_STATION}\s*(?:->|→|=>|to(?:\s+the)?)\s*{_CSMS}|sent\s+by\s+the\s+{_STATION}|from\s+the\s+{_STATION}\b"
    rf"|to\s+the\s+{_CSMS}",
    re.IGNORECASE,
)
_TO_STATION = re.compile(
    rf"{_CSMS}\s*(?:->|→|=>|to(?:\s+the)?)\s*{_STATION}|sent\s+by\s+the\s+{_CSMS}|from\s+the\s+{_CSMS}\b"
    rf"|to\s+the\s+{_STATION}",
    re.IGNORECASE,
)
_LOOKS_LIKE_MESSAGE = re.compile(r"^\[\s*[2-6]\s*,|\"vendorId\"")


class _Text:
    """The text a document shows, with a map back to lines (and pages) of the original."""

    def __init__(self, source: str, text: str, line_map: list[tuple[int, int]] | None = None) -> None:
        self.source = source
        self.text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._map = line_map  # (offset in text, line in the original) when the text is derived
        self.pages: list[int] = []  # offsets at which pages start (PDF)

    def evidence(self, start: int, end: int) -> Evidence:
        evidence = Evidence(self.source, excerpt=excerpt_of(self.text[start:end]))
        if self.pages:
            page = bisect.bisect_right(self.pages, start)
            evidence.page = page
            evidence.line = self.text.count("\n", self.pages[page - 1], start) + 1
        elif self._map:
            index = bisect.bisect_right([offset for offset, _ in self._map], start) - 1
            evidence.line = self._map[max(index, 0)][1] + self.text.count("\n", self._map[max(index, 0)][0], start)
        else:
            evidence.line = bisect.bisect_right(self._line_starts, start)
        return evidence


def read_text(source: str, text: str, *, kind: DocumentKind = "document") -> Documentation:
    return _scan(_Text(source, text), kind)


def _scan(doc_text: _Text, kind: DocumentKind = "document") -> Documentation:
    text = doc_text.text
    doc = Documentation(source=doc_text.source, kind=kind)
    doc.version_hints = _unique(m.group(1) for m in _VERSION.finditer(text))
    doc.named_vendor_ids = _unique(_names(_VENDOR_NAMED, text))
    doc.named_message_ids = _unique(_names(_MESSAGE_NAMED, text))
    pairing = _Pairing()
    previous_end = 0
    last_data_transfer: tuple[Observed, int] | None = None
    position = 0
    opener = re.compile(r"[\[{]")
    while True:
        found = opener.search(text, position)
        if found is None:
            break
        start = found.start()
        end = _balanced_end(text, start)
        if end is None:
            position = start + 1
            continue
        span = text[start:end]
        try:
            value = json.loads(span)
        except json.JSONDecodeError as exc:
            if _LOOKS_LIKE_MESSAGE.search(span[:200]):
                evidence = doc_text.evidence(start, end)
                doc.problems.append(Problem(evidence.where(), f"an example that is not valid JSON ({exc.msg})"))
                position = end
            else:
                position = start + 1
            continue
        direction = _direction_in_prose(text[max(previous_end, start - 400) : start])
        items = _examples(value)
        if not items:
            # A DataTransfer answer shown as a bare object right after its request.
            if (
                last_data_transfer is not None
                and isinstance(value, dict)
                and "status" in value
                and set(value) <= {"status", "data", "customData"}
                and start - last_data_transfer[1] < 600
                and last_data_transfer[0].answer is None
            ):
                call = last_data_transfer[0]
                answer = Observed(
                    kind="result",
                    direction="to_station" if call.direction == "to_csms" else "to_csms",
                    action="DataTransfer",
                    payload=value,
                    evidence=doc_text.evidence(start, end),
                )
                call.answer, answer.answers = answer, call
                doc.messages.append(answer)
                position = previous_end = end
            else:
                position = start + 1
            continue
        for item in items:
            evidence = doc_text.evidence(start, end)
            observed = _document_example(item, direction, evidence)
            if observed is None:
                continue
            doc.messages.append(observed)
            pairing.add(observed)
            if observed.is_data_transfer:
                last_data_transfer = (observed, end)
                doc.named_vendor_ids = _unique([*doc.named_vendor_ids, observed.vendor_id])
        position = previous_end = end
    doc.named_vendor_ids = [n for n in doc.named_vendor_ids if n]
    return doc


def _examples(value: Any) -> list[Any]:
    """The message examples a JSON value holds: a frame, a DataTransfer body, a log entry, or a list of them."""
    if isinstance(value, list):
        if value and type(value[0]) is int and value[0] in (2, 3, 4, 5, 6) and len(value) >= 3:
            return [value]
        if value and all(isinstance(v, (list, dict)) for v in value):
            found = [item for v in value for item in _examples(v)]
            return found if len(found) == len(value) else []
        return []
    if isinstance(value, dict):
        if isinstance(value.get("vendorId"), str) and ("messageId" in value or "data" in value):
            return [value]
        if value.get("direction") in ("to_csms", "to_station") and "message" in value:
            return [value]
    return []


def _document_example(item: Any, direction: Direction | None, evidence: Evidence) -> Observed | None:
    if isinstance(item, list):
        try:
            return observe_frame(item, direction, evidence)
        except ValueError:
            return None
    if "message" in item and item.get("direction") in ("to_csms", "to_station"):
        try:
            return _log_entry(item, evidence)
        except ValueError:
            return None
    observed = Observed(
        kind="example",
        direction=direction or "to_csms",
        direction_known=direction is not None,
        action="DataTransfer",
        payload=item,
        evidence=evidence,
    )
    _fill_data_transfer(observed, item)
    return observed


def _balanced_end(text: str, start: int) -> int | None:
    """The index just after the bracket that closes the one at `start`, or None (strings respected)."""
    closer = {"[": "]", "{": "}"}
    stack = [closer[text[start]]]
    i, limit = start + 1, min(len(text), start + MAX_SPAN)
    in_string = False
    while i < limit:
        char = text[i]
        if in_string:
            if char == "\\":
                i += 2
                continue
            if char == '"':
                in_string = False
            elif char == "\n":
                return None  # JSON strings do not span lines: this was prose
        elif char == '"':
            in_string = True
        elif char in "[{":
            stack.append(closer[char])
        elif char in "]}":
            if char != stack.pop():
                return None
            if not stack:
                return i + 1
        i += 1
    return None


def _direction_in_prose(window: str) -> Direction | None:
    best: tuple[int, Direction] | None = None
    for pattern, direction in ((_TO_CSMS, "to_csms"), (_TO_STATION, "to_station")):
        for match in pattern.finditer(window):
            if best is None or match.start() > best[0]:
                best = (match.start(), direction)  # type: ignore[assignment]
    return best[1] if best else None


def _names(pattern: re.Pattern[str], text: str) -> Iterable[str]:
    for match in pattern.finditer(text):
        name = match.group(1)
        if name.lower() not in _NOT_NAMES and not name.isdigit():
            yield name


def _unique(values: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)


# HTML: the text a reader sees, with <pre>/<code> kept verbatim.
_BLOCK = {"p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "section", "pre"}


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0
        self.line_map: list[tuple[int, int]] = []
        self._skip = 0
        self._pre = 0

    def _add(self, text: str) -> None:
        self.line_map.append((self.length, self.getpos()[0]))
        self.parts.append(text)
        self.length += len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "pre":
            self._pre += 1
        if tag in _BLOCK:
            self._add("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag in _BLOCK:
            self._add("\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self._add(data if self._pre else re.sub(r"[ \t\r\f\v]+", " ", data))


def read_html(source: str, text: str) -> Documentation:
    parser = _HtmlText()
    try:
        parser.feed(text)
        parser.close()
    except Exception as exc:  # html.parser is lenient; anything it raises means a broken file
        raise DocumentError(f"{source}: not readable HTML: {exc}") from None
    return _scan(_Text(source, "".join(parser.parts), parser.line_map))


def read_pdf(path: Path, raw: bytes) -> Documentation:
    try:
        from io import BytesIO

        from pypdf import PdfReader

        reader = PdfReader(BytesIO(raw))
        if reader.is_encrypted:
            raise DocumentError(f"{path}: the PDF is encrypted; send it without a password")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except Exception as exc:  # pypdf raises many kinds on broken files
        raise DocumentError(f"{path}: not a readable PDF: {exc}") from None
    offsets, text = [], ""
    for page in pages:
        offsets.append(len(text))
        text += page + "\n"
    doc_text = _Text(path.name, text)
    doc_text.pages = offsets
    doc = _scan(doc_text)
    if not text.strip():
        doc.problems.append(Problem(path.name, "no text could be extracted (a scanned PDF?)"))
    return doc


# -- 4. what stations really sent (the unrecognised-message record) ------------------------------------
async def recorded_documentation(db: Any, station_id: str) -> Documentation:
    """The unrecognised custom messages recorded for a station, as documentation (samples are masked)."""
    from sqlalchemy import select

    from ocpay.store.models import Station, UnrecognisedMessage

    async with db.read() as s:
        station = await s.get(Station, station_id)
        rows = list(
            await s.scalars(
                select(UnrecognisedMessage)
                .where(UnrecognisedMessage.station_id == station_id)
                .order_by(UnrecognisedMessage.first_seen_at)
            )
        )
    if station is None:
        raise DocumentError(f"station {station_id}: no such station")
    source = f"station {station_id}"
    doc = Documentation(source=source, kind="station")
    doc.station = {
        "id": station.id,
        "vendor": station.vendor,
        "model": station.model,
        "firmware": station.firmware,
        "ocpp_version": station.ocpp_version,
    }
    for row in rows:
        sample = row.sample or {}
        evidence = Evidence(
            source,
            excerpt=excerpt_of(
                f"{row.vendor_id}/{row.message_id or '-'} seen {row.count} times, "
                f"{row.first_seen_at:%Y-%m-%d %H:%M} to {row.last_seen_at:%Y-%m-%d %H:%M} UTC"
            ),
        )
        doc.messages.append(
            Observed(
                kind="call",
                direction="to_csms",
                action="DataTransfer",
                payload=None,
                evidence=evidence,
                station=station_id,
                vendor_id=row.vendor_id,
                message_id=row.message_id or None,
                data=sample.get("data"),
                data_is_json=bool(sample.get("dataIsJson", True)),
                count=row.count,
            )
        )
        doc.version_hints = _unique([*doc.version_hints, row.ocpp_version])
    return doc
