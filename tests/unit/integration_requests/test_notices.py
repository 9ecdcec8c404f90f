"""What the requester is told: one summary line, the verdict's reasons and next steps, never an identifier."""

from __future__ import annotations

from typing import Any

import pytest

from ocpay.integration_requests.notices import build_notice
from ocpay.store.models import FeatureRequest, IntegrationRequest

PSP = "PSP-8812345678"
ASSESSMENT = {
    "reasons": ["messages match dialect acme", f"pspReference {PSP} seen in the log"],
    "next_steps": ["set the station's PaymentDialect to acme"],
    "gaps": [{"kind": "unknown_message", "message": "Paid", "detail": "not in any dialect", "evidence": ["..."]}],
}


def request(**fields: Any) -> IntegrationRequest:
    values: dict[str, Any] = {
        "id": 12, "status": "compatible", "verdict": "compatible", "dialect": "acme", "confidence": 0.8,
        "charger": "Acme FastOne", "terminal": "PayBox", "ocpp_version": "1.6", "assessment": ASSESSMENT,
    }  # fmt: skip
    return IntegrationRequest(**{**values, **fields})


@pytest.mark.parametrize(
    ("event", "fields", "summary"),
    [
        ("assessed", {}, "Integration request #12 (Acme FastOne x PayBox) was assessed: compatible"),
        (
            "verdict_overridden",
            {"verdict": "needs_development"},
            "Integration request #12 (Acme FastOne x PayBox): the verdict is now needs development",
        ),
        ("rejected", {"status": "rejected"}, "Integration request #12 (Acme FastOne x PayBox) was rejected"),
        ("in_development", {}, "Integration request #12 (Acme FastOne x PayBox) is in development"),
        ("released", {}, "Integration request #12 (Acme FastOne x PayBox) is released"),
    ],
)
def test_each_event_has_its_summary(event: str, fields: dict[str, Any], summary: str) -> None:
    assert build_notice(event, request(**fields), None).summary == summary


def test_a_verdict_tells_its_reasons_and_next_steps_but_gaps_only_when_development_is_needed() -> None:
    compatible = build_notice("assessed", request(), None)
    assert compatible.next_steps == ["set the station's PaymentDialect to acme"]
    assert len(compatible.reasons) == 2
    assert compatible.gaps == []
    needed = build_notice("assessed", request(verdict="needs_development"), None)
    assert needed.gaps == [{"kind": "unknown_message", "message": "Paid", "detail": "not in any dialect"}]


def test_other_events_carry_no_reasons() -> None:
    gone = request(status="rejected", reject_reason="vendor gone")
    rejected = build_notice("rejected", gone, None, note="vendor gone")
    assert (rejected.reasons, rejected.next_steps, rejected.gaps) == ([], [], [])
    assert rejected.note == "vendor gone"
    assert rejected.request["reject_reason"] == "vendor gone"


def test_the_feature_request_is_named() -> None:
    feature = FeatureRequest(id=4, title="Dialect for Acme FastOne x PayBox", status="opened")
    notice = build_notice("assessed", request(verdict="needs_development"), feature)
    assert notice.feature_request == {"id": 4, "title": "Dialect for Acme FastOne x PayBox", "status": "opened"}
    assert "Feature request #4: Dialect for Acme FastOne x PayBox (opened)" in notice.text()


def test_the_text_reads_top_down() -> None:
    text = build_notice("assessed", request(), None, note="checked by hand").text()
    assert text.splitlines()[:7] == [
        "Integration request #12 (Acme FastOne x PayBox) was assessed: compatible",
        "",
        "Charger: Acme FastOne",
        "Terminal: PayBox",
        "OCPP: 1.6",
        "Status: compatible",
        "Verdict: compatible (dialect acme)",
    ]
    assert "\nNote: checked by hand\n" in text
    assert "\nNext steps:\n  - set the station's PaymentDialect to acme\n" in text
    assert text.endswith("\n")


def test_payment_identifiers_are_masked_in_json_and_text() -> None:
    notice = build_notice("assessed", request(), None, note=f"the PSP reference was {PSP}")
    assert PSP in notice.reasons[1]  # the notice itself keeps what it was given...
    assert PSP not in str(notice.to_json())  # ...what is sent does not
    assert PSP not in notice.text()
