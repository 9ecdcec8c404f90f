"""What a request's history records of moves, notices and deliveries."""

from __future__ import annotations

from ocpay.integration_requests.history import SYSTEM, delivery_entry, notice_entry, transition_entry
from ocpay.integration_requests.notices import Notice
from ocpay.integration_requests.notifications import Delivery

NOTICE = Notice("rejected", {"id": 5}, "Integration request #5 (A x B) was rejected", [], [], [])


def test_a_move_names_both_states_and_the_actor() -> None:
    entry = transition_entry(5, "assessed", "supported", "r" * 150, "fits")
    assert (entry.kind, entry.from_status, entry.to_status) == ("transition", "assessed", "supported")
    assert entry.detail == "fits"
    assert entry.actor == "r" * 100  # the column's width
    assert entry.at.tzinfo is not None


def test_every_notice_is_recorded_in_the_history_itself() -> None:
    entry = notice_entry(5, NOTICE)
    assert (entry.kind, entry.actor, entry.channel, entry.outcome) == ("notification", SYSTEM, "history", "recorded")
    assert entry.detail == "rejected: Integration request #5 (A x B) was rejected"


def test_a_delivery_keeps_its_outcome_and_reason() -> None:
    entry = delivery_entry(5, NOTICE, Delivery("webhook", "failed", "http://hook.example answered 500"))
    assert (entry.channel, entry.outcome) == ("webhook", "failed")
    assert entry.detail == "rejected: http://hook.example answered 500"
