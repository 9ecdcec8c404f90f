"""Receiving: a standard payment action whose data breaks its dialect is refused with the precise CALLERROR."""

from __future__ import annotations

from typing import Any

import pytest

from ocpay.ocpp.model import StationNotice, ValueRefused
from ocpay.payments.receiving import Receiver
from ocpay.payments.redaction import ReferenceHasher
from tests.unit.payments.fakes import FakeDb, dialect

SETTLEMENT = dialect("""
id: test.settlement
title: Settlement with a schema
version: "1"
provenance: {kind: inferred, source: written for this test}
ocpp_versions: ["2.1"]
messages:
  - name: NotifySettlement
    kind: ocpp_action
    action: NotifySettlement
    direction: to_csms
    event: settled
    schema:
      type: object
      required: [pspRef, receiptId]
      properties:
        pspRef: {type: string}
        receiptId: {type: string, pattern: "^R-[0-9]+$"}
    map: {reference: pspRef}
""")
CARD = "4111111111111111"


class Notices:
    """The stations service as the receiver uses it: it keeps the notices it is given."""

    def __init__(self) -> None:
        self.kept: list[StationNotice] = []

    async def notice(self, station_id: str, notice: StationNotice) -> None:
        self.kept.append(notice)


def receiver(notices: Notices) -> Receiver:
    none: Any = None  # nothing past the schema check is reached
    return Receiver(FakeDb(), notices, none, none, none, ReferenceHasher("k"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"pspRef": f"card {CARD}"}, "OccurrenceConstraintViolation"),
        ({"pspRef": "P-1", "receiptId": f"card {CARD}"}, "PropertyConstraintViolation"),
        ({"pspRef": 4111111111111111, "receiptId": "R-1"}, "TypeConstraintViolation"),
    ],
)
async def test_a_payment_action_breaking_its_dialect_is_refused_precisely_and_recorded_masked(
    data: dict[str, Any], code: str
) -> None:
    notices = Notices()
    (message,) = SETTLEMENT.messages
    with pytest.raises(ValueRefused) as refused:
        await receiver(notices).receive("CP-1", SETTLEMENT, message, {}, data, refuse=True)
    assert refused.value.code == code and "NotifySettlement" in refused.value.description
    (notice,) = notices.kept
    assert (notice.kind, notice.status) == ("dialect", "rejected")
    assert CARD not in str(notice.detail) and CARD not in refused.value.description


async def test_a_custom_message_breaking_its_dialect_is_answered_not_raised() -> None:
    notices = Notices()
    (message,) = SETTLEMENT.messages
    assert await receiver(notices).receive("CP-1", SETTLEMENT, message, {}, {"pspRef": "P-1"}) is None
    assert len(notices.kept) == 1
