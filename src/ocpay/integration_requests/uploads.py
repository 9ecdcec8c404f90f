"""What a request's documents must be: checked by their *content*, read, and kept masked.

A document is refused, with a reason naming the file, when it is too large, empty, an archive or
a binary, a PDF pypdf cannot open, text that is not what its name or media type claims, or
documentation `assessment.documents` cannot read. What is kept of an accepted document is its
text with payment identifiers masked (`kept_copy`), never the original bytes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path, PurePosixPath, PureWindowsPath
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING, Any, Literal

from ocpay.assessment import (
    Documentation,
    DocumentError,
    TooDeep,
    parse_json,
    pdf_pages,
    read_dialect_file,
    read_html,
    read_log,
    read_pdf_pages,
    read_text,
)
from ocpay.assessment.readers import read_by_content
from ocpay.integration_requests.errors import DocumentTooLarge, InvalidRequest, RefusedDocument, UnsupportedDocument
from ocpay.payments.redaction import mask_text

if TYPE_CHECKING:
    from pypdf import PdfReader


@dataclass(slots=True)
class Upload:
    """A document as received: its name and the media type the sender claimed (may be None)."""

    name: str
    content: bytes
    media_type: str | None = None


@dataclass(slots=True)
class CheckedDocument:
    """A document that passed the checks: its safe name, the media type its content is, and what it says."""

    name: str
    media_type: str
    content: bytes
    sha256: str
    documentation: Documentation
    pdf_text: str | None = None  # the text extracted from a PDF, pages one after another

    @property
    def size(self) -> int:
        """The size of the original bytes."""
        return len(self.content)


Family = Literal["pdf", "json", "yaml", "html", "text"]
_ARCHIVE_MAGIC: list[tuple[bytes, str]] = [
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"PK\x07\x08", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (b"MSCF", "a CAB archive"),
    (b"\x1f\x9d", "a compress (.Z) archive"),
]
_BINARY_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "an executable (ELF)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
]
_ARCHIVE_SUFFIXES = {
    ".zip", ".gz", ".tgz", ".tar", ".bz2", ".tbz2", ".xz", ".txz", ".7z", ".rar", ".zst", ".cab", ".jar", ".z",
    ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".apk",
}  # fmt: skip
_SUFFIX_FAMILY: dict[str, Family] = {
    ".pdf": "pdf",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
    ".log": "text",  # JSON Lines or a printed log: the content decides
    ".csv": "text",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".md": "text",
    ".markdown": "text",
    ".txt": "text",
    ".text": "text",
    ".rst": "text",
    ".adoc": "text",
}
_MEDIA_FAMILY: dict[str, Family] = {
    "application/pdf": "pdf",
    "application/json": "json",
    "application/x-ndjson": "json",
    "application/jsonl": "json",
    "application/jsonlines": "json",
    "application/x-jsonlines": "json",
    "text/json": "json",
    "application/yaml": "yaml",
    "application/x-yaml": "yaml",
    "text/yaml": "yaml",
    "text/x-yaml": "yaml",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/markdown": "text",
    "text/x-markdown": "text",
    "text/plain": "text",
    "text/csv": "text",
    "text/x-log": "text",
}
_ARCHIVE_MEDIA = re.compile(r"zip|gzip|x-tar|bzip|x-xz|7z|rar|zstd|compress|archive|java-archive|officedocument")
_GENERIC_MEDIA = {"", "application/octet-stream", "binary/octet-stream"}
_WHAT = {"pdf": "a PDF", "json": "JSON", "yaml": "a YAML dialect file", "html": "HTML", "text": "text"}
ACCEPTED = "a message log (JSON Lines, JSON, printed or CSV), a dialect file (YAML), text, Markdown, HTML or PDF"
MAX_PDF_PAGES = 500


def safe_name(name: str) -> str:
    """The file's base name only (no directory, no control characters), at most 200 characters."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = "".join(c for c in base if c.isprintable() and c not in "\\/").strip(" .")
    if len(base) > 200:
        stem, dot, suffix = base.rpartition(".")
        base = (stem[:190] + dot + suffix[:9]) if dot else base[:200]
    return base or "document"


def _suffix(name: str) -> str:
    return PurePosixPath(name.lower()).suffix


def _claimed_family(name: str, media_type: str | None) -> tuple[Family | None, Family | None]:
    """(family by name, family by media type); raises RefusedDocument for archives and refused types."""
    suffix = _suffix(name)
    if suffix in _ARCHIVE_SUFFIXES:
        raise UnsupportedDocument(name, f"archives ({suffix}) are not accepted; send {ACCEPTED}, one file each")
    by_name = _SUFFIX_FAMILY.get(suffix) if suffix else None
    if suffix and by_name is None:
        raise UnsupportedDocument(name, f"files of type {suffix} are not accepted; send {ACCEPTED}")
    media = (media_type or "").split(";")[0].strip().lower()
    by_media: Family | None = None
    if media not in _GENERIC_MEDIA:
        if _ARCHIVE_MEDIA.search(media):
            raise UnsupportedDocument(name, f"archives ({media}) are not accepted; send {ACCEPTED}, one file each")
        by_media = _MEDIA_FAMILY.get(media)
        if by_media is None:
            raise UnsupportedDocument(name, f"media type {media} is not accepted; send {ACCEPTED}")
    return by_name, by_media


def _sniff(name: str, raw: bytes) -> tuple[Family, str]:
    """What the content is, whatever the name says: (family, text). Archives and binaries are refused."""
    for magic, what in _ARCHIVE_MAGIC:
        if raw.startswith(magic):
            raise UnsupportedDocument(name, f"is {what}; archives are not accepted (send {ACCEPTED}, one file each)")
    if len(raw) > 262 and raw[257:262] == b"ustar":
        raise UnsupportedDocument(name, f"is a tar archive; archives are not accepted (send {ACCEPTED})")
    if raw.lstrip()[:5] == b"%PDF-":
        return "pdf", ""
    for magic, what in _BINARY_MAGIC:
        if raw.startswith(magic):
            raise UnsupportedDocument(name, f"is {what}, not {ACCEPTED}")
    if b"\x00" in raw[:65536]:
        raise UnsupportedDocument(name, f"is a binary file, not {ACCEPTED}")
    text: str | None = None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise UnsupportedDocument(name, "is not text in UTF-8 or Windows-1252")
    controls = sum(1 for c in text[:65536] if ord(c) < 32 and c not in "\t\n\r\f")
    if controls > 8:
        raise UnsupportedDocument(name, f"is a binary file, not {ACCEPTED}")
    if not text.strip():
        raise RefusedDocument(name, "has no content (only white space)")
    head = text.lstrip()[:1000]
    lowered = head.lower()
    if head.startswith(("{", "[")):
        first = next(line for line in text.splitlines() if line.strip())
        if _json_value(name, text) is not None or isinstance(_json_value(name, first), dict):
            return "json", text
    if lowered.startswith(("<!doctype html", "<html", "<?xml")) or (
        lowered.startswith("<") and re.search(r"<(html|head|body|div|p|pre|code|table|h[1-6])[\s>]", lowered)
    ):
        return "html", text
    if re.search(r"^id:\s", text, re.MULTILINE) and re.search(r"^messages:", text, re.MULTILINE):
        return "yaml", text
    return "text", text


def _compatible(sniffed: Family, claimed: Family) -> bool:
    if claimed == "text":
        return sniffed != "pdf"  # any text may be named .txt or .md
    if claimed == "yaml":
        return sniffed in ("yaml", "json", "text")  # YAML is a superset of JSON; the reader judges the rest
    return sniffed == claimed


def check_request_size(uploads: list[Upload], *, max_documents: int, max_total_bytes: int) -> None:
    """Refuse a request without documents, with too many, or too large together (no document is read)."""
    if not uploads:
        raise InvalidRequest("attach at least one document: " + ACCEPTED)
    if len(uploads) > max_documents:
        raise InvalidRequest(f"{len(uploads)} documents, more than the {max_documents} accepted per request")
    total = sum(len(u.content) for u in uploads)
    if total > max_total_bytes:
        raise DocumentTooLarge(
            ", ".join(safe_name(u.name) for u in uploads),
            f"together {total} bytes, more than the {max_total_bytes} bytes allowed per request",
        )


def check_document(upload: Upload, max_bytes: int) -> CheckedDocument:
    """Check one document by its content and read it; raise RefusedDocument with the reason."""
    name = safe_name(upload.name)
    raw = upload.content
    if len(raw) > max_bytes:
        raise DocumentTooLarge(name, f"is {len(raw)} bytes, more than the {max_bytes} bytes allowed per document")
    if not raw:
        raise RefusedDocument(name, "is empty")
    by_name, by_media = _claimed_family(name, upload.media_type)
    sniffed, text = _sniff(name, raw)
    for claimed, how in ((by_name, f"its name ({_suffix(name)})"), (by_media, f"its media type ({upload.media_type})")):
        if claimed is not None and not _compatible(sniffed, claimed):
            raise UnsupportedDocument(
                name, f"claims to be {_WHAT[claimed]} by {how} but its content is {_WHAT[sniffed]}"
            )
    family: Family = by_name or by_media or sniffed
    if sniffed == "pdf":
        family = "pdf"
    try:
        doc, media_type, pdf_text = _read(name, raw, text, family, sniffed, by_name or by_media)
    except DocumentError as exc:
        reason = str(exc)
        if reason.startswith(f"{name}: "):
            reason = reason[len(name) + 2 :]
        raise RefusedDocument(name, reason) from None
    return CheckedDocument(name, media_type, raw, hashlib.sha256(raw).hexdigest(), doc, pdf_text)


def kept_copy(document: CheckedDocument) -> bytes:
    """What is stored of a document: its text with payment identifiers masked, never the original bytes.

    The checksum of the original is kept beside it. A PDF cannot be masked in place: its extracted
    text is kept instead.
    """
    if document.pdf_text is not None:
        text = "(text extracted from the PDF; the PDF itself is not kept)\n" + document.pdf_text
    else:
        text = document.content.decode("utf-8", errors="replace")
    return mask_text(text).encode()


def _read(
    name: str, raw: bytes, text: str, family: Family, sniffed: Family, claimed: Family | None
) -> tuple[Documentation, str, str | None]:
    """What the document says, its media type, and for a PDF the text extracted from it."""
    if family == "pdf":
        _open_pdf(name, raw)
        pages = pdf_pages(raw, name)
        return read_pdf_pages(name, pages), "application/pdf", "\n".join(pages)
    if family == "yaml":
        with TemporaryDirectory(prefix="ocpay-request-") as tmp:
            path = Path(tmp) / (name if _suffix(name) in (".yaml", ".yml") else name + ".yaml")
            path.write_bytes(raw)
            try:
                return read_dialect_file(path), "application/yaml", None
            except DocumentError as exc:  # named by the file's own name, not the temporary copy's path
                raise DocumentError(str(exc).replace(str(path), name)) from None
    if family == "html":
        return read_html(name, text), "text/html", None
    if family == "json":
        media = "application/json" if _is_json(text) else "application/x-ndjson"
        try:
            return read_log(name, text), media, None
        except DocumentError:
            doc = read_text(name, text)  # JSON that is not a log: maybe examples of messages
            if doc.messages:
                return doc, media, None
            raise
    if sniffed == "html" and claimed is None:
        return read_html(name, text), "text/html", None
    if _suffix(name) in (".md", ".markdown"):
        return read_text(name, text), "text/markdown", None
    doc = read_by_content(name, text, expect_log=_suffix(name) in (".log", ".csv"))
    if sniffed == "json" and doc.kind == "log" and _suffix(name) == ".log":  # JSON Lines named .log
        return doc, "application/json" if _is_json(text) else "application/x-ndjson", None
    return doc, "text/csv" if _suffix(name) == ".csv" else "text/plain", None


def _json_value(name: str, text: str) -> Any:
    """The JSON value of the text, None when it is not JSON; RefusedDocument when it nests too deep to read."""
    try:
        return parse_json(text)
    except TooDeep as exc:
        raise RefusedDocument(name, f"holds JSON that {exc}") from None
    except ValueError:
        return None


def _is_json(text: str) -> bool:
    try:
        parse_json(text)
    except ValueError:
        return False
    return True


def _pdf_reader(raw: bytes) -> PdfReader:
    """pypdf's reader over these bytes, lenient with small faults (imported when a PDF comes)."""
    from pypdf import PdfReader

    return PdfReader(BytesIO(raw), strict=False)


def _open_pdf(name: str, raw: bytes) -> None:
    """Refuse a PDF that pypdf cannot open, an encrypted one, or one with an absurd number of pages."""
    try:
        reader = _pdf_reader(raw)
        encrypted = reader.is_encrypted
        pages = 0 if encrypted else len(reader.pages)
    except Exception as exc:  # pypdf raises many kinds on broken files
        raise RefusedDocument(name, f"is not a readable PDF: {exc}") from None
    if encrypted:
        raise RefusedDocument(name, "is an encrypted PDF; send it without a password")
    if pages == 0:
        raise RefusedDocument(name, "is a PDF without pages")
    if pages > MAX_PDF_PAGES:
        raise DocumentTooLarge(name, f"is a PDF of {pages} pages, more than the {MAX_PDF_PAGES} read")
