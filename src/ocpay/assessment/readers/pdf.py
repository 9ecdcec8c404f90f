"""Reader for PDF documents: the text of every page (pypdf), scanned like any document, with page numbers."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from ocpay.assessment.evidence import Documentation, DocumentError, Problem
from ocpay.assessment.readers.text import DocumentText, scan

MAX_TEXT_CHARS = 20_000_000  # text extracted from one PDF (a few kilobytes may hold a compressed flood)


def pdf_pages(raw: bytes, name: str | Path) -> list[str]:
    """The extracted text of each page; DocumentError when the PDF is encrypted or cannot be read."""
    try:
        from pypdf import PdfReader  # imported on first use: most assessments read no PDF

        reader = PdfReader(BytesIO(raw))
        if reader.is_encrypted:
            raise DocumentError(f"{name}: the PDF is encrypted; send it without a password")
        pages, total = [], 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            total += len(pages[-1])
            if total > MAX_TEXT_CHARS:
                raise DocumentError(f"{name}: holds more than {MAX_TEXT_CHARS} characters of text")
        return pages
    except DocumentError:
        raise
    except Exception as exc:  # pypdf raises many kinds on broken files
        raise DocumentError(f"{name}: not a readable PDF: {exc}") from None


def read_pdf(path: Path, raw: bytes) -> Documentation:
    """The example messages a PDF shows, with page and line; a problem when it has no text (a scan)."""
    return read_pdf_pages(path.name, pdf_pages(raw, path))


def read_pdf_pages(name: str, pages: list[str]) -> Documentation:
    """The example messages in the extracted text of a PDF's pages (see `read_pdf`)."""
    offsets, text = [], ""
    for page in pages:
        offsets.append(len(text))
        text += page + "\n"
    doc_text = DocumentText(name, text)
    doc_text.pages = offsets
    doc = scan(doc_text)
    if not text.strip():
        doc.problems.append(Problem(name, "no text could be extracted (a scanned PDF?)"))
    return doc
