"""The assessment corpus and what its tests share.

The corpus in tests/fixtures/assessment is written from the domain facts (what stations send), not
copied from the dialect files, so that these tests fail when a dialect or the comparison drifts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocpay.assessment import Assessment, assess, read_documentation
from ocpay.integrations.catalog import Catalog
from ocpay.integrations.dialects import DialectSet

FIXTURES = Path(__file__).parents[2] / "fixtures" / "assessment"
DIALECTS = DialectSet.load()
CATALOG = Catalog.load(DIALECTS)
# Payment identifiers that appear in the fixtures and must never be printed.
SECRETS = ["PAY-99812345678901", "A1B2C3", "455600012345", "PSP-8812345678", "PAY-0011223344556", "PSPREF-44112233"]


def run(path: Path, charger: str | None = None, terminal: str | None = None, **kw: Any) -> Assessment:
    return assess(read_documentation(path), DIALECTS, CATALOG, charger=charger, terminal=terminal, **kw)


def kinds(result: Assessment) -> set[str]:
    return {g.kind for g in result.gaps}


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with these lines of text, written by hand (no PDF library needed)."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    content = "BT /F1 9 Tf 11 TL 30 800 Td " + " ".join(f"({escape(line)}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        "/Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
    ]
    return pdf_of(objects)


def many_page_pdf(pages: int, lines_per_page: int) -> bytes:
    """A PDF of many pages sharing one content stream: a few kilobytes that cost seconds to extract."""
    content = "BT /F1 9 Tf 11 TL 30 800 Td " + " ".join(f"(line {i} [2,) Tj T*" for i in range(lines_per_page)) + " ET"
    page = (
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    )
    kids = " ".join(f"{5 + i} 0 R" for i in range(pages))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        *([page] * pages),
    ]
    return pdf_of(objects)


def alias_bomb(levels: int) -> bytes:
    """A dialect file whose message schema holds nine aliases of nine aliases of ... (`levels` deep)."""
    anchors = ['      x0: &x0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    anchors += [f"      x{n}: &x{n} [" + ", ".join([f"*x{n - 1}"] * 9) + "]" for n in range(1, levels)]
    head = """id: vendor.bomb
title: An alias bomb
version: "1"
provenance:
  kind: vendor-documentation
  source: the red team
ocpp_versions: ["1.6"]
description: nine times nine times nine
messages:
  - name: Boom
    kind: data_transfer
    vendor_id: Vendor
    message_id: Boom
    direction: to_csms
    schema:
      type: object
"""
    return (head + "\n".join(anchors) + "\n").encode()


def pdf_of(objects: list[str]) -> bytes:
    """A PDF file of these objects (numbered from 1, the first the catalog), with its cross-reference table."""
    out = b"%PDF-1.4\n"
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out
