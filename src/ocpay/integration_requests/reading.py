"""The job a worker process runs for a submission: check and read each document, mask it, assess them all.

It runs in `ocpay.assessment.worker`'s processes, never in the server's event loop. Each document is
one stage (`report("reading NAME")`), the assessment another (`report("assessing")`), each on the pool's
clock. What comes back is only what is stored: the masked copies and the assessment's bounded JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ocpay.assessment import assess, combine
from ocpay.assessment.worker import Report
from ocpay.integration_requests.uploads import Upload, check_document, kept_copy, safe_name
from ocpay.integrations.catalog import Catalog
from ocpay.integrations.dialects import DialectSet

READING = "reading "
ASSESSING = "assessing"
_known: dict[str, Any] = {}  # in a worker process: the dialects and the catalog it compares with


@dataclass(frozen=True, slots=True)
class KeptDocument:
    """What is stored of an accepted document: its masked copy and the facts of the original."""

    name: str
    media_type: str
    size: int
    sha256: str
    content: bytes


@dataclass(frozen=True, slots=True)
class AssessmentRecord:
    """The assessment as it is stored: its bounded JSON, and the parts the transitions read."""

    data: dict[str, Any]

    @property
    def verdict(self) -> str:
        """supported, compatible, needs_development or no_payment_evidence."""
        return str(self.data["verdict"])

    @property
    def dialect(self) -> str | None:
        """The closest dialect's id."""
        return self.data.get("dialect")

    @property
    def confidence(self) -> float:
        """How sure the verdict is, 0 to 1."""
        return float(self.data.get("confidence") or 0)

    @property
    def reasons(self) -> list[str]:
        """The reasons given (the first ones)."""
        return list(self.data.get("reasons") or [])

    @property
    def gaps(self) -> list[dict[str, Any]]:
        """The gaps as JSON (the first ones; `gaps_total` in the data counts them all)."""
        return list(self.data.get("gaps") or [])

    @property
    def drafted_dialect(self) -> str | None:
        """The drafted dialect (YAML), when the verdict drafts one."""
        return self.data.get("drafted_dialect")

    def to_json(self) -> dict[str, Any]:
        """The stored JSON."""
        return self.data


@dataclass(frozen=True, slots=True)
class ReadSubmission:
    """A submission read: its documents to keep and its assessment."""

    documents: list[KeptDocument]
    assessment: AssessmentRecord


def know(dialects: DialectSet, catalog: Catalog) -> None:
    """A worker's start: remember what documentation is compared with."""
    _known.update(dialects=dialects, catalog=catalog)


def read_submission(
    report: Report,
    uploads: list[Upload],
    max_document_bytes: int,
    charger: str,
    terminal: str,
    ocpp_version: str | None,
) -> ReadSubmission:
    """Check and read every document (RefusedDocument for the first refused one), keep it masked, assess them."""
    checked, kept = [], []
    for upload in uploads:
        report(READING + safe_name(upload.name))
        document = check_document(upload, max_document_bytes)
        checked.append(document)
        kept.append(
            KeptDocument(document.name, document.media_type, document.size, document.sha256, kept_copy(document))
        )
    report(ASSESSING)
    result = assess(
        combine([c.documentation for c in checked]),
        _known["dialects"],
        _known["catalog"],
        charger=charger,
        terminal=terminal,
        ocpp_version=ocpp_version,
    )
    return ReadSubmission(kept, AssessmentRecord(result.to_json()))
