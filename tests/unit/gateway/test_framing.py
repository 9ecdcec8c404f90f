"""OCPP-J framing rules, without sockets: what a raw text frame parses to and how each version answers it."""

from __future__ import annotations

import json

import pytest

from ocpay.gateway.framing import (
    Call,
    CallError,
    CallResult,
    CallResultError,
    FrameError,
    Send,
    frame_error_reply,
    parse_frame,
)

# -- parse_frame: well-formed messages -----------------------------------------------------------


def test_a_call_parses_to_its_action_and_payload() -> None:
    message = parse_frame('[2, "19223201", "BootNotification", {"chargePointVendor": "VendorX"}]')
    assert message == Call("19223201", "BootNotification", {"chargePointVendor": "VendorX"})


def test_a_call_given_as_bytes_parses_too() -> None:
    assert parse_frame(b'[2, "1", "Heartbeat", {}]') == Call("1", "Heartbeat", {})


def test_a_callresult_parses_to_its_payload() -> None:
    assert parse_frame('[3, "19223201", {"status": "Accepted"}]') == CallResult("19223201", {"status": "Accepted"})


def test_a_callerror_parses_to_code_description_and_details() -> None:
    message = parse_frame('[4, "162376037", "NotSupported", "SetDisplayMessage not supported", {"hint": 1}]')
    assert message == CallError("162376037", "NotSupported", "SetDisplayMessage not supported", {"hint": 1})


def test_a_callerror_with_non_object_details_keeps_empty_details() -> None:
    message = parse_frame('[4, "7", "InternalError", "oops", null]')
    assert message == CallError("7", "InternalError", "oops", {})


def test_a_callresulterror_of_ocpp21_parses() -> None:
    message = parse_frame('[5, "abc", "FormatViolation", "your answer was broken", {}]')
    assert message == CallResultError("abc", "FormatViolation", "your answer was broken", {})
    assert not isinstance(message, CallError)


def test_a_send_of_ocpp21_parses() -> None:
    message = parse_frame('[6, "s-1", "NotifyPeriodicEventStream", {"id": 1, "pending": 0, "basetime": "x"}]')
    assert message == Send("s-1", "NotifyPeriodicEventStream", {"id": 1, "pending": 0, "basetime": "x"})
    assert not isinstance(message, Call)


def test_a_message_id_of_exactly_36_characters_is_fine() -> None:
    message_id = "a" * 36
    assert parse_frame(json.dumps([2, message_id, "Heartbeat", {}])) == Call(message_id, "Heartbeat", {})


# -- parse_frame: broken frames ----------------------------------------------------------------------


def test_invalid_json_is_an_rpc_framework_error_without_message_id() -> None:
    error = parse_frame('[2, "1", "Heartbeat", {')
    assert isinstance(error, FrameError)
    assert error.message_id is None
    assert error.code == "RpcFrameworkError"


@pytest.mark.parametrize("raw", ['{"messageTypeId": 2}', '"Heartbeat"', "42", "null"])
def test_json_that_is_not_an_array_is_an_rpc_framework_error(raw: str) -> None:
    error = parse_frame(raw)
    assert isinstance(error, FrameError)
    assert (error.message_id, error.code) == (None, "RpcFrameworkError")


def test_a_short_array_is_an_rpc_framework_error_keeping_a_readable_id() -> None:
    error = parse_frame('[2, "abc"]')
    assert isinstance(error, FrameError)
    assert (error.message_id, error.code) == ("abc", "RpcFrameworkError")


def test_an_empty_array_is_an_rpc_framework_error() -> None:
    error = parse_frame("[]")
    assert isinstance(error, FrameError)
    assert (error.message_id, error.code) == (None, "RpcFrameworkError")


@pytest.mark.parametrize("message_id", [5, None, ["x"], ""])
def test_a_message_id_that_is_not_a_non_empty_string_is_unreadable(message_id: object) -> None:
    error = parse_frame(json.dumps([2, message_id, "Heartbeat", {}]))
    assert isinstance(error, FrameError)
    assert (error.message_id, error.code) == (None, "RpcFrameworkError")


def test_a_message_id_longer_than_36_characters_is_unreadable() -> None:
    error = parse_frame(json.dumps([2, "a" * 37, "Heartbeat", {}]))
    assert isinstance(error, FrameError)
    assert (error.message_id, error.code) == (None, "RpcFrameworkError")


def test_an_unknown_message_type_is_not_supported() -> None:
    error = parse_frame('[9, "m-9", "Heartbeat", {}]')
    assert isinstance(error, FrameError)
    assert (error.message_id, error.code) == ("m-9", "MessageTypeNotSupported")


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
@pytest.mark.parametrize("frame", ['[5, "r-1", "FormatViolation", "broken", {}]', '[6, "s-1", "Heartbeat", {}]'])
def test_the_21_only_message_types_are_unknown_types_before_21(version: str, frame: str) -> None:
    error = parse_frame(frame, version)
    assert isinstance(error, FrameError) and error.code == "MessageTypeNotSupported"


def test_the_21_only_message_types_parse_on_21() -> None:
    assert isinstance(parse_frame('[6, "s-1", "Heartbeat", {}]', "2.1"), Send)
    assert isinstance(parse_frame('[5, "r-1", "FormatViolation", "broken", {}]', "2.1"), CallResultError)


@pytest.mark.parametrize("type_id", ['"2"', "true", "2.5"])
def test_a_message_type_that_is_not_an_integer_is_an_rpc_framework_error(type_id: str) -> None:
    error = parse_frame(f'[{type_id}, "m-1", "Heartbeat", {{}}]')
    assert isinstance(error, FrameError)
    assert (error.message_id, error.code) == ("m-1", "RpcFrameworkError")


@pytest.mark.parametrize("payload", ["[]", '"text"', "null", "1"])
def test_a_call_whose_payload_is_not_an_object_is_a_format_violation(payload: str) -> None:
    error = parse_frame(f'[2, "c-1", "Heartbeat", {payload}]')
    assert isinstance(error, FrameError)
    assert (error.message_id, error.code) == ("c-1", "FormatViolation")


def test_a_call_without_an_action_name_is_an_rpc_framework_error() -> None:
    error = parse_frame('[2, "c-2", 17, {}]')
    assert isinstance(error, FrameError)
    assert (error.message_id, error.code) == ("c-2", "RpcFrameworkError")


def test_a_call_with_an_extra_element_is_an_rpc_framework_error() -> None:
    error = parse_frame('[2, "c-3", "Heartbeat", {}, {}]')
    assert isinstance(error, FrameError)
    assert (error.message_id, error.code) == ("c-3", "RpcFrameworkError")


def test_a_callresult_whose_payload_is_not_an_object_is_a_format_violation() -> None:
    error = parse_frame('[3, "r-1", ["Accepted"]]')
    assert isinstance(error, FrameError)
    assert (error.message_id, error.code) == ("r-1", "FormatViolation")


def test_a_callerror_missing_its_details_is_a_format_violation() -> None:
    error = parse_frame('[4, "e-1", "InternalError", "oops"]')
    assert isinstance(error, FrameError)
    assert (error.message_id, error.code) == ("e-1", "FormatViolation")


# -- frame_error_reply: per-version answers -----------------------------------------------------------


def _reply(version: str, raw: str) -> list[object] | None:
    error = parse_frame(raw)
    assert isinstance(error, FrameError)
    reply = frame_error_reply(version, error)
    return None if reply is None else json.loads(reply)


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
def test_2x_answers_an_unreadable_frame_with_minus_one_and_rpc_framework_error(version: str) -> None:
    reply = _reply(version, "this is not json")
    assert reply is not None
    assert reply[:3] == [4, "-1", "RpcFrameworkError"]
    assert isinstance(reply[3], str) and reply[4] == {}


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
def test_2x_answers_an_unreadable_message_id_with_minus_one(version: str) -> None:
    reply = _reply(version, json.dumps([2, "x" * 40, "Heartbeat", {}]))
    assert reply is not None and reply[:3] == [4, "-1", "RpcFrameworkError"]


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
def test_2x_answers_an_unknown_message_type_with_message_type_not_supported(version: str) -> None:
    reply = _reply(version, '[9, "m-9", "Heartbeat", {}]')
    assert reply is not None and reply[:3] == [4, "m-9", "MessageTypeNotSupported"]


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
def test_2x_answers_a_short_array_with_its_readable_id(version: str) -> None:
    reply = _reply(version, '[2, "abc"]')
    assert reply is not None and reply[:3] == [4, "abc", "RpcFrameworkError"]


def test_16_drops_an_unreadable_frame() -> None:
    assert _reply("1.6", "this is not json") is None


def test_16_drops_a_frame_with_an_unreadable_message_id() -> None:
    assert _reply("1.6", json.dumps([2, 12, "Heartbeat", {}])) is None


def test_16_drops_an_unknown_message_type() -> None:
    assert _reply("1.6", '[9, "m-9", "Heartbeat", {}]') is None


def test_16_answers_a_broken_frame_with_a_readable_id_as_format_violation() -> None:
    # 1.6 has no RpcFrameworkError; the errata's FormatViolation stands in for it.
    assert _reply("1.6", '[2, "abc"]') == [4, "abc", "FormatViolation", "frame is not an OCPP-J array", {}]


def test_16_answers_a_call_with_a_non_object_payload_as_format_violation() -> None:
    reply = _reply("1.6", '[2, "c-1", "Heartbeat", []]')
    assert reply is not None and reply[:3] == [4, "c-1", "FormatViolation"]


def test_the_error_description_is_cut_to_255_characters() -> None:
    error = FrameError("m", "RpcFrameworkError", "x" * 1000)
    reply = frame_error_reply("2.0.1", error)
    assert reply is not None
    assert len(json.loads(reply)[3]) == 255


# -- the NUL hint ----------------------------------------------------------------------------------


def test_a_call_whose_text_spells_a_nul_may_hold_one() -> None:
    call = parse_frame('[2, "1", "DataTransfer", {"vendorId": "a\\u0000b"}]')
    assert isinstance(call, Call) and call.may_hold_nul


def test_a_call_without_the_escape_cannot_hold_a_nul() -> None:
    call = parse_frame(b'[2, "1", "DataTransfer", {"vendorId": "a\\\\b"}]')
    assert isinstance(call, Call) and not call.may_hold_nul
