"""Reader for text and Markdown documents (and the scanner HTML and PDF text goes through).

A document shows example messages in JSON among prose: frames, DataTransfer bodies, log entries,
or lists of them. The scanner finds every balanced JSON value (in one pass, linear in the text:
see `value_ends`), keeps those that are messages,
guesses their direction from the prose just before them ("sent by the station", "CSMS -> station"),
pairs answers with their calls, and notes the vendorIds, messageIds and OCPP versions the text names.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable
from typing import Any

from ocpay.assessment.evidence import Direction, Documentation, DocumentKind, Evidence, Observed, Problem
from ocpay.assessment.readers.common import excerpt_of, unique
from ocpay.assessment.readers.frames import Pairing, fill_data_transfer, link, observe_frame, observe_log_entry
from ocpay.assessment.vocabulary import says_minor_units

MAX_SPAN = 200_000  # longest JSON example the document scanner looks at
MAX_EXAMPLE_DEPTH = 20  # deepest JSON example it reads (a logged OCPP frame nests 10 levels or so)

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
_MAY_HOLD_MESSAGE = re.compile(r'\[\s*[2-6]\s*,|"(?:vendorId|direction|status)"')  # else not worth parsing
_SYNTAX = re.compile(r'\[+|\{+|[\]}"\\\n]')  # what matters to bracket matching (runs of openers at once)
_CLOSER = {"[": "]", "{": "}"}


class DocumentText:
    """The text a document shows, with a map back to lines (and pages) of the original."""

    def __init__(self, source: str, text: str, line_map: list[tuple[int, int]] | None = None) -> None:
        self.source = source
        self.text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._map = line_map  # (offset in text, line in the original) when the text is derived
        self._map_offsets = [offset for offset, _ in line_map or ()]
        self.pages: list[int] = []  # offsets at which pages start (PDF)

    def evidence(self, start: int, end: int) -> Evidence:
        """Where text[start:end] is in the original (page and line, or line), with a masked excerpt."""
        evidence = Evidence(self.source, excerpt=excerpt_of(self.text[start:end]))
        if self.pages:
            page = bisect.bisect_right(self.pages, start)
            evidence.page = page
            evidence.line = self.text.count("\n", self.pages[page - 1], start) + 1
        elif self._map:
            index = bisect.bisect_right(self._map_offsets, start) - 1
            evidence.line = self._map[max(index, 0)][1] + self.text.count("\n", self._map[max(index, 0)][0], start)
        else:
            evidence.line = bisect.bisect_right(self._line_starts, start)
        return evidence


def read_text(source: str, text: str, *, kind: DocumentKind = "document") -> Documentation:
    """The example messages a text or Markdown document shows, with the names and versions it mentions."""
    return scan(DocumentText(source, text), kind)


def scan(doc_text: DocumentText, kind: DocumentKind = "document") -> Documentation:
    """Read every example message out of a document's text (see the module's docstring)."""
    text = doc_text.text
    doc = Documentation(source=doc_text.source, kind=kind)
    doc.version_hints = unique(m.group(1) for m in _VERSION.finditer(text))
    doc.named_vendor_ids = unique(_names(_VENDOR_NAMED, text))
    doc.named_message_ids = unique(_names(_MESSAGE_NAMED, text))
    doc.minor_units = says_minor_units(text)
    scanner = _Scanner(doc_text, doc)
    ends = value_ends(text)
    position = 0
    for start in sorted(ends):
        if start >= position:
            position = scanner.take(start, ends[start])
    doc.named_vendor_ids = [n for n in doc.named_vendor_ids if n]
    return doc


class _Scanner:
    """Takes the JSON values of a document one by one, in order."""

    def __init__(self, doc_text: DocumentText, doc: Documentation) -> None:
        self.doc_text = doc_text
        self.doc = doc
        self.pairing = Pairing()
        self.previous_end = 0  # where the last example ended: prose before it says nothing of the next
        self.last_data_transfer: tuple[Observed, int] | None = None

    def take(self, start: int, end: int) -> int:
        """Read the JSON value text[start:end]; return where to search on from."""
        text = self.doc_text.text
        if not _MAY_HOLD_MESSAGE.search(text, start, end):
            return start + 1
        span = text[start:end]
        try:
            value = json.loads(span)
        except json.JSONDecodeError as exc:
            if not _LOOKS_LIKE_MESSAGE.search(span[:200]):
                return start + 1
            evidence = self.doc_text.evidence(start, end)
            self.doc.problems.append(Problem(evidence.where(), f"an example that is not valid JSON ({exc.msg})"))
            return end
        items = _examples(value)
        if items:
            direction = _direction_in_prose(text[max(self.previous_end, start - 400) : start])
            self._add_examples(items, direction, start, end)
        elif not self._add_answer(value, start, end):
            return start + 1
        self.previous_end = end
        return end

    def _add_examples(self, items: list[Any], direction: Direction | None, start: int, end: int) -> None:
        for item in items:
            observed = _document_example(item, direction, self.doc_text.evidence(start, end))
            if observed is None:
                continue
            self.doc.messages.append(observed)
            self.pairing.add(observed)
            if observed.is_data_transfer:
                self.last_data_transfer = (observed, end)
                self.doc.named_vendor_ids = unique([*self.doc.named_vendor_ids, observed.vendor_id])

    def _add_answer(self, value: Any, start: int, end: int) -> bool:
        """A DataTransfer answer shown as a bare object right after its request: pair it (True) or not."""
        last = self.last_data_transfer
        if not (
            last is not None
            and isinstance(value, dict)
            and "status" in value
            and set(value) <= {"status", "data", "customData"}
            and start - last[1] < 600
            and last[0].answer is None
        ):
            return False
        call = last[0]
        answer = Observed(
            kind="result",
            direction="to_station" if call.direction == "to_csms" else "to_csms",
            action="DataTransfer",
            payload=value,
            evidence=self.doc_text.evidence(start, end),
        )
        link(call, answer)
        self.doc.messages.append(answer)
        return True


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
            return observe_log_entry(item, evidence)
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
    fill_data_transfer(observed, item)
    return observed


def value_ends(text: str) -> dict[int, int]:
    """{start: end} for every bracket that opens a balanced value text[start:end]: one pass, linear in the text.

    Quotes count only inside brackets: a string ends at its closing quote and never spans lines (a line
    break in a string, or a wrong closing bracket, means prose: every value still open has no end). A
    bracket inside a string is part of the string. A value longer than MAX_SPAN, or one nesting deeper
    than MAX_EXAMPLE_DEPTH, has no end either.
    """
    ends: dict[int, int] = {}
    starts: list[int] = []  # the values open, innermost last: where each starts,
    closers: list[str] = []  # the bracket that closes it,
    too_deep: list[bool] = []  # and whether it holds a value more than MAX_EXAMPLE_DEPTH levels down
    in_string = False
    skip_to = 0  # after a backslash in a string, the next character is escaped
    for match in _SYNTAX.finditer(text):
        i = match.start()
        if i < skip_to:
            continue
        char = match.group()
        if in_string:  # (a run of openers cannot start in a string: the first one would be text of it)
            if char == "\\":
                skip_to = i + 2
            elif char == '"':
                in_string = False
            elif char == "\n":
                _drop_all(starts, closers, too_deep)
                in_string = False
        elif char[0] in "[{":
            before, run = len(starts), len(char)
            starts.extend(range(i, i + run))
            closers.extend(_CLOSER[char[0]] * run)
            too_deep.extend([False] * run)
            low, high = max(0, before - MAX_EXAMPLE_DEPTH), len(starts) - MAX_EXAMPLE_DEPTH
            if high > low:  # these now hold a value more than MAX_EXAMPLE_DEPTH levels down
                too_deep[low:high] = [True] * (high - low)
            if len(starts) > 2 * MAX_SPAN:  # the oldest opened more than MAX_SPAN characters ago: none ends in time
                del starts[:MAX_SPAN], closers[:MAX_SPAN], too_deep[:MAX_SPAN]
        elif char in "]}":
            if closers and closers[-1] == char:
                start, _, deep = starts.pop(), closers.pop(), too_deep.pop()
                if not deep and i + 1 - start <= MAX_SPAN:
                    ends[start] = i + 1
            else:
                _drop_all(starts, closers, too_deep)
        elif char == '"' and starts:
            in_string = True
    return ends


def _drop_all(*stacks: list[Any]) -> None:
    """Every value open has no end (prose, not JSON)."""
    for stack in stacks:
        stack.clear()


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
