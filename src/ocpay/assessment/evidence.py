"""What the documentation of a request shows: observed messages, where each was seen, what could not be read.

Every reader (see `readers`) turns its input into one `Documentation`: observed messages
(direction, action, for a DataTransfer its vendorId, messageId and data, the frame, the answer
paired with it), each with its `Evidence` (line, page or entry, masked excerpt), and the
`Problem`s met on the way. The assessment never needs to know which form a message came from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from ocpay.integrations.dialects import Dialect

Direction = Literal["to_csms", "to_station"]
DocumentKind = Literal["dialect", "log", "document", "station"]
FrameKind = Literal["call", "result", "error", "send", "example", "declared"]


def arrow(direction: str) -> str:
    """A direction in words: "station -> CSMS" or "CSMS -> station"."""
    return "station -> CSMS" if direction == "to_csms" else "CSMS -> station"


MAX_DEPTH = 64  # how deep a value in a document may nest (the gateway's bound on a frame)


class TooDeep(ValueError):
    """JSON nested deeper than MAX_DEPTH levels."""

    def __init__(self) -> None:
        super().__init__(f"nests deeper than {MAX_DEPTH} levels")


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
        """The place in words: file, then page, line and entry when known."""
        parts = [self.source]
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.entry is not None:
            parts.append(f"entry {self.entry}")
        return " ".join(parts)

    def to_json(self) -> dict[str, Any]:
        """The evidence as plain JSON values."""
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
        """The problem as plain JSON values."""
        return {"where": self.where, "line": self.line, "reason": self.reason}


def parse_json(text: str) -> Any:
    """The JSON value of a text; ValueError when it is not JSON, TooDeep when it nests deeper than MAX_DEPTH."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise TooDeep from None
    if nests_deeper(value, MAX_DEPTH):
        raise TooDeep
    return value


def nests_deeper(value: Any, limit: int) -> bool:
    """Whether JSON data nests more than `limit` arrays and objects deep (iterative: no recursion to overflow)."""
    stack: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node)
                     if isinstance(child, dict | list))  # fmt: skip
    return False


def decode_data(data: Any) -> tuple[Any, bool, bool]:
    """A DataTransfer `data`: (value, is_json, was_string). 1.6 sends a JSON string; 2.x any JSON."""
    if not isinstance(data, str):
        return data, True, False
    try:
        return parse_json(data), True, True
    except ValueError:
        return data, False, True


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
        """A DataTransfer request (sent, shown as an example or declared), not its answer."""
        return self.action == "DataTransfer" and self.kind in ("call", "send", "example", "declared")

    @property
    def answer_status(self) -> str | None:
        """The `status` of the paired answer, when it has one."""
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
    """Everything one request's documentation shows, whatever its form."""

    source: str
    kind: DocumentKind
    messages: list[Observed] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    named_vendor_ids: list[str] = field(default_factory=list)
    named_message_ids: list[str] = field(default_factory=list)
    version_hints: list[str] = field(default_factory=list)
    minor_units: bool = False  # the prose says amounts are in cents (minor units)
    dialect: Dialect | None = None
    station: dict[str, Any] | None = None  # for `--station`: what the station said at boot

    @property
    def requests(self) -> list[Observed]:
        """The messages that carry content: CALLs, SENDs, examples and declarations (not answers)."""
        return [m for m in self.messages if m.kind not in ("result", "error")]
