"""A gap: something the platform cannot do today for the pair, with the evidence that shows it.

Kinds, by where they are found:

- the message set (`conformance`): ``schema_violation``, ``non_standard_frame``;
- the comparison with a dialect (`fit`, `message_fit`): ``direction_mismatch``, ``ocpp_version``,
  ``data_not_json``, ``missing_field``, ``renamed_field``, ``optional_vs_required``, ``extra_fields``,
  ``schema_mismatch``, ``needs_csms_data``, ``vendor_id_mismatch``, ``card_session_rule``;
- the verdict (`verdict`): ``unknown_message``, ``needs_csms_data``, ``no_event_source``.

Any gap makes the verdict ``needs_development`` (see `rules`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ocpay.assessment.evidence import Evidence


@dataclass(slots=True)
class Gap:
    """One thing missing for the pair: its kind, the message it concerns, what is wrong, and where it shows."""

    kind: str
    message: str
    detail: str
    evidence: list[Evidence] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The gap as plain JSON values (the first five pieces of evidence)."""
        return {
            "kind": self.kind,
            "message": self.message,
            "detail": self.detail,
            "evidence": [e.to_json() for e in self.evidence[:5]],
        }
