"""Masking of payment-looking values before anything is stored or logged.

Dialects name their payment identifier fields exactly; this is the safety net for messages no
dialect knows, where we can only judge by names and shapes.
"""

from __future__ import annotations

import re
from typing import Any

MASK = "***"
_SENSITIVE_KEY = re.compile(
    r"pan|card|stan|auth.*code|authoriz|approval|psp|receipt.?(no|num|id)|payment.?(id|ref|transaction)"
    r"|terminal.?(tx|transaction)|aid$|iban|token|ticket|rrn|cvv|track|expiry",
    re.IGNORECASE,
)
_DIGIT_RUN = re.compile(r"\d{8,}")  # card numbers, STANs, authorisation references


def mask(value: Any, key: str = "") -> Any:
    """A copy of `value` with payment-looking fields and long digit runs masked."""
    if isinstance(value, dict):
        return {k: mask(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, key) for v in value]
    if key and _SENSITIVE_KEY.search(key) and value not in (None, "", True, False):
        return MASK
    if isinstance(value, str):
        return _DIGIT_RUN.sub(MASK, value)
    return value
