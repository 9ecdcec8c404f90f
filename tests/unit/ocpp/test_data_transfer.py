"""DataTransfer from a station: 1.6 carries `data` as a string (JSON or not), 2.x as any JSON value."""

from __future__ import annotations

from typing import Literal

import pytest

from ocpay.gateway.framing import MAX_DEPTH
from ocpay.ocpp.handlers import data_transfer
from ocpay.ocpp.model import CustomMessage, CustomReply, ValueRefused
from tests.unit.ocpp.fakes import STATION, FakeCustom, ask, context


async def test_a_16_string_that_holds_json_reaches_the_port_parsed_and_as_it_came() -> None:
    custom = FakeCustom(reply=CustomReply("Accepted"))
    payload = {"vendorId": "com.alpitronic", "messageId": "PaymentResult", "data": '{"amount": 12.5}'}

    answer = await ask(data_transfer.handle, context("1.6", custom=custom), "DataTransfer", payload)

    message = CustomMessage("com.alpitronic", "PaymentResult", {"amount": 12.5}, raw_data='{"amount": 12.5}')
    assert custom.calls == [("data_transfer", (STATION, "1.6", message))]
    assert answer == {"status": "Accepted"}


async def test_a_16_string_that_is_not_json_is_kept_as_text() -> None:
    custom = FakeCustom()
    payload = {"vendorId": "com.acme", "messageId": "Receipt", "data": "RCPT;12.50;EUR"}

    await ask(data_transfer.handle, context("1.6", custom=custom), "DataTransfer", payload)

    message = CustomMessage("com.acme", "Receipt", "RCPT;12.50;EUR", raw_data="RCPT;12.50;EUR", data_is_json=False)
    assert custom.calls == [("data_transfer", (STATION, "1.6", message))]


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
async def test_a_message_with_only_a_vendor_id_has_no_message_id_and_no_data(version: str) -> None:
    custom = FakeCustom(reply=CustomReply("UnknownVendorId"))

    answer = await ask(data_transfer.handle, context(version, custom=custom), "DataTransfer", {"vendorId": "com.x"})

    assert custom.calls == [("data_transfer", (STATION, version, CustomMessage("com.x", None, None)))]
    assert answer == {"status": "UnknownVendorId"}


async def test_a_16_structured_answer_is_sent_as_json_text() -> None:
    custom = FakeCustom(reply=CustomReply("Accepted", {"price": 0.39, "currency": "EUR"}))
    payload = {"vendorId": "com.alpitronic", "messageId": "GetPrice"}

    answer = await ask(data_transfer.handle, context("1.6", custom=custom), "DataTransfer", payload)

    assert answer == {"status": "Accepted", "data": '{"price":0.39,"currency":"EUR"}'}


async def test_a_16_text_answer_is_sent_as_it_is() -> None:
    custom = FakeCustom(reply=CustomReply("Accepted", "OK;42"))
    payload = {"vendorId": "com.acme", "messageId": "Ping", "data": "x"}

    answer = await ask(data_transfer.handle, context("1.6", custom=custom), "DataTransfer", payload)

    assert answer == {"status": "Accepted", "data": "OK;42"}


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
async def test_2x_data_travels_as_json_both_ways(version: str) -> None:
    custom = FakeCustom(reply=CustomReply("Accepted", {"price": 0.39}))
    payload = {"vendorId": "org.openchargealliance.costmsg", "messageId": "RunningCost", "data": {"meter": [1, 2]}}

    answer = await ask(data_transfer.handle, context(version, custom=custom), "DataTransfer", payload)

    message = CustomMessage("org.openchargealliance.costmsg", "RunningCost", {"meter": [1, 2]})
    assert custom.calls == [("data_transfer", (STATION, version, message))]
    assert answer == {"status": "Accepted", "data": {"price": 0.39}}


@pytest.mark.parametrize("status", ["UnknownVendorId", "UnknownMessageId"])
@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_an_unknown_vendor_or_message_is_answered_without_data(
    version: str, status: Literal["UnknownVendorId", "UnknownMessageId"]
) -> None:
    custom = FakeCustom(reply=CustomReply(status, {"ignored": True}))
    payload = {"vendorId": "com.nobody", "messageId": "Hello"}

    answer = await ask(data_transfer.handle, context(version, custom=custom), "DataTransfer", payload)

    assert answer == {"status": status}


async def test_a_rejected_message_may_say_why() -> None:
    custom = FakeCustom(reply=CustomReply("Rejected", {"reason": "no session"}))
    payload = {"vendorId": "com.alpitronic", "messageId": "PaymentResult", "data": "{}"}

    answer = await ask(data_transfer.handle, context("1.6", custom=custom), "DataTransfer", payload)

    assert answer == {"status": "Rejected", "data": '{"reason":"no session"}'}


async def test_a_custom_message_port_that_fails_fails_the_data_transfer() -> None:
    custom = FakeCustom(raises={"data_transfer": ValueError("dialect broken")})

    with pytest.raises(ValueError, match="dialect broken"):
        await data_transfer.handle(context("2.0.1", custom=custom), {"vendorId": "com.x", "data": 1})


# -- the codec on its own ---------------------------------------------------------------------------


def test_decode_leaves_a_2x_string_as_a_string() -> None:
    message = data_transfer.decode("2.0.1", {"vendorId": "v", "data": '{"a": 1}'})
    assert message == CustomMessage("v", None, '{"a": 1}')


@pytest.mark.parametrize(("version", "data", "sent"), [("1.6", [1, 2], "[1,2]"), ("2.1", [1, 2], [1, 2])])
def test_encode_data_serialises_only_for_16(version: str, data: object, sent: object) -> None:
    assert data_transfer.encode_data(version, data) == sent


async def test_a_16_string_that_holds_json_deeper_than_a_frame_may_nest_is_refused() -> None:
    custom = FakeCustom()
    deep = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    payload = {"vendorId": "com.example", "messageId": "Deep", "data": deep}

    with pytest.raises(ValueRefused) as refused:
        await data_transfer.handle(context("1.6", custom=custom), payload)

    assert refused.value.code == "FormatViolation"
    assert custom.calls == []  # never stored in the unrecognised inbox
