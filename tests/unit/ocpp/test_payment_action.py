"""Payment actions of OCPP 2.1 (NotifySettlement, VatNumberValidation, ...): the payments port answers them."""

from __future__ import annotations

import pytest

from ocpay.ocpp.handlers import payment_action
from tests.unit.ocpp.fakes import STATION, FakePayments, ask, context

SETTLEMENT = {
    "transactionId": "tx-77",
    "pspRef": "PSP-1234",
    "status": "Settled",
    "settlementAmount": 12.5,
    "settlementTime": "2025-03-14T09:26:53Z",
}


async def test_a_settlement_is_handed_to_the_payments_port_and_its_answer_sent() -> None:
    payments = FakePayments(action_reply={"receiptId": "R-9", "receiptUrl": "https://pay.example/r/9"})
    handler = payment_action.for_action("NotifySettlement")

    answer = await ask(handler, context("2.1", payments=payments), "NotifySettlement", SETTLEMENT)

    assert payments.calls == [("ocpp_action", (STATION, "2.1", "NotifySettlement", SETTLEMENT))]
    assert answer == {"receiptId": "R-9", "receiptUrl": "https://pay.example/r/9"}


async def test_each_bound_handler_names_its_own_action() -> None:
    payments = FakePayments(action_reply={"vatNumber": "DE123456789", "status": "Accepted"})
    handler = payment_action.for_action("VatNumberValidation")
    payload = {"vatNumber": "DE123456789", "evseId": 1}

    answer = await ask(handler, context("2.1", payments=payments), "VatNumberValidation", payload)

    assert payments.calls == [("ocpp_action", (STATION, "2.1", "VatNumberValidation", payload))]
    assert answer == {"vatNumber": "DE123456789", "status": "Accepted"}
    assert handler.__name__ == "handle_VatNumberValidation"


async def test_without_a_payments_layer_the_action_cannot_be_answered() -> None:
    handler = payment_action.for_action("NotifySettlement")

    with pytest.raises(LookupError, match="NotifySettlement needs the payments layer"):
        await handler(context("2.1"), SETTLEMENT)


async def test_a_payments_port_that_finds_no_dialect_fails_the_action() -> None:
    payments = FakePayments(raises={"ocpp_action": LookupError("no dialect answers NotifySettlement")})

    with pytest.raises(LookupError, match="no dialect"):
        await payment_action.handle(context("2.1", payments=payments), SETTLEMENT, "NotifySettlement")
