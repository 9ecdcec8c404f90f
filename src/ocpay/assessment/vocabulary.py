"""The words of payment traffic: which status value means which payment event, and which amounts are in cents.

Two tables, read by the drafting (`draft_messages`) and the inference (`inference.status_events`):

- `STATUS_WORDS`: a status value (as terminals and vendor firmwares write it, in English, French,
  German, Spanish and Italian) -> the payment event it reports. Values are compared folded: case,
  accents, spaces, dashes and underscores do not count (`NOT_AUTHORIZED` = `Not authorized`).
  A few words say only "it went well" (`OK`, `Accepted`, `Success`): `POSITIVE_WORDS`, their event is the
  message's own (settled for a message that reports a result with an amount, else authorised).
- `MINOR_UNIT_NAMES` and `MINOR_UNIT_WORDS`: a field name or a document's words that say an amount
  is in cents (minor units), so a drafted message gets `amount_scale: 0.01`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

StatusEvent = Literal["authorized", "declined", "canceled", "failed", "settled"]


def fold(word: str) -> str:
    """A status word compared as terminals vary it: lower case, no accents, no spaces, dashes or underscores."""
    plain = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", plain.lower())


_WORDS: dict[StatusEvent, tuple[str, ...]] = {
    "authorized": (
        "authorized", "authorised", "approved", "preauthorized", "preauthorised", "reserved", "authorizationok",
        "autorise", "autorisee", "accepte", "acceptee", "approuve",  # fr
        "genehmigt", "autorisiert", "freigegeben", "akzeptiert",  # de
        "aprobado", "autorizado", "autorizzato", "approvato",  # es, it
    ),
    "settled": (
        "settled", "captured", "committed", "completed", "complete", "paid", "debited", "charged", "finalized",
        "finalised", "cleared", "regle", "paye", "encaisse", "debite", "termine",  # fr
        "abgerechnet", "bezahlt", "gebucht", "abgeschlossen",  # de
        "pagado", "cobrado", "liquidado", "pagato", "addebitato",  # es, it
    ),
    "declined": (
        "declined", "refused", "rejected", "denied", "ko", "notauthorized", "notauthorised", "unauthorized",
        "insufficientfunds", "blocked", "refuse", "refusee", "rejete",  # fr
        "abgelehnt", "verweigert", "zurueckgewiesen",  # de
        "rechazado", "denegado", "rifiutato", "negato",  # es, it
    ),
    "canceled": (
        "canceled", "cancelled", "voided", "void", "reversed", "aborted", "annule", "annulee",  # fr
        "storniert", "abgebrochen", "annulliert",  # de
        "cancelado", "anulado", "annullato", "stornato",  # es, it
    ),
    "failed": (
        "failed", "failure", "error", "timeout", "timedout", "communicationerror", "echec", "erreur",  # fr
        "fehler", "fehlgeschlagen", "zeitueberschreitung",  # de
        "fallido", "fallo", "errore", "fallito",  # es, it
    ),
}  # fmt: skip
STATUS_WORDS: dict[str, StatusEvent] = {fold(word): event for event, words in _WORDS.items() for word in words}
# Words that say only that it went well: the message says which event (settled or authorised).
POSITIVE_WORDS = frozenset(
    fold(word) for word in ("ok", "accepted", "success", "successful", "succeeded", "done", "true")
)


def status_event(value: object, positive: StatusEvent = "authorized") -> StatusEvent | None:
    """The payment event a status value reports (`positive`'s for a word that only says it went well), or None."""
    if not isinstance(value, str):
        return None
    if fold(value) in POSITIVE_WORDS:
        return positive
    return STATUS_WORDS.get(fold(value))


MINOR_UNIT_NAMES = re.compile(
    r"((?<!per)cents?|centimes?|minor(_?units?)?|pence)$|^(cents?|minor)_?[a-z]", re.IGNORECASE
)
MINOR_UNIT_WORDS = re.compile(
    r"\b(in\s+(euro\s*)?cents?|minor\s+units?|(euro\s*)?cents?\s+\(|smallest\s+currency\s+unit"
    r"|en\s+centimes|in\s+cent\b|centimes\s+d.euro|in\s+eurocent)",
    re.IGNORECASE,
)


def names_minor_units(field_name: str) -> bool:
    """The field's name says its amount is in cents (`amountCents`, `totalInCents`, `amountMinor`, `cents`)."""
    return bool(MINOR_UNIT_NAMES.search(field_name.replace("-", "_")))


def says_minor_units(text: str) -> bool:
    """A document's prose says amounts are in cents or minor units ("in cents", "minor units", "en centimes")."""
    return bool(MINOR_UNIT_WORDS.search(text))
