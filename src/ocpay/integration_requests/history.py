"""What a request's history records: every transition, every notice, every delivery of a notice.

The history is the one channel that always works: a requester's notice is part of it even when
no webhook or mail server is configured or reachable.
"""

from __future__ import annotations

from ocpay.integration_requests.notices import Notice
from ocpay.integration_requests.notifications import Delivery
from ocpay.ocpp.model import now
from ocpay.store.models import RequestHistoryEntry

SYSTEM = "ocpay"  # the actor of what the workflow does on its own: assessing, notifying


def transition_entry(
    request_id: int, before: str | None, after: str, actor: str, detail: str | None
) -> RequestHistoryEntry:
    """The record of a move from `before` (None at submission) to `after`, by `actor`, now."""
    return RequestHistoryEntry(
        request_id=request_id, at=now(), kind="transition", actor=actor[:100],
        from_status=before, to_status=after, detail=detail,
    )  # fmt: skip


def notice_entry(request_id: int, notice: Notice) -> RequestHistoryEntry:
    """The record of a notice in the history itself (channel history, always recorded)."""
    return _notification(request_id, "history", "recorded", f"{notice.event}: {notice.to_json()['summary']}")


def delivery_entry(request_id: int, notice: Notice, delivery: Delivery) -> RequestHistoryEntry:
    """The record of one attempt to send a notice through a channel, with its outcome."""
    return _notification(request_id, delivery.channel, delivery.outcome, f"{notice.event}: {delivery.detail}")


def _notification(request_id: int, channel: str, outcome: str, detail: str) -> RequestHistoryEntry:
    return RequestHistoryEntry(
        request_id=request_id, at=now(), kind="notification", actor=SYSTEM,
        channel=channel, outcome=outcome, detail=detail,
    )  # fmt: skip
