"""Redaction: payment-looking values masked (the safety net for messages no dialect knows), identifiers hashed."""

from __future__ import annotations

import json

from ocpay.payments.redaction import MASK, ReferenceHasher, mask, mask_text


def test_payment_identifiers_by_name_and_by_label_are_masked() -> None:
    masked = mask(
        {
            "report": "STAN 004711 AUTH A1B2C3 RRN 1234567",
            "receiptString": "... AUTHCODE:654321",
            "reference": "PSP-8F3K2LQ",
            "transactionReference": "AB12CD34EF",
            "note": "paid STAN 004711 AUTHCODE:654321 ok",
            "card": {"type": "VISA", "pan": "411111******1111"},
            "amount": 12.5,
            "vendor": "Acme",
            "at": "2026-11-25T12:00:00Z",
        }
    )
    assert masked == {
        "report": MASK,
        "receiptString": MASK,
        "reference": MASK,
        "transactionReference": MASK,
        "note": f"paid STAN {MASK} AUTHCODE:{MASK} ok",
        "card": {"type": MASK, "pan": MASK},  # everything under a payment key, the keys kept
        "amount": 12.5,
        "vendor": "Acme",
        "at": "2026-11-25T12:00:00Z",
    }


def test_json_inside_a_string_is_masked_as_json() -> None:
    data = json.dumps({"paymentId": "PAY-99812345678901", "terminalId": "T1", "kwh": 12})
    masked = json.loads(mask({"vendorId": "X", "data": data})["data"])
    assert masked == {"paymentId": MASK, "terminalId": "T1", "kwh": 12}


def test_a_document_is_masked_line_by_line() -> None:
    text = '{"message": [2, "1", "DataTransfer", {"data": "{\\"stan\\": \\"004711\\"}"}]}\nCard 4111111111111111 used'
    masked = mask_text(text)
    assert "004711" not in masked and "4111111111111111" not in masked
    assert masked.splitlines()[1] == f"Card {MASK} used"


def test_a_payment_reference_is_hashed_with_the_key_and_never_kept_in_clear() -> None:
    hasher = ReferenceHasher("key-1")
    hashed = hasher("PSP-8F3K2LQ")
    assert hashed == hasher("PSP-8F3K2LQ") and hashed != hasher("PSP-8F3K2LR")
    assert hashed.startswith("ref:") and len(hashed) == 44 and "8F3K2LQ" not in hashed
    assert ReferenceHasher("key-2")("PSP-8F3K2LQ") != hashed  # a stolen hash is useless without the key


def test_a_hasher_without_a_key_takes_the_stored_one() -> None:
    hasher = ReferenceHasher()
    assert not hasher.has_key
    hasher.use_key("key-1")
    assert hasher.has_key and hasher("PSP-1") == ReferenceHasher("key-1")("PSP-1")
