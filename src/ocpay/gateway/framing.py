"""OCPP-J framing without I/O: parse a WebSocket text frame into a typed message, encode replies.

Kept free of sockets (like `websockets`' own sans-I/O core) so that every framing rule can be
tested with plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import orjson


class MessageType(IntEnum):
    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4
    CALLRESULTERROR = 5  # OCPP 2.1: an error about a CALLRESULT we sent
    SEND = 6  # OCPP 2.1: unconfirmed message, never answered


@dataclass(frozen=True, slots=True)
class Call:
    """A station's request. `may_hold_nul`: its text spells `\\u0000`, so a string in it may hold U+0000
    (`ocpp.model.refuse_nul` looks); False means none can, and no walk of the payload is needed."""

    message_id: str
    action: str
    payload: dict[str, Any]
    may_hold_nul: bool = field(default=False, compare=False)


@dataclass(frozen=True, slots=True)
class CallResult:
    message_id: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallError:
    message_id: str
    code: str
    description: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallResultError:
    message_id: str
    code: str
    description: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Send:
    """A 2.1 SEND: like a Call, never answered."""

    message_id: str
    action: str
    payload: dict[str, Any]
    may_hold_nul: bool = field(default=False, compare=False)


Message = Call | CallResult | CallError | CallResultError | Send

# Which message types each version speaks: CALLRESULTERROR and SEND came with OCPP 2.1. A type a
# version does not have is answered as that version answers any unknown type (`frame_error_reply`).
MESSAGE_TYPES: dict[str, frozenset[MessageType]] = {
    "1.6": frozenset({MessageType.CALL, MessageType.CALLRESULT, MessageType.CALLERROR}),
    "2.0.1": frozenset({MessageType.CALL, MessageType.CALLRESULT, MessageType.CALLERROR}),
    "2.1": frozenset(MessageType),
}


@dataclass(frozen=True, slots=True)
class FrameError:
    """A frame that breaks the RPC framework.

    `message_id` is None when it could not be read; `code` is the version-neutral error name
    (`FormatViolation`, `RpcFrameworkError`, `MessageTypeNotSupported`), translated per version by
    `error_code_for`.
    """

    message_id: str | None
    code: str
    description: str


# Version-specific spelling of error codes. OCPP 1.6 has no RpcFrameworkError or
# MessageTypeNotSupported, and keeps the misspelt OccurenceConstraintViolation. For the format error
# we send the errata's FormatViolation rather than the original FormationViolation.
_V16_CODES = {
    "OccurrenceConstraintViolation": "OccurenceConstraintViolation",
    "RpcFrameworkError": "FormatViolation",
}


def error_code_for(version: str, code: str) -> str:
    if version == "1.6":
        return _V16_CODES.get(code, code)
    return code


def frame_error_reply(version: str, error: FrameError) -> str | None:
    """The CALLERROR that answers a broken frame, or None where the spec says to drop it.

    2.x: an unreadable messageId is answered with "-1" and RpcFrameworkError; an unknown message
    type with MessageTypeNotSupported. 1.6 has neither: such frames are ignored (and logged).
    """
    if version == "1.6":
        if error.message_id is None or error.code == "MessageTypeNotSupported":
            return None
        return encode_error(error.message_id, error_code_for(version, error.code), error.description)
    return encode_error(error.message_id or "-1", error.code, error.description)


# How deep a frame may nest, counting the frame's own array as 1. The deepest payloads of OCPP 2.1
# (tariffs, charging profiles) reach 8 or so; DataTransfer data is the station's, so it gets room to
# spare. Deeper frames are refused here: later code (schema checks, masking, storing, orjson.dumps with its
# limit of 254) must never meet an arbitrarily deep value, and orjson.loads itself stops at 1024.
MAX_DEPTH = 64


def parse_frame(raw: str | bytes, version: str = "2.1") -> Message | FrameError:
    """Parse one text frame of a connection speaking `version`. Never raises: a broken frame becomes a FrameError.

    A message type that `version` does not have (see `MESSAGE_TYPES`) is a MessageTypeNotSupported FrameError.
    """
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc):  # orjson's own bound, 1024
            return FrameError(None, "RpcFrameworkError", f"frame nests deeper than {MAX_DEPTH} levels")
        return FrameError(None, "RpcFrameworkError", f"frame is not valid JSON: {exc}")
    if _brackets(raw) > MAX_DEPTH and deeper_than(data, MAX_DEPTH):  # few brackets: it cannot be deeper
        mid = _readable_id(data)
        code = "FormatViolation" if mid is not None else "RpcFrameworkError"
        return FrameError(mid, code, f"frame nests deeper than {MAX_DEPTH} levels")
    if not isinstance(data, list) or len(data) < 3:
        mid = _readable_id(data)
        return FrameError(mid, "RpcFrameworkError", "frame is not an OCPP-J array")
    type_id, message_id = data[0], data[1]
    if not isinstance(message_id, str) or not message_id or len(message_id) > 36:
        return FrameError(None, "RpcFrameworkError", "messageId is not a string of 1 to 36 characters")
    if not isinstance(type_id, int) or isinstance(type_id, bool):
        return FrameError(message_id, "RpcFrameworkError", "messageTypeId is not an integer")
    kind = _KINDS.get(type_id)
    if kind is None or kind not in MESSAGE_TYPES.get(version, MESSAGE_TYPES["2.1"]):
        return FrameError(message_id, "MessageTypeNotSupported", f"messageTypeId {type_id} is not supported")
    if kind in (MessageType.CALL, MessageType.SEND):
        if len(data) != 4 or not isinstance(data[2], str):
            return FrameError(message_id, "RpcFrameworkError", "a CALL is [2, messageId, action, payload]")
        if not isinstance(data[3], dict):
            return FrameError(message_id, "FormatViolation", "payload is not a JSON object")
        cls = Call if kind is MessageType.CALL else Send
        return cls(message_id, data[2], data[3], _spells_nul(raw))
    if kind is MessageType.CALLRESULT:
        if len(data) != 3 or not isinstance(data[2], dict):
            return FrameError(message_id, "FormatViolation", "a CALLRESULT is [3, messageId, payload]")
        return CallResult(message_id, data[2])
    if len(data) != 5 or not isinstance(data[2], str) or not isinstance(data[3], str):
        return FrameError(message_id, "FormatViolation", "an error frame is [4|5, id, code, description, details]")
    details = data[4] if isinstance(data[4], dict) else {}
    err_cls = CallError if kind is MessageType.CALLERROR else CallResultError
    return err_cls(message_id, data[2], data[3], details)


_KINDS = {int(kind): kind for kind in MessageType}


def _readable_id(data: Any) -> str | None:
    if isinstance(data, list) and len(data) >= 2 and isinstance(data[1], str) and 0 < len(data[1]) <= 36:
        return data[1]
    return None


def _spells_nul(raw: str | bytes) -> bool:
    """Whether the frame's text holds the escape `\\u0000` (JSON text cannot hold U+0000 itself)."""
    return (b"\\u0000" in raw) if isinstance(raw, bytes) else ("\\u0000" in raw)


def _brackets(raw: str | bytes) -> int:
    """How many `[` and `{` the frame's text holds: a bound on its depth that costs no walk of the data."""
    if isinstance(raw, bytes):
        return raw.count(b"[") + raw.count(b"{")
    return raw.count("[") + raw.count("{")


def deeper_than(value: Any, limit: int) -> bool:
    """Whether JSON data nests more than `limit` arrays and objects deep (the outermost counts 1).

    Iterative, so that it cannot overflow the stack itself, and it stops at the first path too deep.
    """
    if not isinstance(value, dict | list):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return False


def encode_call(message_id: str, action: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([MessageType.CALL, message_id, action, payload]).decode()


def encode_result(message_id: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([MessageType.CALLRESULT, message_id, payload]).decode()


def encode_error(message_id: str, code: str, description: str, details: dict[str, Any] | None = None) -> str:
    return orjson.dumps([MessageType.CALLERROR, message_id, code, description[:255], details or {}]).decode()
