"""Assessment: read a pair's documentation and answer supported, compatible or needs development.

For a new charger x terminal pair, the documentation that comes with the request (a dialect file,
a captured message log, a text/HTML/PDF document with JSON examples, or what a station really sent)
is read into observed messages (`readers`, `evidence`), grouped into the integration's message set
(`message_set`, `card_sessions`, `conformance`, `inference`), compared by *shape*, not by brand, with
every dialect (`fit`, `message_fit`) and the catalog (`catalog_match`), and answered (`verdict`):

- `supported`: a catalog entry covers the pair and the documentation matches its dialect, or the
  messages are standard ones a dialect fully handles;
- `compatible`: an existing dialect handles it with configuration only (parameters such as another
  vendorId or an idTag rule; extra fields it ignores), with the catalog entry to create;
- `needs_development`: every gap with its evidence, and a drafted dialect closing the rest (`drafting`).
- `no_payment_evidence`: nothing shows a card payment (an RFID-only log, a generic OCPP manual): the
  next step names what to send (a log with a card session, the document's section on payments), and
  nothing is opened meanwhile.

Which of the four is decided in one table, `rules.RULES`; the words around it are in `explain`.
"""

from ocpay.assessment.catalog_match import find_entry
from ocpay.assessment.drafting import draft_dialect, propose_entry
from ocpay.assessment.evidence import (
    MAX_DEPTH,
    Documentation,
    DocumentError,
    Evidence,
    Observed,
    Problem,
    TooDeep,
    parse_json,
)
from ocpay.assessment.fit import DialectFit, fit_dialect
from ocpay.assessment.gaps import Gap
from ocpay.assessment.inbox import recorded_documentation
from ocpay.assessment.inference import infer_schema
from ocpay.assessment.message_set import VERSIONS, CustomShape, MessageSet, build_message_set, infer_version
from ocpay.assessment.readers import (
    combine,
    pdf_pages,
    read_dialect_file,
    read_documentation,
    read_html,
    read_log,
    read_pdf,
    read_pdf_pages,
    read_recorded,
    read_text,
)
from ocpay.assessment.rules import RULES, Verdict
from ocpay.assessment.verdict import Assessment, assess

__all__ = [
    "MAX_DEPTH",
    "RULES",
    "VERSIONS",
    "Assessment",
    "CustomShape",
    "DialectFit",
    "DocumentError",
    "Documentation",
    "Evidence",
    "Gap",
    "MessageSet",
    "Observed",
    "Problem",
    "TooDeep",
    "Verdict",
    "assess",
    "build_message_set",
    "combine",
    "draft_dialect",
    "find_entry",
    "fit_dialect",
    "infer_schema",
    "infer_version",
    "parse_json",
    "pdf_pages",
    "propose_entry",
    "read_dialect_file",
    "read_documentation",
    "read_html",
    "read_log",
    "read_pdf",
    "read_pdf_pages",
    "read_recorded",
    "read_text",
    "recorded_documentation",
]
