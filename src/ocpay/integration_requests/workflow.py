"""Integration requests: from an operator's documentation to a verdict, a feature request, a release.

A request (requester contact, charger, terminal, OCPP version, documents) moves through

    received -> assessed -> supported | compatible | needs_development
    needs_development -> feature_requested -> in_development -> released
    any state but released -> rejected (with a reason)

Submission checks every document by its *content* (size, no archive, a PDF pypdf can open, text
that is what its name or media type claims, documentation `documents` can read) and refuses the
whole request, storing nothing, when one fails; the reason names the file. The assessment then
runs at once on all documents together, the request moves to the verdict's status, and a
`needs_development` verdict opens a feature request with the gaps and the drafted dialect. A
reviewer may override the verdict (with a note), reject the request (with a reason), and move the
feature request to in_development and released. Every transition and every notice sent to the
requester is kept in the request's history.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path, PurePosixPath, PureWindowsPath
from tempfile import TemporaryDirectory
from typing import Any, Literal

from sqlalchemy import func, select

from ocpay.app.config import Settings
from ocpay.assessment import (
    VERSIONS,
    Assessment,
    Documentation,
    DocumentError,
    assess,
    read_dialect_file,
    read_html,
    read_log,
    read_pdf,
    read_text,
)
from ocpay.integration_requests.notifications import Delivery, Notice, Notifier
from ocpay.integrations.catalog import Catalog
from ocpay.integrations.dialects import DialectSet
from ocpay.payments.redaction import mask, mask_text
from ocpay.store.db import Database
from ocpay.store.models import FeatureRequest, IntegrationRequest, RequestDocument, RequestHistoryEntry

Status = Literal[
    "received",
    "assessed",
    "supported",
    "compatible",
    "needs_development",
    "feature_requested",
    "in_development",
    "released",
    "rejected",
]
STATUSES: tuple[str, ...] = (
    "received",
    "assessed",
    "supported",
    "compatible",
    "needs_development",
    "feature_requested",
    "in_development",
    "released",
    "rejected",
)
VERDICTS = ("supported", "compatible", "needs_development")
FEATURE_STATUSES = ("opened", "in_development", "released", "withdrawn")

# The request's state machine: from -> the states it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    "received": frozenset({"assessed", "rejected"}),
    "assessed": frozenset({*VERDICTS, "rejected"}),
    "supported": frozenset({"compatible", "needs_development", "rejected"}),
    "compatible": frozenset({"supported", "needs_development", "rejected"}),
    "needs_development": frozenset({"feature_requested", "supported", "compatible", "rejected"}),
    "feature_requested": frozenset({"in_development", "supported", "compatible", "rejected"}),
    "in_development": frozenset({"released", "rejected"}),
    "released": frozenset(),
    "rejected": frozenset(),
}
FEATURE_TRANSITIONS: dict[str, frozenset[str]] = {
    "opened": frozenset({"in_development", "withdrawn"}),
    "in_development": frozenset({"released", "withdrawn"}),
    "released": frozenset(),
    "withdrawn": frozenset({"opened"}),  # the verdict went back to needs_development
}
SYSTEM = "ocpay"


# -- errors -----------------------------------------------------------------------------------------
class RequestError(Exception):
    """A request the workflow refuses; the message says why."""


class InvalidRequest(RequestError):
    """The request's own fields are wrong (requester, hardware, version)."""


class RefusedDocument(RequestError):
    """A document refused at submission: the message names the file and the reason."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class UnsupportedDocument(RefusedDocument):
    """A document of a kind the assessment does not read (archives, binaries, unknown types)."""


class DocumentTooLarge(RefusedDocument):
    """A document over the size allowed per document."""


class UnknownRequest(RequestError, LookupError):
    """No request (or feature request) with that id."""


class IllegalTransition(RequestError):
    """The request's status does not allow that move."""


# -- documents: checked by content -------------------------------------------------------------------------
@dataclass(slots=True)
class Upload:
    """A document as received: its name and the media type the sender claimed (may be None)."""

    name: str
    content: bytes
    media_type: str | None = None


@dataclass(slots=True)
class CheckedDocument:
    name: str
    media_type: str
    content: bytes
    sha256: str
    documentation: Documentation

    @property
    def size(self) -> int:
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
    ".log": "json",
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
}
_ARCHIVE_MEDIA = re.compile(r"zip|gzip|x-tar|bzip|x-xz|7z|rar|zstd|compress|archive|java-archive|officedocument")
_GENERIC_MEDIA = {"", "application/octet-stream", "binary/octet-stream"}
_WHAT = {"pdf": "a PDF", "json": "JSON", "yaml": "a YAML dialect file", "html": "HTML", "text": "text"}
_ACCEPTED = "a message log (JSON Lines or JSON), a dialect file (YAML), text, Markdown, HTML or PDF"
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
        raise UnsupportedDocument(name, f"archives ({suffix}) are not accepted; send {_ACCEPTED}, one file each")
    by_name = _SUFFIX_FAMILY.get(suffix) if suffix else None
    if suffix and by_name is None:
        raise UnsupportedDocument(name, f"files of type {suffix} are not accepted; send {_ACCEPTED}")
    media = (media_type or "").split(";")[0].strip().lower()
    by_media: Family | None = None
    if media not in _GENERIC_MEDIA:
        if _ARCHIVE_MEDIA.search(media):
            raise UnsupportedDocument(name, f"archives ({media}) are not accepted; send {_ACCEPTED}, one file each")
        by_media = _MEDIA_FAMILY.get(media)
        if by_media is None:
            raise UnsupportedDocument(name, f"media type {media} is not accepted; send {_ACCEPTED}")
    return by_name, by_media


def _sniff(name: str, raw: bytes) -> tuple[Family, str]:
    """What the content is, whatever the name says: (family, text). Archives and binaries are refused."""
    for magic, what in _ARCHIVE_MAGIC:
        if raw.startswith(magic):
            raise UnsupportedDocument(name, f"is {what}; archives are not accepted (send {_ACCEPTED}, one file each)")
    if len(raw) > 262 and raw[257:262] == b"ustar":
        raise UnsupportedDocument(name, f"is a tar archive; archives are not accepted (send {_ACCEPTED})")
    if raw.lstrip()[:5] == b"%PDF-":
        return "pdf", ""
    for magic, what in _BINARY_MAGIC:
        if raw.startswith(magic):
            raise UnsupportedDocument(name, f"is {what}, not {_ACCEPTED}")
    if b"\x00" in raw[:65536]:
        raise UnsupportedDocument(name, f"is a binary file, not {_ACCEPTED}")
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
        raise UnsupportedDocument(name, f"is a binary file, not {_ACCEPTED}")
    if not text.strip():
        raise RefusedDocument(name, "has no content (only white space)")
    head = text.lstrip()[:1000]
    lowered = head.lower()
    if head.startswith(("{", "[")):
        try:
            json.loads(text)
            return "json", text
        except ValueError:
            pass
        first = next(line for line in text.splitlines() if line.strip())
        try:
            if isinstance(json.loads(first), dict):
                return "json", text
        except ValueError:
            pass
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
        doc, media_type = _read(name, raw, text, family, sniffed, by_name or by_media)
    except DocumentError as exc:
        reason = str(exc)
        if reason.startswith(f"{name}: "):
            reason = reason[len(name) + 2 :]
        raise RefusedDocument(name, reason) from None
    return CheckedDocument(name, media_type, raw, hashlib.sha256(raw).hexdigest(), doc)


def kept_copy(document: CheckedDocument) -> bytes:
    """What is stored of a document: its text with payment identifiers masked, never the original bytes.

    The checksum of the original is kept beside it. A PDF cannot be masked in place: its extracted
    text is kept instead.
    """
    if document.media_type == "application/pdf":
        from io import BytesIO

        from pypdf import PdfReader

        pages = [page.extract_text() or "" for page in PdfReader(BytesIO(document.content)).pages]
        text = "(text extracted from the PDF; the PDF itself is not kept)\n" + "\n".join(pages)
    else:
        text = document.content.decode("utf-8", errors="replace")
    return mask_text(text).encode()


def _read(
    name: str, raw: bytes, text: str, family: Family, sniffed: Family, claimed: Family | None
) -> tuple[Documentation, str]:
    if family == "pdf":
        _open_pdf(name, raw)
        return read_pdf(Path(name), raw), "application/pdf"
    if family == "yaml":
        with TemporaryDirectory(prefix="ocpay-request-") as tmp:
            path = Path(tmp) / (name if _suffix(name) in (".yaml", ".yml") else name + ".yaml")
            path.write_bytes(raw)
            return read_dialect_file(path), "application/yaml"
    if family == "html":
        return read_html(name, text), "text/html"
    if family == "json":
        media = "application/json" if _is_json(text) else "application/x-ndjson"
        try:
            return read_log(name, text), media
        except DocumentError:
            doc = read_text(name, text)  # JSON that is not a log: maybe examples of messages
            if doc.messages:
                return doc, media
            raise
    media = "text/markdown" if _suffix(name) in (".md", ".markdown") else "text/plain"
    if sniffed == "html" and claimed is None:
        return read_html(name, text), "text/html"
    return read_text(name, text), media


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _open_pdf(name: str, raw: bytes) -> None:
    """Refuse a PDF that pypdf cannot open, an encrypted one, or one with an absurd number of pages."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(BytesIO(raw), strict=False)
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
        combined.named_vendor_ids = _unique([*combined.named_vendor_ids, *d.named_vendor_ids])
        combined.named_message_ids = _unique([*combined.named_message_ids, *d.named_message_ids])
        combined.version_hints = _unique([*combined.version_hints, *d.version_hints])
        combined.dialect = combined.dialect or d.dialect
        combined.station = combined.station or d.station
    return combined


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


# -- the workflow ---------------------------------------------------------------------------------------------
class Requests:
    """The integration request workflow over the database, the assessment and the notifier."""

    def __init__(
        self, db: Database, dialects: DialectSet, catalog: Catalog, settings: Settings, notifier: Notifier | None = None
    ) -> None:
        self.db = db
        self.dialects = dialects
        self.catalog = catalog
        self.notifier = notifier or Notifier(settings)
        self.max_document_bytes = settings.request_max_document_bytes
        self.max_total_bytes = settings.request_max_total_bytes
        self.max_documents = settings.request_max_documents

    # -- submission --------------------------------------------------------------------------------------
    def check(self, uploads: list[Upload]) -> list[CheckedDocument]:
        """Check every document; the first refused one refuses them all."""
        if not uploads:
            raise InvalidRequest("attach at least one document: " + _ACCEPTED)
        if len(uploads) > self.max_documents:
            raise InvalidRequest(f"{len(uploads)} documents, more than the {self.max_documents} accepted per request")
        total = sum(len(u.content) for u in uploads)
        if total > self.max_total_bytes:
            raise DocumentTooLarge(
                ", ".join(safe_name(u.name) for u in uploads),
                f"together {total} bytes, more than the {self.max_total_bytes} bytes allowed per request",
            )
        return [check_document(u, self.max_document_bytes) for u in uploads]

    async def submit(
        self,
        *,
        requester: str,
        charger: str,
        terminal: str,
        documents: list[Upload],
        ocpp_version: str | None = None,
        actor: str | None = None,
    ) -> dict[str, Any]:
        """Check and store the documents, assess them, move to the verdict, tell the requester."""
        requester, charger, terminal = (x.strip() if x else "" for x in (requester, charger, terminal))
        for field, value, limit in (
            ("requester", requester, 255),
            ("charger", charger, 200),
            ("terminal", terminal, 200),
        ):
            if not value:
                raise InvalidRequest(f"{field} is required")
            if len(value) > limit:
                raise InvalidRequest(f"{field} is longer than {limit} characters")
        ocpp_version = (ocpp_version or "").strip() or None
        if ocpp_version is not None and ocpp_version not in VERSIONS:
            raise InvalidRequest(f"ocpp_version {ocpp_version!r} is not one of {', '.join(VERSIONS)}")

        def work() -> tuple[list[CheckedDocument], Assessment]:
            checked = self.check(documents)
            doc = combine([c.documentation for c in checked])
            result = assess(
                doc, self.dialects, self.catalog, charger=charger, terminal=terminal, ocpp_version=ocpp_version
            )
            return checked, result

        checked, result = await asyncio.to_thread(work)  # PDF reading and assessment are CPU work
        actor = actor or requester
        now = _now()
        async with self.db.write() as s:
            request = IntegrationRequest(
                requester=requester, charger=charger, terminal=terminal, ocpp_version=ocpp_version,
                status="received", created_at=now, updated_at=now,
            )  # fmt: skip
            s.add(request)
            await s.flush()
            for c in checked:
                s.add(
                    RequestDocument(
                        request_id=request.id, name=c.name, media_type=c.media_type, size=c.size,
                        sha256=c.sha256, content=kept_copy(c), uploaded_at=now,
                    )
                )  # fmt: skip
            listing = ", ".join(f"{c.name} ({c.media_type}, {c.size} bytes)" for c in checked)
            _history(s, request, None, "received", actor, f"{len(checked)} document(s): {listing}")
            _move(s, request, "assessed", SYSTEM, _assessed_detail(result))
            request.assessment = result.to_json()
            request.assessed_verdict = request.verdict = result.verdict
            request.dialect = result.dialect
            request.confidence = result.confidence
            _move(s, request, result.verdict, SYSTEM, "; ".join(mask(r) for r in result.reasons[:3]))
            feature = None
            if result.verdict == "needs_development":
                feature = await _open_feature(s, request, SYSTEM, result.to_json()["gaps"], result.drafted_dialect)
            notice = _notice("assessed", request, feature)
            _history_notice(s, request, notice)
            request_id = request.id
        await self._deliver(request_id, notice, requester)
        return await self.show(request_id)

    # -- decisions ------------------------------------------------------------------------------------------
    async def decide(
        self,
        request_id: int,
        *,
        verdict: str | None = None,
        note: str | None = None,
        reject: str | None = None,
        feature_status: str | None = None,
        actor: str = "reviewer",
    ) -> dict[str, Any]:
        """One decision: override the verdict (with a note), reject (with a reason), or move the feature request."""
        chosen = [x for x in (verdict, reject, feature_status) if x is not None]
        if len(chosen) != 1:
            raise InvalidRequest("decide one thing: a verdict override (with a note), a rejection, or a feature status")
        actor = (actor or "reviewer").strip()[:100] or "reviewer"
        async with self.db.write() as s:
            request = await s.get(IntegrationRequest, request_id, with_for_update=True)
            if request is None:
                raise UnknownRequest(f"no integration request {request_id}")
            feature = await s.scalar(select(FeatureRequest).where(FeatureRequest.request_id == request_id))
            if verdict is not None:
                event = "verdict_overridden"
                await self._override(s, request, feature, verdict, note, actor)
                feature = await s.scalar(select(FeatureRequest).where(FeatureRequest.request_id == request_id))
            elif reject is not None:
                event = "rejected"
                reason = reject.strip()
                if not reason:
                    raise InvalidRequest("a rejection needs a reason")
                if len(reason) > 2000:
                    raise InvalidRequest("the reason is longer than 2000 characters")
                _check(request, "rejected")
                if feature is not None and feature.status in ("opened", "in_development"):
                    _feature_move(feature, "withdrawn")
                request.reject_reason = reason
                _move(s, request, "rejected", actor, reason)
            else:
                event = str(feature_status)
                if feature_status not in ("in_development", "released"):
                    raise InvalidRequest("feature status is in_development or released")
                if feature is None:
                    raise IllegalTransition(
                        f"integration request {request_id} has no feature request (status {request.status})"
                    )
                if feature_status not in FEATURE_TRANSITIONS[feature.status]:
                    raise IllegalTransition(
                        f"feature request {feature.id} is {feature.status}; it cannot move to {feature_status}"
                        + (" (release comes after in_development)" if feature_status == "released" else "")
                    )
                _check(request, feature_status)
                _feature_move(feature, feature_status)
                _move(s, request, feature_status, actor, note.strip() if note else None)
            notice = _notice(event, request, feature, note=note if verdict is not None else reject or note)
            _history_notice(s, request, notice)
            requester = request.requester
        await self._deliver(request_id, notice, requester)
        return await self.show(request_id)

    async def _override(
        self,
        s: Any,
        request: IntegrationRequest,
        feature: FeatureRequest | None,
        verdict: str,
        note: str | None,
        actor: str,
    ) -> None:
        if verdict not in VERDICTS:
            raise InvalidRequest(f"verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
        note = (note or "").strip()
        if not note:
            raise InvalidRequest("a verdict override needs a note saying why")
        if len(note) > 2000:
            raise InvalidRequest("the note is longer than 2000 characters")
        if request.verdict == verdict and request.status not in ("received", "assessed"):
            raise IllegalTransition(f"integration request {request.id} is already {verdict}")
        _check(request, verdict)
        request.verdict = verdict
        request.override_note = note
        request.overridden_by = actor
        if feature is not None and feature.status in ("opened", "in_development") and verdict != "needs_development":
            _feature_move(feature, "withdrawn")
        _move(s, request, verdict, actor, f"verdict overridden ({request.assessed_verdict} assessed): {note}")
        if verdict == "needs_development":
            gaps = list((request.assessment or {}).get("gaps") or [])
            gaps.append({"kind": "reviewer", "message": "(review)", "detail": note})
            drafted = (request.assessment or {}).get("drafted_dialect")
            await _open_feature(s, request, actor, gaps, drafted, feature)

    async def _deliver(self, request_id: int, notice: Notice, requester: str) -> list[Delivery]:
        """Send through the configured channels after the commit; record each outcome."""
        deliveries = await self.notifier.send(notice, requester)
        if deliveries:
            async with self.db.write() as s:
                for d in deliveries:
                    s.add(
                        RequestHistoryEntry(
                            request_id=request_id, at=_now(), kind="notification", actor=SYSTEM,
                            channel=d.channel, outcome=d.outcome, detail=f"{notice.event}: {d.detail}",
                        )
                    )  # fmt: skip
        return deliveries

    # -- reading -----------------------------------------------------------------------------------------------
    async def all(self, *, status: str | None = None, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        query = select(IntegrationRequest).order_by(IntegrationRequest.id.desc()).offset(offset).limit(limit)
        if status is not None:
            query = query.where(IntegrationRequest.status == status)
        async with self.db.read() as s:
            rows = list(await s.scalars(query))
            counted = await s.execute(
                select(RequestDocument.request_id, func.count())
                .where(RequestDocument.request_id.in_([r.id for r in rows]))
                .group_by(RequestDocument.request_id)
            )
            counts = {request_id: count for request_id, count in counted}
        return [{**request_summary(r), "documents": counts.get(r.id, 0)} for r in rows]

    async def show(self, request_id: int) -> dict[str, Any]:
        async with self.db.read() as s:
            request = await s.get(IntegrationRequest, request_id)
            if request is None:
                raise UnknownRequest(f"no integration request {request_id}")
            documents = list(
                await s.execute(
                    select(
                        RequestDocument.id, RequestDocument.name, RequestDocument.media_type, RequestDocument.size,
                        RequestDocument.sha256, RequestDocument.uploaded_at,
                    ).where(RequestDocument.request_id == request_id).order_by(RequestDocument.id)
                )
            )  # fmt: skip
            history = list(
                await s.scalars(
                    select(RequestHistoryEntry)
                    .where(RequestHistoryEntry.request_id == request_id)
                    .order_by(RequestHistoryEntry.id)
                )
            )
            feature = await s.scalar(select(FeatureRequest).where(FeatureRequest.request_id == request_id))
        assessment = request.assessment or {}
        return {
            **request_summary(request),
            "documents": [
                {
                    "id": d.id,
                    "name": d.name,
                    "media_type": d.media_type,
                    "size": d.size,
                    "sha256": d.sha256,
                    "uploaded_at": d.uploaded_at,
                }
                for d in documents
            ],
            "gaps": assessment.get("gaps", []),
            "reasons": assessment.get("reasons", []),
            "next_steps": assessment.get("next_steps", []),
            "assessment": assessment,
            "history": [history_summary(h) for h in history],
            "feature_request": feature_summary(feature) if feature else None,
        }

    async def document(self, request_id: int, document_id: int) -> RequestDocument:
        async with self.db.read() as s:
            row = await s.get(RequestDocument, document_id)
        if row is None or row.request_id != request_id:
            raise UnknownRequest(f"no document {document_id} in integration request {request_id}")
        return row

    async def feature_requests(
        self, *, status: str | None = None, offset: int = 0, limit: int = 100
    ) -> list[dict[str, Any]]:
        query = select(FeatureRequest).order_by(FeatureRequest.id.desc()).offset(offset).limit(limit)
        if status is not None:
            query = query.where(FeatureRequest.status == status)
        async with self.db.read() as s:
            return [feature_summary(f) for f in await s.scalars(query)]


# -- helpers ------------------------------------------------------------------------------------------------
def _now() -> datetime:
    return datetime.now(UTC)


def _check(request: IntegrationRequest, to: str) -> None:
    if to not in TRANSITIONS[request.status]:
        allowed = ", ".join(sorted(TRANSITIONS[request.status])) or "nothing (final)"
        raise IllegalTransition(
            f"integration request {request.id} is {request.status}; it cannot move to {to} (allowed: {allowed})"
        )


def _history(
    s: Any, request: IntegrationRequest, before: str | None, after: str, actor: str, detail: str | None
) -> None:
    s.add(
        RequestHistoryEntry(
            request_id=request.id, at=_now(), kind="transition", actor=actor[:100],
            from_status=before, to_status=after, detail=detail,
        )
    )  # fmt: skip


def _move(s: Any, request: IntegrationRequest, to: str, actor: str, detail: str | None) -> None:
    _check(request, to)
    before = request.status
    request.status = to
    request.updated_at = _now()
    _history(s, request, before, to, actor, detail)


def _feature_move(feature: FeatureRequest, to: str) -> None:
    if to not in FEATURE_TRANSITIONS[feature.status]:
        raise IllegalTransition(f"feature request {feature.id} is {feature.status}; it cannot move to {to}")
    feature.status = to
    feature.updated_at = _now()


async def _open_feature(
    s: Any,
    request: IntegrationRequest,
    actor: str,
    gaps: list[dict[str, Any]],
    drafted: str | None,
    existing: FeatureRequest | None = None,
) -> FeatureRequest:
    """needs_development -> feature_requested, with the gaps and the drafted dialect."""
    now = _now()
    title = f"Dialect for {request.charger} x {request.terminal}"[:300]
    if existing is not None:
        _feature_move(existing, "opened")
        feature = existing
        feature.gaps, feature.drafted_dialect, feature.closest_dialect = gaps, drafted, request.dialect
    else:
        feature = FeatureRequest(
            request_id=request.id, title=title, status="opened", closest_dialect=request.dialect,
            gaps=gaps, drafted_dialect=drafted, created_at=now, updated_at=now,
        )  # fmt: skip
        s.add(feature)
        await s.flush()
    kinds = ", ".join(sorted({str(g.get("kind")) for g in gaps})) or "none listed"
    _move(s, request, "feature_requested", actor, f"feature request {feature.id} opened: {len(gaps)} gap(s) ({kinds})")
    return feature


def _assessed_detail(result: Assessment) -> str:
    closest = f", closest dialect {result.dialect}" if result.dialect else ""
    return f"verdict {result.verdict}{closest}, confidence {result.confidence:.2f}, {len(result.gaps)} gap(s)"


_SUMMARY = {
    "assessed": "Integration request #{id} ({charger} x {terminal}) was assessed: {verdict}",
    "verdict_overridden": "Integration request #{id} ({charger} x {terminal}): the verdict is now {verdict}",
    "rejected": "Integration request #{id} ({charger} x {terminal}) was rejected",
    "in_development": "Integration request #{id} ({charger} x {terminal}) is in development",
    "released": "Integration request #{id} ({charger} x {terminal}) is released",
}


def _notice(event: str, request: IntegrationRequest, feature: FeatureRequest | None, note: str | None = None) -> Notice:
    assessment = request.assessment or {}
    summary = _SUMMARY[event].format(
        id=request.id,
        charger=request.charger,
        terminal=request.terminal,
        verdict=(request.verdict or "").replace("_", " "),
    )
    gaps = [
        {"kind": g.get("kind"), "message": g.get("message"), "detail": g.get("detail")}
        for g in assessment.get("gaps", [])
    ]
    return Notice(
        event=event,
        request={
            "id": request.id,
            "status": request.status,
            "verdict": request.verdict,
            "dialect": request.dialect,
            "confidence": request.confidence,
            "charger": request.charger,
            "terminal": request.terminal,
            "ocpp_version": request.ocpp_version,
            "reject_reason": request.reject_reason,
        },
        summary=summary,
        reasons=list(assessment.get("reasons", [])) if event in ("assessed", "verdict_overridden") else [],
        next_steps=list(assessment.get("next_steps", [])) if event in ("assessed", "verdict_overridden") else [],
        gaps=gaps if event in ("assessed", "verdict_overridden") and request.verdict == "needs_development" else [],
        note=note,
        feature_request=(
            {"id": feature.id, "title": feature.title, "status": feature.status} if feature is not None else None
        ),
    )


def _history_notice(s: Any, request: IntegrationRequest, notice: Notice) -> None:
    """The one channel that always works: the notice is part of the request's history."""
    s.add(
        RequestHistoryEntry(
            request_id=request.id, at=_now(), kind="notification", actor=SYSTEM, channel="history",
            outcome="recorded", detail=f"{notice.event}: {notice.to_json()['summary']}",
        )
    )  # fmt: skip


def request_summary(r: IntegrationRequest) -> dict[str, Any]:
    return {
        "id": r.id,
        "requester": r.requester,
        "charger": r.charger,
        "terminal": r.terminal,
        "ocpp_version": r.ocpp_version,
        "status": r.status,
        "verdict": r.verdict,
        "assessed_verdict": r.assessed_verdict,
        "dialect": r.dialect,
        "confidence": r.confidence,
        "override_note": r.override_note,
        "overridden_by": r.overridden_by,
        "reject_reason": r.reject_reason,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    }


def history_summary(h: RequestHistoryEntry) -> dict[str, Any]:
    return {
        "at": h.at,
        "kind": h.kind,
        "actor": h.actor,
        "from_status": h.from_status,
        "to_status": h.to_status,
        "channel": h.channel,
        "outcome": h.outcome,
        "detail": h.detail,
    }


def feature_summary(f: FeatureRequest) -> dict[str, Any]:
    return {
        "id": f.id,
        "request_id": f.request_id,
        "title": f.title,
        "status": f.status,
        "closest_dialect": f.closest_dialect,
        "gaps": f.gaps,
        "drafted_dialect": f.drafted_dialect,
        "created_at": f.created_at,
        "updated_at": f.updated_at,
    }
