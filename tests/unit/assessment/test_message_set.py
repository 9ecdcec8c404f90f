"""The message set: custom messages grouped by shape, the OCPP version, and how card sessions show."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ocpay.assessment import build_message_set, infer_version, read_log


def log(*frames: tuple[str, list[Any]]) -> Any:
    return read_log("t.jsonl", "\n".join(json.dumps({"direction": d, "message": f}) for d, f in frames))


def start(id_tag: str, n: int = 1) -> tuple[str, list[Any]]:
    payload = {"connectorId": 1, "idTag": id_tag, "meterStart": 0, "timestamp": "2025-01-01T10:00:00Z"}
    return "to_csms", [2, f"s{n}", "StartTransaction", payload]


def data_transfer(message_id: str, data: Any, n: int = 1) -> tuple[str, list[Any]]:
    return "to_csms", [2, f"d{n}", "DataTransfer", {"vendorId": "Acme", "messageId": message_id, "data": data}]


def test_start_transaction_means_ocpp_16() -> None:
    assert infer_version(log(start("A"))) == "1.6"


def test_a_direct_payment_token_means_ocpp_21() -> None:
    event = {
        "eventType": "Started",
        "timestamp": "2025-01-01T10:00:00Z",
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "t1"},
        "idToken": {"idToken": "ref", "type": "DirectPayment"},
    }
    assert infer_version(log(("to_csms", [2, "1", "TransactionEvent", event]))) == "2.1"


def test_a_given_version_wins_and_must_be_one_ocpay_speaks() -> None:
    assert infer_version(log(start("A")), "2.0.1") == "2.0.1"
    with pytest.raises(ValueError, match=r"not one of 1\.6, 2\.0\.1, 2\.1"):
        infer_version(log(start("A")), "3.0")


def test_examples_of_one_message_make_one_shape_with_an_inferred_schema() -> None:
    doc = log(data_transfer("Paid", '{"amount": 5}', 1), data_transfer("Paid", '{"amount": 7.5}', 2))
    mset = build_message_set(doc, "1.6")
    (shape,) = mset.custom
    assert shape.name == "DataTransfer Acme/Paid" and len(shape.examples) == 2
    assert shape.schema["properties"]["amount"] == {"type": "number"}


def test_a_custom_message_remembers_what_came_just_before_it() -> None:
    mset = build_message_set(log(start("A"), data_transfer("Paid", "{}")), "1.6")
    assert dict(mset.custom[0].after) == {"StartTransaction": 1}


def test_a_message_answered_unknown_without_data_is_ignorable() -> None:
    doc = log(data_transfer("Hello", "{}"), ("to_station", [3, "d1", {"status": "UnknownMessageId"}]))
    (shape,) = build_message_set(doc, "1.6").custom
    assert shape.ignorable and not shape.expects_data


def test_one_id_tag_for_every_card_session_is_static() -> None:
    conventions = build_message_set(log(start("CARD-1", 1), start("CARD-1", 2)), "1.6").conventions
    assert (conventions.rule, conventions.static) == ("static_id_tag", "CARD-1")


def test_card_tags_with_a_common_start_share_a_prefix() -> None:
    conventions = build_message_set(log(start("EMVS123", 1), start("EMVS456", 2)), "1.6").conventions
    assert (conventions.rule, conventions.prefix) == ("id_tag_prefix", "EMVS")


def test_a_tag_issued_in_an_answer_is_csms_issued() -> None:
    doc = log(
        data_transfer("Authorize", "{}"),
        ("to_station", [3, "d1", {"status": "Accepted", "data": '{"tagId": "OSP-1"}'}]),
        start("OSP-1"),
    )
    conventions = build_message_set(doc, "1.6").conventions
    assert conventions.rule == "csms_issued" and conventions.issued_key == "tagId"
    assert conventions.issued_by is not None and conventions.issued_by.name == "DataTransfer Acme/Authorize"


def test_frames_that_break_the_official_schema_are_violations() -> None:
    broken = ("to_csms", [2, "s1", "StartTransaction", {"connectorId": 1, "idTag": "A"}])
    (gap,) = build_message_set(log(broken), "1.6").violations
    assert gap.kind == "schema_violation" and gap.message == "StartTransaction" and "station" in gap.detail
