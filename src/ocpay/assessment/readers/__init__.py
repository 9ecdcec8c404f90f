"""Readers, one per form of documentation; `read_documentation` picks the one a file needs.

1. a dialect file in ocpay's own format (`dialect_file`);
2. a captured OCPP-J message log: JSON Lines or a JSON array of entries (`log`), or a log as a CSMS or
   a station prints it, frames among timestamps, station ids and direction markers, or a CSV export
   with a frame column (`printed_log`), under any name: the content decides (`read_by_content`);
3. a text, Markdown (`text`), HTML (`html`) or PDF (`pdf`) document that shows example messages in JSON;
4. the unrecognised messages a station really sent (`recorded`).

Nothing here keeps a payment identifier for display: excerpts go through `redaction.mask`.
"""

from __future__ import annotations

import re
from pathlib import Path

from ocpay.assessment.evidence import Documentation, DocumentError, parse_json
from ocpay.assessment.readers.common import unique
from ocpay.assessment.readers.dialect_file import read_dialect_file
from ocpay.assessment.readers.html import read_html
from ocpay.assessment.readers.log import read_log
from ocpay.assessment.readers.pdf import pdf_pages, read_pdf, read_pdf_pages
from ocpay.assessment.readers.printed_log import looks_like_printed_log, read_printed_log
from ocpay.assessment.readers.recorded import read_recorded
from ocpay.assessment.readers.text import read_text

__all__ = [
    "combine",
    "pdf_pages",
    "read_by_content",
    "read_dialect_file",
    "read_documentation",
    "read_html",
    "read_log",
    "read_pdf",
    "read_pdf_pages",
    "read_printed_log",
    "read_recorded",
    "read_text",
]

_DOCUMENT_SUFFIXES = (".md", ".markdown", ".rst", ".adoc")  # prose with examples, whatever it holds
_LOG_SUFFIXES = (".json", ".log", ".csv")  # a name that says log: nothing readable is refused


def read_documentation(path: Path) -> Documentation:
    """Read a dialect file, a message log or a document; raise DocumentError when it cannot be read."""
    if not path.exists():
        raise DocumentError(f"{path}: no such file")
    if path.is_dir():
        raise DocumentError(f"{path}: is a directory, not a document")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    suffix = path.suffix.lower()
    if suffix == ".pdf" or raw.startswith(b"%PDF"):
        return read_pdf(path, raw)
    text = _decode(path, raw)
    if suffix in (".yaml", ".yml"):
        return read_dialect_file(path)
    if suffix in (".html", ".htm", ".xhtml"):
        return read_html(path.name, text)
    if suffix in _DOCUMENT_SUFFIXES:
        return read_text(path.name, text)
    if suffix in (".jsonl", ".ndjson"):
        return read_log(path.name, text)
    if re.search(r"^id:\s", text, re.MULTILINE) and re.search(r"^messages:", text, re.MULTILINE):
        return read_dialect_file(path)
    return read_by_content(path.name, text, expect_log=suffix in _LOG_SUFFIXES)


def read_by_content(source: str, text: str, *, expect_log: bool = False) -> Documentation:
    """A text whose name says nothing sure (.log, .txt, .csv, .json, none), read by what it holds.

    JSON Lines or a JSON array of log entries: a message log; HTML: HTML; lines with frames after
    timestamps or direction markers, or a CSV header with a frame column: a printed log; else a text
    document with examples. JSON that is no log is read as a document too (examples of messages).
    With `expect_log` (the name says log), a text in which no message at all is found is refused
    (DocumentError saying why) instead of read as a document without examples.
    """
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html")):
        return read_html(source, text)
    if head.startswith("{") or (head.startswith("[") and _looks_like_log_array(text)):
        try:
            return read_log(source, text)
        except DocumentError:
            if looks_like_printed_log(text):
                return read_printed_log(source, text)
            doc = read_text(source, text)
            if doc.messages:
                return doc
            raise
    if looks_like_printed_log(text):
        return read_printed_log(source, text)
    doc = read_text(source, text)
    if expect_log and not doc.messages:
        read_printed_log(source, text)  # raises DocumentError saying why nothing could be read
    return doc


def _decode(path: Path, raw: bytes) -> str:
    if b"\x00" in raw[:4096]:
        raise DocumentError(f"{path}: a binary file, not a dialect file, message log, text, HTML or PDF document")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError(f"{path}: not text in UTF-8 or Windows-1252")


def _looks_like_log_array(text: str) -> bool:
    try:
        value = parse_json(text)
    except ValueError:
        return False
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def combine(docs: list[Documentation]) -> Documentation:
    """Several documents of one request, read as one documentation."""
    if len(docs) == 1:
        return docs[0]
    strength = {"log": 3, "dialect": 2, "document": 1, "station": 0}
    kind = max((d.kind for d in docs), key=lambda k: strength[k])
    combined = Documentation(source=" + ".join(d.source for d in docs), kind=kind)
    for d in docs:
        combined.messages += d.messages
        combined.problems += d.problems
        combined.named_vendor_ids = unique([*combined.named_vendor_ids, *d.named_vendor_ids])
        combined.named_message_ids = unique([*combined.named_message_ids, *d.named_message_ids])
        combined.version_hints = unique([*combined.version_hints, *d.version_hints])
        combined.minor_units = combined.minor_units or d.minor_units
        combined.dialect = combined.dialect or d.dialect
        combined.station = combined.station or d.station
    return combined
