"""The version-neutral model: the defaults handlers rely on, and the one clock every stored time comes from."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from ocpay.ocpp.model import IdToken, StationNotice, TransactionEvent, now


def test_now_is_aware_utc() -> None:
    moment = now()

    assert moment.tzinfo is UTC
    assert abs(moment - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_16_id_tag_is_a_central_token_without_additional_info() -> None:
    assert IdToken("04A2B3C4") == IdToken("04A2B3C4", "Central", ())


def test_a_transaction_event_without_optional_fields_is_online_and_carries_nothing_else() -> None:
    event = TransactionEvent("Updated", "tx-1", 1, "MeterValuePeriodic", now())

    assert event.offline is False
    assert (event.id_token, event.max_cost, event.samples) == (None, None, ())


def test_model_values_are_frozen() -> None:
    token = IdToken("04A2B3C4")

    with pytest.raises(dataclasses.FrozenInstanceError):
        token.value = "other"  # type: ignore[misc]


def test_notices_do_not_share_their_detail() -> None:
    first, second = StationNotice("log"), StationNotice("log")

    first.detail["file"] = "log.tgz"

    assert second.detail == {}
