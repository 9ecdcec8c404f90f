"""Integration requests: from an operator's documentation to a verdict, a feature request, a release.

A request (requester contact, charger, terminal, OCPP version, documents) is checked, stored,
assessed and moved along the status machine of `transitions`. Submission checks every document by
its content (`uploads`) and refuses the whole request, storing nothing, when one fails; the reason
names the file. Documents are read and assessed in a worker process (`reading`, on the clock of
`assessment.worker`), never in the event loop, all documents together; the request moves to
the verdict's status, and a `needs_development` verdict opens a feature request with the gaps and
the drafted dialect. A reviewer may override the verdict (with a note), reject the request (with a
reason), and move the feature request to in_development and released. Every transition and every
notice sent to the requester is kept in the request's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from ocpay.assessment import VERSIONS
from ocpay.assessment.worker import StageTimedOut, WorkerLost, WorkerPool
from ocpay.integration_requests import transitions
from ocpay.integration_requests.errors import DocumentTooSlow, InvalidRequest, RefusedDocument, UnknownRequest
from ocpay.integration_requests.history import delivery_entry, notice_entry, transition_entry
from ocpay.integration_requests.notices import Notice, build_notice
from ocpay.integration_requests.notifications import Delivery, Notifier, NotifierSettings
from ocpay.integration_requests.reading import ASSESSING, READING, KeptDocument, ReadSubmission, know, read_submission
from ocpay.integration_requests.transitions import VERDICTS
from ocpay.integration_requests.uploads import Upload, check_request_size, safe_name
from ocpay.integrations.catalog import Catalog
from ocpay.integrations.dialects import DialectSet
from ocpay.ocpp.model import now
from ocpay.store.db import Database
from ocpay.store.models import FeatureRequest, IntegrationRequest, RequestDocument, RequestHistoryEntry
from ocpay.store.queries import integration_requests as queries

MAX_NOTE = 2000  # characters of a reviewer's note or reason


@dataclass(frozen=True, slots=True)
class RequestRow:
    """A request in a list, with how many documents it has."""

    request: IntegrationRequest
    documents: int


@dataclass(frozen=True, slots=True)
class RequestDetail:
    """A request with its documents (id, name, media_type, size, sha256, uploaded_at; no content), its history
    and its feature request."""

    request: IntegrationRequest
    documents: list[Any]
    history: list[RequestHistoryEntry]
    feature: FeatureRequest | None


class RequestSettings(NotifierSettings, Protocol):
    """The settings the workflow reads (`ocpay.app.config.Settings` has them): limits and notifier channels."""

    request_max_document_bytes: int
    request_max_total_bytes: int
    request_max_documents: int
    request_readers: int
    request_read_seconds: float
    request_reader_memory_mb: int


class Requests:
    """The integration request workflow over the database, the assessment and the notifier."""

    def __init__(
        self,
        db: Database,
        dialects: DialectSet,
        catalog: Catalog,
        settings: RequestSettings,
        notifier: Notifier | None = None,
    ) -> None:
        self.db = db
        self.dialects = dialects
        self.catalog = catalog
        self.notifier = notifier or Notifier(settings)
        self.max_document_bytes = settings.request_max_document_bytes
        self.max_total_bytes = settings.request_max_total_bytes
        self.max_documents = settings.request_max_documents
        self.readers = WorkerPool(
            workers=settings.request_readers,
            stage_seconds=settings.request_read_seconds,
            initializer=know,
            initargs=(dialects, catalog),
            memory_bytes=settings.request_reader_memory_mb * 1024 * 1024,
        )

    async def close(self) -> None:
        """Stop the worker processes that read documents."""
        await self.readers.close()

    async def submit(
        self,
        *,
        requester: str,
        charger: str,
        terminal: str,
        documents: list[Upload],
        ocpp_version: str | None = None,
        actor: str | None = None,
    ) -> RequestDetail:
        """Check and store the documents, assess them, move to the verdict, tell the requester."""
        requester, charger, terminal, ocpp_version = _request_fields(requester, charger, terminal, ocpp_version)

        check_request_size(documents, max_documents=self.max_documents, max_total_bytes=self.max_total_bytes)
        read = await self._read(documents, charger, terminal, ocpp_version)
        at = now()
        async with self.db.write() as s:
            request = IntegrationRequest(
                requester=requester, charger=charger, terminal=terminal, ocpp_version=ocpp_version,
                status="received", created_at=at, updated_at=at,
            )  # fmt: skip
            s.add(request)
            await s.flush()
            _add_documents(s, request, read.documents, actor or requester, at)
            feature = await transitions.record_assessment(s, request, read.assessment)
            notice = build_notice("assessed", request, feature)
            s.add(notice_entry(request.id, notice))
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
    ) -> RequestDetail:
        """One decision: override the verdict (with a note), reject (with a reason), or move the feature request."""
        chosen = [x for x in (verdict, reject, feature_status) if x is not None]
        if len(chosen) != 1:
            raise InvalidRequest("decide one thing: a verdict override (with a note), a rejection, or a feature status")
        actor = (actor or "reviewer").strip()[:100] or "reviewer"
        async with self.db.write() as s:
            request = await queries.request(s, request_id, for_update=True)
            if request is None:
                raise UnknownRequest(f"no integration request {request_id}")
            feature = await queries.feature_of(s, request_id)
            if verdict is not None:
                event = "verdict_overridden"
                if verdict not in VERDICTS:
                    raise InvalidRequest(f"verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
                why = _required_text(note, "a verdict override needs a note saying why", "the note")
                feature = await transitions.override(s, request, feature, verdict, why, actor)
            elif reject is not None:
                event = "rejected"
                reason = _required_text(reject, "a rejection needs a reason", "the reason")
                transitions.reject(s, request, feature, reason, actor)
            else:
                event = str(feature_status)
                if feature_status not in ("in_development", "released"):
                    raise InvalidRequest("feature status is in_development or released")
                transitions.advance_feature(s, request, feature, feature_status, actor, note)
            notice = build_notice(event, request, feature, note=note if verdict is not None else reject or note)
            s.add(notice_entry(request.id, notice))
            requester = request.requester
        await self._deliver(request_id, notice, requester)
        return await self.show(request_id)

    async def _read(self, documents: list[Upload], charger: str, terminal: str, version: str | None) -> ReadSubmission:
        """The documents read and assessed in a worker; DocumentTooSlow or RefusedDocument naming the file."""
        try:
            read: ReadSubmission = await self.readers.run(
                read_submission, documents, self.max_document_bytes, charger, terminal, version
            )
        except (StageTimedOut, WorkerLost) as exc:
            all_names = ", ".join(safe_name(d.name) for d in documents)
            name = exc.stage.removeprefix(READING) if exc.stage.startswith(READING) else all_names
            doing = "to assess together" if exc.stage == ASSESSING else "to read"
            if isinstance(exc, StageTimedOut):
                raise DocumentTooSlow(
                    name, f"took longer than {exc.seconds:g} s {doing}; send a smaller document"
                ) from None
            raise RefusedDocument(
                name, f"could not be read: the reader stopped ({doing}); it may need too much memory"
            ) from None
        return read

    async def _deliver(self, request_id: int, notice: Notice, requester: str) -> list[Delivery]:
        """Send through the configured channels after the commit; record each outcome."""
        deliveries = await self.notifier.send(notice, requester)
        if deliveries:
            async with self.db.write() as s:
                for d in deliveries:
                    s.add(delivery_entry(request_id, notice, d))
        return deliveries

    # -- reading -----------------------------------------------------------------------------------------------
    async def all(self, *, status: str | None = None, offset: int = 0, limit: int = 100) -> list[RequestRow]:
        """A page of requests, newest first, each with how many documents it has."""
        async with self.db.read() as s:
            rows = await queries.requests_page(s, status=status, offset=offset, limit=limit)
            counts = await queries.document_counts(s, [r.id for r in rows])
        return [RequestRow(r, counts.get(r.id, 0)) for r in rows]

    async def show(self, request_id: int) -> RequestDetail:
        """The request with its documents (without content), history and feature request; UnknownRequest if none."""
        async with self.db.read() as s:
            request = await queries.request(s, request_id)
            if request is None:
                raise UnknownRequest(f"no integration request {request_id}")
            documents = await queries.document_listing(s, request_id)
            history = await queries.history(s, request_id)
            feature = await queries.feature_of(s, request_id)
        return RequestDetail(request, list(documents), list(history), feature)

    async def document(self, request_id: int, document_id: int) -> RequestDocument:
        """The stored (masked) document of that request; UnknownRequest if it belongs to another."""
        async with self.db.read() as s:
            row = await queries.document(s, document_id)
        if row is None or row.request_id != request_id:
            raise UnknownRequest(f"no document {document_id} in integration request {request_id}")
        return row

    async def feature_requests(
        self, *, status: str | None = None, offset: int = 0, limit: int = 100
    ) -> list[FeatureRequest]:
        """A page of feature requests, newest first (only those in `status` when given)."""
        async with self.db.read() as s:
            return list(await queries.feature_requests_page(s, status=status, offset=offset, limit=limit))


def _request_fields(
    requester: str, charger: str, terminal: str, ocpp_version: str | None
) -> tuple[str, str, str, str | None]:
    """The request's own fields, trimmed; InvalidRequest for a missing or too long one, or an unknown version."""
    requester, charger, terminal = (x.strip() if x else "" for x in (requester, charger, terminal))
    for field, value, limit in (("requester", requester, 255), ("charger", charger, 200), ("terminal", terminal, 200)):
        if not value:
            raise InvalidRequest(f"{field} is required")
        if len(value) > limit:
            raise InvalidRequest(f"{field} is longer than {limit} characters")
    version = (ocpp_version or "").strip() or None
    if version is not None and version not in VERSIONS:
        raise InvalidRequest(f"ocpp_version {version!r} is not one of {', '.join(VERSIONS)}")
    return requester, charger, terminal, version


def _required_text(value: str | None, missing: str, what: str) -> str:
    """The reviewer's text, trimmed; InvalidRequest when it is empty or longer than MAX_NOTE."""
    text = (value or "").strip()
    if not text:
        raise InvalidRequest(missing)
    if len(text) > MAX_NOTE:
        raise InvalidRequest(f"{what} is longer than {MAX_NOTE} characters")
    return text


def _add_documents(
    s: AsyncSession, request: IntegrationRequest, documents: list[KeptDocument], actor: str, at: datetime
) -> None:
    """Store the masked copy of each document and record the submission (-> received) in the history."""
    for d in documents:
        s.add(
            RequestDocument(
                request_id=request.id, name=d.name, media_type=d.media_type, size=d.size,
                sha256=d.sha256, content=d.content, uploaded_at=at,
            )
        )  # fmt: skip
    listing = ", ".join(f"{d.name} ({d.media_type}, {d.size} bytes)" for d in documents)
    s.add(transition_entry(request.id, None, "received", actor, f"{len(documents)} document(s): {listing}"))
