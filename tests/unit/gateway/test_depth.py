"""How deep a frame may nest: a documented bound, answered with the version's framing error."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ocpay.gateway.framing import MAX_DEPTH, Call, FrameError, deeper_than, frame_error_reply, parse_frame


def nested(levels: int) -> Any:
    """An object `levels` deep: {"a": {"a": ... {} }}."""
    value: Any = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def frame_of_depth(depth: int) -> str:
    """A DataTransfer CALL whose whole frame nests exactly `depth` levels (the frame's array is 1)."""
    return json.dumps([2, "m-1", "DataTransfer", {"vendorId": "V", "data": nested(depth - 2)}])


def test_the_nesting_count_includes_the_outermost_container() -> None:
    assert not deeper_than(1, 0)
    assert not deeper_than({}, 1) and deeper_than({}, 0)
    assert not deeper_than([[], {"a": [1]}], 3) and deeper_than([[], {"a": [1]}], 2)
    assert deeper_than(nested(5000), 64)  # iterative: no RecursionError


def test_a_frame_exactly_at_the_bound_is_a_call() -> None:
    assert isinstance(parse_frame(frame_of_depth(MAX_DEPTH)), Call)


def test_a_frame_one_deeper_is_a_format_violation_with_its_message_id() -> None:
    error = parse_frame(frame_of_depth(MAX_DEPTH + 1))
    assert error == FrameError("m-1", "FormatViolation", f"frame nests deeper than {MAX_DEPTH} levels")


@pytest.mark.parametrize("depth", [300, 500, 900])
def test_deep_frames_of_the_red_team_are_refused(depth: int) -> None:
    error = parse_frame(frame_of_depth(depth))
    assert isinstance(error, FrameError) and error.code == "FormatViolation"
    assert frame_error_reply("1.6", error) == f'[4,"m-1","FormatViolation","{error.description}",{{}}]'
    assert json.loads(frame_error_reply("2.0.1", error) or "")[:3] == [4, "m-1", "FormatViolation"]


def test_a_frame_too_deep_for_the_parser_has_no_readable_id() -> None:
    error = parse_frame("[" * 20_000 + "]" * 20_000)
    assert error == FrameError(None, "RpcFrameworkError", f"frame nests deeper than {MAX_DEPTH} levels")
    assert json.loads(frame_error_reply("2.1", error) or "")[:3] == [4, "-1", "RpcFrameworkError"]
    assert frame_error_reply("1.6", error) is None  # 1.6: unreadable frames are dropped


def test_a_deep_frame_without_a_readable_id_is_an_rpc_framework_error() -> None:
    error = parse_frame(json.dumps([nested(100), 2]))
    assert isinstance(error, FrameError) and (error.message_id, error.code) == (None, "RpcFrameworkError")
