"""Documents are judged by their content, whatever their name or media type claims."""

from __future__ import annotations

import io
import json
import re
import zipfile
from contextlib import AbstractContextManager

import pytest

from ocpay.assessment import combine
from ocpay.integration_requests import reading, uploads
from ocpay.integration_requests.errors import DocumentTooLarge, InvalidRequest, RefusedDocument, UnsupportedDocument
from ocpay.integration_requests.uploads import Upload, check_document, check_request_size, kept_copy, safe_name
from ocpay.integrations.catalog import Catalog
from ocpay.integrations.dialects import DialectSet
from tests.unit.assessment.corpus import minimal_pdf

PSP = "PSP-8812345678"
DATA = json.dumps({"pspReference": PSP, "amount": 1250})
FRAMES = [
    ("to_csms", [2, "1", "DataTransfer", {"vendorId": "VoltPay", "messageId": "Paid", "data": DATA}]),
    ("to_station", [3, "1", {"status": "Accepted"}]),
]
LOG = b"".join(json.dumps({"direction": d, "message": m}).encode() + b"\n" for d, m in FRAMES)
LIMIT = 100_000


def refused(kind: type[Exception], message: str) -> AbstractContextManager[pytest.ExceptionInfo[Exception]]:
    """Expect `kind` with `message` (literally) in its text."""
    return pytest.raises(kind, match=re.escape(message))


def check(name: str, content: bytes, media_type: str | None = None) -> uploads.CheckedDocument:
    return check_document(Upload(name, content, media_type), LIMIT)


def zipped(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def test_a_message_log_is_read_as_a_log() -> None:
    document = check("capture.jsonl", LOG)
    assert document.media_type == "application/x-ndjson"
    assert document.documentation.kind == "log"
    assert len(document.documentation.messages) == 2
    assert document.size == len(LOG)


def test_the_content_decides_when_neither_name_nor_media_type_says() -> None:
    assert check("capture", LOG).documentation.kind == "log"
    assert check("capture", LOG, "application/octet-stream").documentation.kind == "log"


def test_any_text_may_be_named_txt() -> None:
    assert check("capture.txt", LOG).media_type == "text/plain"


@pytest.mark.parametrize(
    ("name", "content", "media_type", "reason"),
    [
        ("capture.json", zipped("capture.jsonl", LOG), None, "is a ZIP archive; archives are not accepted"),
        ("capture.zip", LOG, None, "archives (.zip) are not accepted"),
        ("capture", LOG, "application/zip", "archives (application/zip) are not accepted"),
        ("capture.json", b"\x1f\x8b\x08\x00rest", None, "is a gzip archive"),
        ("capture.json", b"capture.jsonl".ljust(257, b"\x00") + b"ustar\x0000" + bytes(100), None, "is a tar archive"),
    ],
)
def test_archives_are_refused_by_name_media_type_or_content(
    name: str, content: bytes, media_type: str | None, reason: str
) -> None:
    with refused(UnsupportedDocument, reason) as refusal:
        check(name, content, media_type)
    assert refusal.value.name == name


@pytest.mark.parametrize(
    ("name", "content", "media_type", "message"),
    [
        ("capture.json", b"%PDF-1.4 ...", None, "claims to be JSON by its name (.json) but its content is a PDF"),
        ("notes.txt", b"%PDF-1.4 ...", None, "claims to be text by its name (.txt) but its content is a PDF"),
        ("manual.pdf", LOG, None, "manual.pdf: claims to be a PDF by its name (.pdf) but its content is JSON"),
        ("capture.json", LOG, "text/html", "claims to be HTML by its media type (text/html) but its content is JSON"),
        ("capture.json", b"hello world", None, "claims to be JSON by its name (.json) but its content is text"),
    ],
)  # fmt: skip
def test_the_claimed_type_must_match_the_content(
    name: str, content: bytes, media_type: str | None, message: str
) -> None:
    with refused(UnsupportedDocument, message):
        check(name, content, media_type)


@pytest.mark.parametrize(
    ("name", "content", "media_type", "reason"),
    [
        ("photo.json", b"\x89PNG\r\n\x1a\n....", None, "is a PNG image"),
        ("tool", b"\x7fELF\x02\x01", None, "is an executable"),
        ("data.log", b"abc\x00def", None, "is a binary file"),
        ("setup.exe", LOG, None, "files of type .exe are not accepted"),
        ("capture", LOG, "image/png", "media type image/png is not accepted"),
    ],
)
def test_binaries_and_unknown_types_are_refused(name: str, content: bytes, media_type: str | None, reason: str) -> None:
    with refused(UnsupportedDocument, reason):
        check(name, content, media_type)


def test_empty_documents_are_refused() -> None:
    with refused(RefusedDocument, "notes.md: is empty"):
        check("notes.md", b"")
    with refused(RefusedDocument, "only white space"):
        check("notes.md", b"  \n\t\n")


def test_a_document_over_the_limit_is_too_large() -> None:
    with refused(DocumentTooLarge, f"is {len(LOG)} bytes, more than the 100 bytes allowed per document"):
        check_document(Upload("capture.jsonl", LOG), 100)


def test_the_limits_of_a_request_hold_for_all_its_documents_together() -> None:
    limits = {"max_documents": 2, "max_total_bytes": 2 * len(LOG)}
    check_request_size([Upload("a.jsonl", LOG), Upload("b.jsonl", LOG)], **limits)
    with refused(InvalidRequest, "attach at least one document"):
        check_request_size([], **limits)
    with refused(InvalidRequest, "3 documents, more than the 2 accepted per request"):
        check_request_size([Upload(n, LOG) for n in ("a.jsonl", "b.jsonl", "c.jsonl")], **limits)
    with refused(DocumentTooLarge, "a.jsonl, b.jsonl: together"):
        check_request_size([Upload("a.jsonl", LOG), Upload("b.jsonl", LOG + b"\n")], **limits)


def test_a_submission_is_read_document_by_document_and_one_refused_refuses_it() -> None:
    dialects = DialectSet.load()
    reading.know(dialects, Catalog.load(dialects))
    stages: list[str] = []
    read = reading.read_submission(stages.append, [Upload("a.jsonl", LOG)], LIMIT, "Voltaro V50", "VoltPay T1", None)
    assert stages == ["reading a.jsonl", "assessing"]
    assert [(d.name, d.media_type) for d in read.documents] == [("a.jsonl", "application/x-ndjson")]
    assert PSP not in read.documents[0].content.decode() and read.assessment.verdict == "needs_development"
    stages.clear()
    with refused(UnsupportedDocument, "b.zip"):
        reading.read_submission(stages.append, [Upload("a.jsonl", LOG), Upload("b.zip", LOG)], LIMIT, "A", "B", None)
    assert stages == ["reading a.jsonl", "reading b.zip"]


def test_a_readable_pdf_is_accepted_and_a_broken_one_refused() -> None:
    pdf = minimal_pdf(["DataTransfer vendorId VoltPay messageId Paid", f"pspReference {PSP}"])
    assert check("manual.pdf", pdf).media_type == "application/pdf"
    with refused(RefusedDocument, "manual.pdf: is not a readable PDF"):
        check("manual.pdf", b"%PDF-1.4 nothing else")


def test_a_pdf_with_too_many_pages_is_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "MAX_PDF_PAGES", 0)
    with refused(DocumentTooLarge, "is a PDF of 1 pages, more than the 0 read"):
        check("manual.pdf", minimal_pdf(["one page"]))


def test_the_kept_copy_masks_payment_identifiers() -> None:
    kept = kept_copy(check("capture.jsonl", LOG)).decode()
    assert PSP not in kept
    assert "1250" in kept  # amounts are not identifiers
    assert "VoltPay" in kept


def test_the_kept_copy_of_a_pdf_is_its_masked_text() -> None:
    pdf = minimal_pdf(["Terminal manual", json.dumps({"pspReference": PSP})])
    kept = kept_copy(check("manual.pdf", pdf)).decode()
    assert kept.startswith("(text extracted from the PDF; the PDF itself is not kept)\n")
    assert "Terminal manual" in kept
    assert PSP not in kept
    assert b"%PDF" not in kept.encode()


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/capture.jsonl", "capture.jsonl"),
        ("C:\\Users\\ops\\capture.jsonl", "capture.jsonl"),
        ("bad\x07name.md", "badname.md"),
        ("", "document"),
        ("...", "document"),
        ("x" * 300 + ".jsonl", "x" * 190 + ".jsonl"),
    ],
)
def test_safe_name_keeps_the_base_name_only(name: str, safe: str) -> None:
    assert safe_name(name) == safe


def test_a_refused_document_is_named_by_its_safe_name() -> None:
    with pytest.raises(UnsupportedDocument) as refusal:
        check("../secret/capture.zip", LOG)
    assert refusal.value.name == "capture.zip"
    assert str(refusal.value).startswith("capture.zip: ")


def test_combined_documents_read_as_one() -> None:
    log = check("capture.jsonl", LOG).documentation
    notes = check("notes.txt", LOG).documentation
    combined = combine([log, notes])
    assert combined.kind == "log"  # the strongest kind wins
    assert combined.source == f"{log.source} + {notes.source}"
    assert len(combined.messages) == len(log.messages) + len(notes.messages)
    assert combined.named_vendor_ids == list(dict.fromkeys(combined.named_vendor_ids))
    assert combine([log]) is log
