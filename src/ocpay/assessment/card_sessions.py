"""How card sessions show on standard messages: one static idTag, a tag prefix, DirectPayment, or a CSMS-issued tag."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ocpay.assessment.evidence import Observed
from ocpay.payments.redaction import mask

if TYPE_CHECKING:
    from ocpay.assessment.message_set import CustomShape

_LETTERS_HEAD = re.compile(r"^[A-Za-z]{3,}[-_:]?")


@dataclass(slots=True)
class CardConventions:
    """How card sessions show on standard messages."""

    id_tags: list[tuple[str, str, Observed]] = field(default_factory=list)  # (action, value, where)
    direct_payment: list[Observed] = field(default_factory=list)
    issued_by: CustomShape | None = None  # the custom message whose answer issued the idTag used
    issued_key: str | None = None
    static: str | None = None
    prefix: str | None = None
    cost_fields: list[str] = field(default_factory=list)

    @property
    def rule(self) -> str | None:
        """The card-session rule the documentation shows (a dialect's `card_sessions` kind), or None."""
        if self.direct_payment:
            return "direct_payment"
        if self.issued_by:
            return "csms_issued"
        if self.static:
            return "static_id_tag"
        if self.prefix:
            return "id_tag_prefix"
        return None

    def to_json(self) -> dict[str, Any]:
        """The conventions as plain JSON values, tags masked."""
        return {
            "static_id_tag": mask(self.static) if self.static else None,
            "id_tag_prefix": mask(self.prefix) if self.prefix else None,
            "direct_payment": bool(self.direct_payment),
            "csms_issued": self.issued_by.name if self.issued_by else None,
            "id_tags_seen": len({v for _, v, _ in self.id_tags}),
            "cost_fields": self.cost_fields,
        }


def is_direct_payment(observed: Observed) -> bool:
    """The message carries an OCPP 2.1 DirectPayment id token."""
    payload = observed.payload if isinstance(observed.payload, dict) else {}
    token = payload.get("idToken")
    return isinstance(token, dict) and token.get("type") == "DirectPayment"


def collect_id_tags(conventions: CardConventions, action: str, observed: Observed) -> None:
    """Note the idTag (or DirectPayment token) a session message presents."""
    payload = observed.payload if isinstance(observed.payload, dict) else {}
    if is_direct_payment(observed):
        conventions.direct_payment.append(observed)
        return
    value = payload.get("idTag")
    token = payload.get("idToken")
    if isinstance(token, dict):
        value = token.get("idToken")
    if isinstance(value, str) and value and action != "StopTransaction":
        conventions.id_tags.append((action, value, observed))


def settle_conventions(conventions: CardConventions, issued: dict[str, tuple[CustomShape, str]]) -> None:
    """From the idTags seen: the custom message that issued them, else one static tag, else their prefix."""
    remaining = []
    for _action, value, _observed in conventions.id_tags:
        if value in issued:
            conventions.issued_by, conventions.issued_key = issued[value]
        else:
            remaining.append(value)
    distinct = sorted(set(remaining))
    if not distinct:
        return
    if len(distinct) == 1:
        conventions.static = distinct[0]
        return
    prefix = _common_prefix(distinct)
    if len(prefix) >= 3:
        conventions.prefix = prefix
        return
    groups: dict[str, set[str]] = {}
    for value in distinct:
        head = letters_prefix(value)
        if head:
            groups.setdefault(head, set()).add(value)
    best = max(groups.items(), key=lambda kv: len(kv[1]), default=None)
    if best and len(best[1]) >= 2:
        conventions.prefix = _common_prefix(sorted(best[1]))


def _common_prefix(values: list[str]) -> str:
    """The common start of card-session tags, cut back to where the variable part begins."""
    prefix = values[0]
    for value in values[1:]:
        while not value.startswith(prefix):
            prefix = prefix[:-1]
    if len(values) > 1:
        prefix = prefix.rstrip("0123456789") if not prefix.isdigit() else ""
    return prefix


def letters_prefix(value: str) -> str | None:
    """The leading letters of a tag (three or more, with one separator), or None."""
    head = _LETTERS_HEAD.match(value)
    return head.group(0) if head else None
