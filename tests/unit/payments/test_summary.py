"""A card session's payment summary: statuses only move forward, amounts land where their event says."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from ocpay.payments.summary import amount, summarise, summary_values, text


def card_session(**values: Any) -> Any:
    fields = {
        "billing": "csms",
        "dialect": None,
        "payment_status": None,
        "authorized_amount": None,
        "final_amount": None,
        "currency": None,
        "card_brand": None,
    }
    return SimpleNamespace(**{**fields, **values})


def test_amounts_are_scaled_to_four_places_and_non_numbers_are_none() -> None:
    assert amount(1740, 0.01) == Decimal("17.4000")
    assert amount("12.5", 1.0) == Decimal("12.5000")
    assert [amount(x, 1.0) for x in (None, True, "n/a")] == [None, None, None]


def test_authorized_then_settled_fills_the_summary() -> None:
    session = card_session()
    summarise(session, "d", "authorized", Decimal("50"), {"currency": "EUR", "brand": "VISA"})
    summarise(session, "d", "settled", Decimal("17.4"), {})
    assert (session.billing, session.dialect, session.payment_status) == ("terminal", "d", "settled")
    assert (session.authorized_amount, session.final_amount) == (Decimal("50"), Decimal("17.4"))
    assert (session.currency, session.card_brand) == ("EUR", "VISA")


def test_a_late_message_never_takes_a_settled_session_back() -> None:
    session = card_session(payment_status="settled")
    summarise(session, "d", "authorized", Decimal("50"), {})
    assert session.payment_status == "settled"
    summarise(session, "d", "failed", None, {})
    assert session.payment_status == "settled"


def test_a_shown_price_says_nothing_about_who_pays() -> None:
    session = card_session()
    summarise(session, "d", "price_shown", Decimal("6.6"), {"currency": "EUR"})
    assert session == card_session()


def test_summary_values_are_what_the_sql_twin_receives() -> None:
    values = summary_values("declined", Decimal("3"), {"currency": "EURO", "brand": None})
    assert values == {
        "status": "declined",
        "rank": 2,
        "authorized_amount": None,
        "final_amount": None,
        "currency": "EUR",
        "brand": None,
    }
    assert summary_values("price_shown", None, {})["status"] is None
    assert text(None, 3) is None and text(12345, 3) == "123"
