"""Which channels a notice goes through, and where the mail goes."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from ocpay.integration_requests.notices import Notice
from ocpay.integration_requests.notifications import Notifier, email_address


def settings(**fields: Any) -> Any:
    return SimpleNamespace(**{"request_webhook_url": None, "request_smtp_host": None, **fields})


@pytest.mark.parametrize(
    ("contact", "address"),
    [
        ("Charge Ops <ops@cpo.example>", "ops@cpo.example"),
        ("ops@cpo.example", "ops@cpo.example"),
        ("Team Ops, ops@cpo.example", "ops@cpo.example"),
        ("call +49 30 1234", None),
    ],
)
def test_the_mail_address_of_a_contact(contact: str, address: str | None) -> None:
    assert email_address(contact) == address


def test_history_is_always_a_channel() -> None:
    assert Notifier(settings()).channels == ["history"]
    assert Notifier(settings(request_webhook_url="http://hook.example/x")).channels == ["history", "webhook"]
    assert Notifier(settings(request_smtp_host="mail.example")).channels == ["history", "email"]


async def test_without_channels_nothing_is_sent() -> None:
    notice = Notice("assessed", {"id": 1}, "summary", [], [], [])
    assert await Notifier(settings()).send(notice, "ops@cpo.example") == []


async def test_a_contact_without_address_is_skipped_not_failed() -> None:
    notifier = Notifier(settings(request_smtp_host="mail.example", request_smtp_from="ocpay@localhost"))
    notice = Notice("assessed", {"id": 1}, "summary", [], [], [])
    [delivery] = await notifier.send(notice, "Charge Ops, by phone")
    assert (delivery.channel, delivery.outcome) == ("email", "skipped")
