"""Masking of payment-looking values before anything is stored or logged, and the keyed hash of identifiers.

Dialects name their payment identifier fields exactly (dropped, or replaced by a keyed hash); masking
is the safety net for messages no dialect knows, where we can only judge by names and shapes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

MASK = "***"
_SENSITIVE_KEY = re.compile(
    r"pan|card|stan|auth.*code|authoriz|approval|psp|receipt|payment.?(id|ref|transaction)"
    r"|terminal.?(tx|transaction)|aid$|iban|token|ticket|rrn|cvv|track|expiry|reference|^ref$|^report$|vu.?number",
    re.IGNORECASE,
)
_DIGIT_RUN = re.compile(r"\d{6,}")  # card numbers, STANs, authorisation references
# Free text such as a receipt: whatever follows a payment label ("STAN 004711", "AUTHCODE:654321").
_LABELLED = re.compile(
    r"\b(STAN|AUTH\w*|APPR\w*|RRN|TID|AID|REF\w*|PAN|TRX\w*|TXN\w*)(\W{0,3})([A-Z0-9][A-Z0-9-]{2,})",
    re.IGNORECASE,
)


def mask(value: Any, key: str = "", inside_sensitive: bool = False) -> Any:
    """A copy of `value` with payment-looking fields and long digit runs masked.

    Under a payment-looking key (`authorization`, `card`, ...) every value is masked, however deep;
    the keys stay, so the shape of the message can still be assessed.
    """
    sensitive = inside_sensitive or bool(key and _SENSITIVE_KEY.search(key))
    if isinstance(value, dict):
        return {k: mask(v, str(k), sensitive) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, key, sensitive) for v in value]
    if sensitive and value not in (None, "", True, False):
        return MASK
    if isinstance(value, str):
        embedded = _embedded_json(value)  # 1.6 DataTransfer data is JSON inside a string
        if embedded is not None:
            return json.dumps(mask(embedded), separators=(",", ":"))
        return _DIGIT_RUN.sub(MASK, _LABELLED.sub(rf"\1\2{MASK}", value))
    return value


def mask_text(text: str) -> str:
    """A copy of a document's text with payment-looking values masked, line by line where lines are JSON."""
    whole = _embedded_json(text.strip())
    if whole is not None:
        return json.dumps(mask(whole), indent=2)
    lines = []
    for line in text.splitlines():
        parsed = _embedded_json(line.strip())
        lines.append(json.dumps(mask(parsed)) if parsed is not None else str(mask(line)))
    return "\n".join(lines)


def _embedded_json(text: str) -> Any:
    if not text or text[0] not in "{[":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


class ReferenceHasher:
    """A keyed hash of payment identifiers: links later messages to their session, reveals nothing.

    The key comes from the settings, or from the database at start (`use_key`), so that hashes
    stay the same across restarts and processes.
    """

    def __init__(self, key: str | None = None) -> None:
        self._key = key.encode() if key else b""

    @property
    def has_key(self) -> bool:
        """Whether a key was given or set."""
        return bool(self._key)

    def use_key(self, key: str) -> None:
        """Hash with `key` from now on (the stored key, read at start when the settings give none)."""
        self._key = key.encode()

    def __call__(self, value: str) -> str:
        """ "ref:" and 40 hex digits of the keyed hash of `value`."""
        return "ref:" + hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:40]
