"""Delivering a notice to the requester of an integration request: webhook (JSON POST) and e-mail (SMTP).

The request's history records every notice whatever the channels (see `history`); these channels
are optional and each is tried on its own. A channel that fails is reported as a `Delivery` with
the reason, never raised: an unreachable webhook must not undo a verdict. What is sent is the
notice's masked JSON or text (see `notices`), so a payment identifier that slipped into a reason
or a gap is not mailed out in clear.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Literal, Protocol

import httpx

from ocpay import __version__
from ocpay.integration_requests.notices import Notice

log = logging.getLogger(__name__)

Channel = Literal["history", "webhook", "email"]
Outcome = Literal["recorded", "delivered", "failed", "skipped"]
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class NotifierSettings(Protocol):
    """The settings the notifier reads (`ocpay.app.config.Settings` has them): which channels, and how."""

    request_webhook_url: str | None
    request_webhook_timeout: float
    request_smtp_host: str | None
    request_smtp_port: int
    request_smtp_from: str
    request_smtp_user: str | None
    request_smtp_password: str | None
    request_smtp_starttls: bool
    request_smtp_timeout: float


@dataclass(slots=True)
class Delivery:
    """What became of a notice on one channel, and why."""

    channel: Channel
    outcome: Outcome
    detail: str


def email_address(contact: str) -> str | None:
    """The mail address in a requester contact ("Name <a@b.example>", "a@b.example", "Team, a@b.example")."""
    for _name, address in getaddresses([contact]):
        if _ADDRESS.match(address):
            return address
    match = re.search(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+", contact)
    return match.group(0) if match else None


class Notifier:
    """Sends a notice through the channels the settings configure."""

    def __init__(self, settings: NotifierSettings) -> None:
        self.settings = settings

    @property
    def channels(self) -> list[str]:
        """The channels a notice goes through: history always, webhook and email when configured."""
        configured = ["history"]
        if self.settings.request_webhook_url:
            configured.append("webhook")
        if self.settings.request_smtp_host:
            configured.append("email")
        return configured

    async def send(self, notice: Notice, requester: str) -> list[Delivery]:
        """Try every configured channel at once; each answers with its own outcome."""
        jobs = []
        if self.settings.request_webhook_url:
            jobs.append(self._webhook(notice))
        if self.settings.request_smtp_host:
            jobs.append(self._email(notice, requester))
        return list(await asyncio.gather(*jobs))

    async def _webhook(self, notice: Notice) -> Delivery:
        url = self.settings.request_webhook_url or ""
        try:
            async with httpx.AsyncClient(timeout=self.settings.request_webhook_timeout) as client:
                answer = await client.post(
                    url,
                    content=json.dumps(notice.to_json(), default=str, ensure_ascii=False).encode(),
                    headers={"Content-Type": "application/json", "User-Agent": f"ocpay/{__version__}"},
                )
        except httpx.TimeoutException:
            return Delivery(
                "webhook", "failed", f"{_safe_url(url)}: no answer within {self.settings.request_webhook_timeout} s"
            )
        except httpx.HTTPError as exc:
            return Delivery("webhook", "failed", f"{_safe_url(url)}: {type(exc).__name__}: {exc}")
        if answer.is_success:
            return Delivery("webhook", "delivered", f"{_safe_url(url)} answered {answer.status_code}")
        return Delivery("webhook", "failed", f"{_safe_url(url)} answered {answer.status_code}")

    async def _email(self, notice: Notice, requester: str) -> Delivery:
        address = email_address(requester)
        if address is None:
            return Delivery("email", "skipped", "the requester contact has no e-mail address")
        message = EmailMessage()
        message["From"] = self.settings.request_smtp_from
        message["To"] = address
        message["Subject"] = notice.to_json()["summary"]
        message.set_content(notice.text())
        try:
            await asyncio.to_thread(self._smtp_send, message)
        except (OSError, smtplib.SMTPException) as exc:
            return Delivery("email", "failed", f"to {address} via {self.settings.request_smtp_host}: {exc}")
        return Delivery("email", "delivered", f"to {address} via {self.settings.request_smtp_host}")

    def _smtp_send(self, message: EmailMessage) -> None:
        s = self.settings
        assert s.request_smtp_host is not None
        with smtplib.SMTP(s.request_smtp_host, s.request_smtp_port, timeout=s.request_smtp_timeout) as smtp:
            if s.request_smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.request_smtp_user:
                smtp.login(s.request_smtp_user, s.request_smtp_password or "")
            smtp.send_message(message)


def _safe_url(url: str) -> str:
    """The webhook URL without credentials or query (it may carry a secret)."""
    parsed = httpx.URL(url)
    return str(parsed.copy_with(userinfo=b"", query=None, fragment=None))
