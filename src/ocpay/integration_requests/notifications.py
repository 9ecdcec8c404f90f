"""Telling the requester of an integration request each outcome: webhook (JSON POST) and e-mail (SMTP).

The request's history records every notice whatever the channels (see `requests`); these channels
are optional and each is tried on its own. A channel that fails is reported as a `Delivery` with
the reason, never raised: an unreachable webhook must not undo a verdict. Everything sent goes
through `redaction.mask` once more, so a payment identifier that slipped into a reason or a gap
is not mailed out in clear.
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
from typing import Any, Literal

import httpx

from ocpay import __version__
from ocpay.app.config import Settings
from ocpay.payments.redaction import mask

log = logging.getLogger(__name__)

Channel = Literal["history", "webhook", "email"]
Outcome = Literal["recorded", "delivered", "failed", "skipped"]
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


@dataclass(slots=True)
class Delivery:
    channel: Channel
    outcome: Outcome
    detail: str


@dataclass(slots=True)
class Notice:
    """One outcome of a request, as the requester is told it."""

    event: str  # assessed, verdict_overridden, rejected, in_development, released
    request: dict[str, Any]  # id, status, verdict, dialect, confidence, charger, terminal, ocpp_version
    summary: str  # one line for people
    reasons: list[str]
    next_steps: list[str]
    gaps: list[dict[str, Any]]
    note: str | None = None
    feature_request: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        body = {
            "event": self.event,
            "summary": self.summary,
            "request": self.request,
            "reasons": self.reasons,
            "next_steps": self.next_steps,
            "gaps": self.gaps,
            "note": self.note,
            "feature_request": self.feature_request,
        }
        return mask(body)

    def text(self) -> str:
        body = self.to_json()
        lines = [body["summary"], ""]
        req = body["request"]
        lines.append(f"Charger: {req.get('charger')}")
        lines.append(f"Terminal: {req.get('terminal')}")
        if req.get("ocpp_version"):
            lines.append(f"OCPP: {req['ocpp_version']}")
        lines.append(f"Status: {req.get('status')}")
        if req.get("verdict"):
            lines.append(f"Verdict: {req['verdict']}" + (f" (dialect {req['dialect']})" if req.get("dialect") else ""))
        if body["note"]:
            lines += ["", f"Note: {body['note']}"]
        for title, items in (("Reasons", body["reasons"]), ("Next steps", body["next_steps"])):
            if items:
                lines += ["", f"{title}:"] + [f"  - {x}" for x in items]
        if body["gaps"]:
            lines += ["", "Gaps:"] + [
                f"  - {g.get('kind')}: {g.get('message')}: {g.get('detail')}" for g in body["gaps"]
            ]
        if body["feature_request"]:
            fr = body["feature_request"]
            lines += ["", f"Feature request #{fr.get('id')}: {fr.get('title')} ({fr.get('status')})"]
        return "\n".join(lines) + "\n"


def email_address(contact: str) -> str | None:
    """The mail address in a requester contact ("Name <a@b.example>", "a@b.example", "Team, a@b.example")."""
    for _name, address in getaddresses([contact]):
        if _ADDRESS.match(address):
            return address
    match = re.search(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+", contact)
    return match.group(0) if match else None


class Notifier:
    """Sends a notice through the channels the settings configure."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def channels(self) -> list[str]:
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
