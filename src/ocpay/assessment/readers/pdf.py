"""Reader for PDF documents: the text of every page (pypdf), scanned like any document, with page numbers."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from ocpay.assessment.evidence import Documentation, DocumentError, Problem
from ocpay.assessment.readers.text import DocumentText, scan


def pdf_pages(raw: bytes, name: str | Path) -> list[str]:
    """The extracted text of each page; DocumentError when the PDF is encrypted or cannot be read."""
    try:
        from pypdf import PdfReader  # imported on first use: most assessments read no PDF

        reader = PdfReader(BytesIO(raw))
        if reader.is_encrypted:
            raise DocumentError(f"{name}: the PDF is encrypted; send it without a password")
        return [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except Exception as exc:  # pypdf raises many kinds on broken files
        raise DocumentError(f"{name}: not a readable PDF: {exc}") from None


def read_pdf(path: Path, raw: bytes) -> Documentation:
    """The example messages a PDF shows, with page and line; a problem when it has no text (a scan)."""
    offsets, text = [], ""
    for page in pdf_pages(raw, path):
        offsets.append(len(text))
        text += page + "\n"
    doc_text = DocumentText(path.name, text)
    doc_text.pages = offsets
    doc = scan(doc_text)
    if not text.strip():
        doc.problems.append(Problem(path.name, "no text could be extracted (a scanned PDF?)"))
    return doc
