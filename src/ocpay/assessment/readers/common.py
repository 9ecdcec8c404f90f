"""Helpers every reader shares: masked excerpts and first-seen de-duplication."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ocpay.assessment.evidence import decode_data
from ocpay.payments.redaction import mask

EXCERPT_CHARS = 240


def excerpt_of(value: Any) -> str:
    """A short, masked excerpt: never a payment identifier in clear."""
    if isinstance(value, str):
        text = mask(value)
    else:
        text = json.dumps(_mask_frame(value), ensure_ascii=False, separators=(",", ":"))
    text = " ".join(str(text).split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 3] + "..."


def _mask_frame(value: Any) -> Any:
    """Mask a frame, including the JSON that 1.6 DataTransfer carries inside a string."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "data" and isinstance(item, str):
                parsed, is_json, _ = decode_data(item)
                out[key] = json.dumps(mask(parsed)) if is_json else mask(item, key)
            else:
                out[key] = _mask_frame(item) if isinstance(item, (dict, list)) else mask(item, str(key))
        return out
    if isinstance(value, list):
        return [_mask_frame(item) for item in value]
    return mask(value)


def unique(values: Iterable[str | None]) -> list[str]:
    """The non-empty values in the order first seen, each once."""
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)
