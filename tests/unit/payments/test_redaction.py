"""Redaction: payment-looking values masked (the safety net for messages no dialect knows), identifiers hashed."""

from __future__ import annotations

import json
import logging
import time

import pytest

from ocpay.payments.redaction import (
    MASK,
    ReferenceHasher,
    is_card_number,
    mask,
    mask_logs,
    mask_string,
    mask_text,
    sensitive_key,
)


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


# -- one mechanism: the shapes of identifiers wherever they are ----------------------------------------

CARD = "4111111111111111"  # Luhn-valid test card numbers
AMEX = "378282246310005"


@pytest.mark.parametrize(
    "spelled", [CARD, "4111 1111 1111 1111", "4111-1111-1111-1111", "3782 822463 10005", "card4111111111111111"]
)
def test_a_card_number_is_masked_in_any_spacing(spelled: str) -> None:
    assert mask_string(f"paid with {spelled} today") in (f"paid with {MASK} today", f"paid with card{MASK} today")


def test_card_numbers_are_masked_under_any_key_nested_and_as_json_numbers() -> None:
    data = {"acct": CARD, "x": {"y": [int(AMEX), "4111 1111 1111 1111"]}, CARD: 1, "kwh": 1234567, "at": 1732530000}
    assert mask(data) == {"acct": MASK, "x": {"y": [MASK, MASK]}, MASK: 1, "kwh": 1234567, "at": 1732530000}
    assert json.loads(mask(json.dumps({"acct": int(CARD)}))) == {"acct": MASK}  # 1.6 data: JSON in a string


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("PAN=*** 1111 1111 1111", f"PAN={MASK}"),  # partly masked by someone else: the rest too
        ("Auth ***: A1B2C3", f"Auth {MASK}"),
        ("Auth code: A1B2C3", f"Auth code: {MASK}"),  # the word "code" is the label's, the value is masked
        ("approval *** 9Z8Y7X", f"approval {MASK}"),
        ("card 4111111111111111 declined, auth A1B2C3", f"card {MASK} declined, auth {MASK}"),
        ("STAN 004711 RRN 123456789012 TID T1", f"STAN {MASK} RRN {MASK} TID T1"),
        ("AUTHCODE:654321", f"AUTHCODE:{MASK}"),
        ("Genehmigungs-Nr.: 654321", f"Genehmigungs-Nr.: {MASK}"),
        ("Genehmigungsnummer 77AB12", f"Genehmigungsnummer {MASK}"),
        ("Code d'autorisation : 123ABC", f"Code d'autorisation : {MASK}"),
        ("código de autorización: 77XY12", f"código de autorización: {MASK}"),
        ("codice di autorizzazione 5T6Y7U", f"codice di autorizzazione {MASK}"),
        ("CVV 123, CVC2: 456", f"CVV {MASK}, CVC2: {MASK}"),
        ("exp 12/29, gültig bis 01/30", f"exp {MASK}, gültig bis {MASK}"),
        ("pspRef PSP-8F3K2LQ", f"pspRef {MASK}"),
        ("411111******1111 and XXXX XXXX XXXX 1111", f"{MASK} and {MASK}"),
        ("paymentId PAY-0011223344556, card 4111111111111112", f"paymentId PAY-{MASK}, card {MASK}"),  # long numbers
    ],
)
def test_labelled_and_partly_masked_codes_are_masked_whole(text: str, masked: str) -> None:
    assert mask_string(text) == masked


@pytest.mark.parametrize(
    "kept",
    [
        "AuthorizeRemoteTxRequests",
        "APPROVED",
        "Authorization failed",
        "card declined",
        "firmware 1.2.3-20231105",
        "2026-11-25T12:00:00.123456Z",
        "123e4567-e89b-12d3-a456-426614174000",
        "SN20231105000123",  # a serial number: glued to its word and no card number
        "TransactionEvent at 12:00 on EVSE 2",
    ],
)
def test_what_is_not_an_identifier_is_not_mangled(kept: str) -> None:
    assert mask_string(kept) == kept
    assert mask({"configurationKey": [{"key": kept}]}) == {"configurationKey": [{"key": kept}]}


def test_field_names_are_judged_by_their_words() -> None:
    for name in ("pan", "cardNumber", "PSPReference", "authCode", "acct", "stan", "vuNumber", "report", "expiryDate"):
        assert sensitive_key(name), name
    for name in ("company", "distance", "standard", "instance", "reportType", "transactionId", "idTag", "expected"):
        assert not sensitive_key(name), name


def test_a_url_keeps_its_place_and_loses_its_identifiers() -> None:
    url = f"https://receipts.example/r?id=77&pan={CARD}&auth=A1B2C3&ref=zzz#top"
    assert mask_string(url) == f"https://receipts.example/r?id=77&pan={MASK}&auth={MASK}&ref={MASK}#top"


def test_an_uploaded_document_is_masked_whatever_its_lines_hold() -> None:
    text = "card 4111-1111-1111-1111\napproval *** 9Z8Y7X\nCVV 123\nexp 12/29\n" + json.dumps({"acct": int(CARD)})
    masked = mask_text(text)
    for secret in ("4111", "9Z8Y7X", "123", "12/29"):
        assert secret not in masked
    assert masked.splitlines()[:4] == [f"card {MASK}", f"approval {MASK}", f"CVV {MASK}", f"exp {MASK}"]


def test_an_idtag_that_is_a_card_number_is_recognised() -> None:
    assert is_card_number(CARD) and is_card_number("4111 1111 1111 1111") and is_card_number(AMEX)
    assert not is_card_number("4111111111111112") and not is_card_number("04E1A2B3C4D5E6") and not is_card_number("12")


def test_every_log_record_is_masked_message_and_traceback(caplog: pytest.LogCaptureFixture) -> None:
    mask_logs()
    mask_logs()  # idempotent: one mask, not two
    log = logging.getLogger("ocpay.test")
    with caplog.at_level(logging.INFO):
        log.info("station %s said: %s", "CP-1", f"card {CARD} declined, auth A1B2C3")
        try:
            raise ValueError(f"bad PAN {CARD}")
        except ValueError:
            log.exception("failed")
    text = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert CARD not in text and "A1B2C3" not in text
    assert "station CP-1 said: card *** declined" in text and "bad PAN ***" in text


@pytest.mark.parametrize(
    "hostile", ["1 " * 50_000, "1-" * 50_000, "auth " * 20_000, "*" * 100_000, "auth " + "*** " * 25_000, "X" * 100_000]
)
def test_masking_takes_linear_time(hostile: str) -> None:
    started = time.perf_counter()
    mask_string(hostile)
    one = time.perf_counter() - started
    started = time.perf_counter()
    mask_string(hostile * 4)
    four = time.perf_counter() - started
    assert four < 12 * one + 0.05  # 4x the text, about 4x the time: no quadratic rule
