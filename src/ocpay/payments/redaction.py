"""Masking of payment identifiers, the one mechanism for everything a station or a document sends, and
the keyed hash of identifiers.

Dialects name their payment identifier fields exactly (dropped, or replaced by a keyed hash); masking
is the safety net for everything else a station or a document sends (unknown messages, notices, free
text, error texts, uploads, log lines), where we can only judge by names and shapes. It is applied
before anything is stored, logged or shown, and it follows two tables:

- `KEY_RULES`: the names of fields whose whole value is a payment identifier (`pan`, `cardNumber`,
  `stan`, `authCode`, ...), matched on the words of the name, so `company` is not `pan`;
- `TEXT_RULES`: the shapes of identifiers inside any text (a number of 13 digits or more in any spacing,
  and a Luhn-valid card number even glued to a word; a partly masked card number; a value after a
  payment label in several languages; a sensitive URL parameter). A JSON number is masked when it is a
  Luhn-valid card number. Words that merely start like a label (`APPROVED`, `AuthorizeRemoteTxRequests`) are kept:
  a label is a whole word, and what follows it is masked only when it holds a digit or a mask.

Every rule is one regular expression without nested repetition, run once over the text: linear time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MASK = "***"
MAX_DEPTH = 64  # deeper than any message or document we keep: masked whole rather than walked

# -- field names ----------------------------------------------------------------------------------

KEY_RULES: tuple[tuple[str, ...], ...] = (
    # Each row: words that together make a field name a payment identifier (every word of the row must
    # be among the words of the name; "cardNumber" has the words card, number, and "cardnumber").
    ("pan",), ("card",), ("cards",), ("acct",), ("account",), ("iban",),  # card and account numbers
    ("karte",), ("kartennummer",), ("carte",), ("tarjeta",),
    ("stan",), ("rrn",), ("trace",),  # terminal and acquirer trace numbers
    ("auth",), ("authcode",), ("auth", "code"), ("authorization",), ("authorisation",), ("approval",),
    ("genehmigung",), ("genehmigungsnummer",), ("autorisation",), ("autorisierung",),
    ("cvv",), ("cvc",), ("csc",), ("cvv2",), ("cvc2",), ("track",), ("track1",), ("track2",),
    ("expiry",), ("expiration",), ("exp",),
    ("psp",), ("pspref",), ("reference",), ("ref",), ("payment", "id"), ("payment", "transaction"),
    ("terminal", "tx"), ("terminal", "transaction"), ("vu", "number"), ("vunumber",), ("aid",),
    ("receipt",), ("ticket",), ("token",), ("secret",), ("password",), ("pin",),
)  # fmt: skip
_WHOLE_KEYS = frozenset({"report"})  # names sensitive only as the whole name (DBT's receipt text)
_KEY_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


@lru_cache(maxsize=4096)
def sensitive_key(key: str) -> bool:
    """Whether a field of this name holds a payment identifier (then its whole value is masked)."""
    compact = re.sub(r"[\W_]+", "", key.lower())
    if compact in _WHOLE_KEYS:
        return True
    words = {w.lower() for w in _KEY_WORD.findall(key)} | {compact}
    return any(all(w in words for w in row) for row in KEY_RULES)


# -- shapes inside text -----------------------------------------------------------------------------

_LETTER = r"[^\W\d_]"
LABELS: tuple[str, ...] = (
    # Words after which a code is printed on receipts, in station texts and in logs (case-insensitive,
    # whole words; a stem takes any letters after it).
    "stan", "rrn", "trace", "trx" + _LETTER + "*", "txn" + _LETTER + "*", "tid", "aid",
    "auth" + _LETTER + "*",  # auth, authcode, authorization, authorisation, authorized
    "appr" + _LETTER + "*",  # appr, approval, approved
    "genehmigung" + _LETTER + "*", "autori" + _LETTER + "*",  # de; fr, it, es, de
    "pan", "card", "carte", "carta", "tarjeta", "karte" + _LETTER + "*", "iban",
    "cvv2?", "cvc2?", "csc", "kpn",
    "exp", "expiry", "expiration", "expires", "valid thru", "valid until", "g[üu]ltig bis", "ablauf" + _LETTER + "*",
    "psp" + _LETTER + "*", "ref" + _LETTER + "*", "beleg" + _LETTER + "*", "riferimento",
)  # fmt: skip
_QUALIFIERS = r"code|codice|c[oó]digo|nr|no|n[°º]|num|number|nummer|id|#"
_SEPARATOR = r"[ \t:=#.\-]{0,4}"
_MASKED = r"(?:[*•]+[ \t:=#.\-]{1,3})*"  # what was masked before the value ("Auth ***: A1B2C3")
_CODE = r"(?=[0-9A-Za-z*•/\-]{3})[A-Za-z\-]*[0-9*•][0-9A-Za-z*•/\-]*(?:[ ][0-9*•][0-9*•/\-]*)*"
_NUMBER = r"(?<![0-9])[0-9](?:[ \-]?[0-9]){12,}(?![0-9])"  # 13 digits or more, in any spacing
_PARTIAL = r"(?<![0-9A-Za-z*•])[0-9*•X](?:[ \-]?[0-9*•X]){11,18}(?![0-9A-Za-z*•])"  # 411111******1111
_PARAMETER = r"(?<=[?&;])(?P<name>[A-Za-z_][A-Za-z0-9_.\-]{0,63})=(?P<value>[^&#\s]*)"  # ?pan=...&auth=...


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check every card number passes."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = ord(char) - 48
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def is_card_number(value: str) -> bool:
    """A Luhn-valid 13-19 digit card number, in any spacing (an idTag that is one is card-derived)."""
    if not _CARD_ONLY.fullmatch(value):
        return False
    digits = re.sub(r"[ \-]", "", value)
    return 13 <= len(digits) <= 19 and luhn_valid(digits)


_CARD_ONLY = re.compile(r"[0-9](?:[ \-]?[0-9]){12,18}")


def _number(match: re.Match[str]) -> str:
    """A long number: masked when it stands alone (a card, account or payment number, whatever its check
    digit), or when it, or a run of its groups, is a card number (glued to a word: `card4111...`)."""
    text, start = match.group(), match.start()
    if start == 0 or not match.string[start - 1].isalpha():
        return MASK
    groups = re.split(r"[ \-]", text)
    for first in range(len(groups)):
        digits = ""
        for group in groups[first:]:
            digits += group
            if len(digits) > 19:
                break
            if len(digits) >= 13 and luhn_valid(digits):
                return MASK
    return text


def _partial(match: re.Match[str]) -> str:
    """A card number partly masked by someone else (411111******1111, **** **** **** 1111): masked whole."""
    text = match.group()
    digits = sum(c.isdigit() for c in text)
    return MASK if digits >= 4 and len(text) - digits - text.count(" ") - text.count("-") >= 3 else text


def _labelled(match: re.Match[str]) -> str:
    """A code after a payment label: the label kept, the code masked."""
    return match.group("label") + MASK


def _parameter(match: re.Match[str]) -> str:
    """A URL parameter: its value masked when its name is a payment identifier's, else scanned as text."""
    name, value = match.group("name"), match.group("value")
    return f"{name}={MASK}" if sensitive_key(name) else f"{name}={mask_string(value)}"


@dataclass(frozen=True, slots=True)
class TextRule:
    """One shape of identifier inside text: its pattern, and what a match becomes."""

    name: str
    pattern: str
    replace: Callable[[re.Match[str]], str]


TEXT_RULES: tuple[TextRule, ...] = (
    TextRule("url parameter", _PARAMETER, _parameter),
    TextRule(
        "labelled code",
        rf"(?P<label>(?<!{_LETTER})(?i:{'|'.join(LABELS)})(?!{_LETTER})"
        rf"(?:[ \-]?(?i:{_QUALIFIERS})(?![^\W_]))?{_SEPARATOR}){_MASKED}{_CODE}",
        _labelled,
    ),
    TextRule("card or other long number", _NUMBER, _number),
    TextRule("partly masked card number", _PARTIAL, _partial),
)
_SCANNER = re.compile("|".join(f"(?P<r{i}>{rule.pattern})" for i, rule in enumerate(TEXT_RULES)))
_RULE_OF = {f"r{i}": rule for i, rule in enumerate(TEXT_RULES)}


def _replace(match: re.Match[str]) -> str:
    return _RULE_OF[match.lastgroup or ""].replace(match)


_MAY_HOLD = re.compile(r"[0-9*•=]")  # every rule needs one of these: text without any is kept as it is


def mask_string(text: str) -> str:
    """`text` with every identifier shape of `TEXT_RULES` masked (one pass)."""
    return _SCANNER.sub(_replace, text) if _MAY_HOLD.search(text) else text


# -- values and documents ---------------------------------------------------------------------------


def mask(value: Any, key: str = "", inside_sensitive: bool = False, _depth: int = 0) -> Any:
    """A copy of `value` with payment identifiers masked, by field name and by shape.

    Under a payment identifier's name (`authorization`, `card`, ...) every value is masked, however deep;
    the names stay (themselves scanned), so the shape of the message can still be assessed. A string is
    scanned by `TEXT_RULES` (JSON inside a string, as 1.6 DataTransfer data is, as JSON); a number is
    masked when it is a card number.
    """
    if _depth > MAX_DEPTH:
        return MASK
    sensitive = inside_sensitive or bool(key and sensitive_key(key))
    if isinstance(value, dict):
        return {mask_string(str(k)): mask(v, str(k), sensitive, _depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, key, sensitive, _depth + 1) for v in value]
    if sensitive and value not in (None, "", True, False):
        return MASK
    if isinstance(value, str):
        embedded = _embedded_json(value)
        if embedded is not None:
            return json.dumps(mask(embedded, _depth=_depth + 1), separators=(",", ":"))
        return mask_string(value)
    if isinstance(value, int) and not isinstance(value, bool) and is_card_number(str(abs(value))):
        return MASK
    return value


_DECODER = json.JSONDecoder()


def mask_text(text: str) -> str:
    """A copy of a document's text (or a log line) with identifiers masked, line by line where lines are JSON."""
    whole = _embedded_json(text.strip())
    if whole is not None:
        return json.dumps(mask(whole), indent=2)
    lines = []
    for line in text.splitlines():
        parsed = _embedded_json(line.strip())
        lines.append(json.dumps(mask(parsed)) if parsed is not None else _mask_printed_line(line))
    return "\n".join(lines)


_PRINTED_FRAME = re.compile(r'\[\s*[2-6]\s*,\s*(?:"(?!")|"")')  # a frame after a prefix, or in a CSV cell ("")


def _mask_printed_line(line: str) -> str:
    """A log line with a frame after its prefix (time, station, marker), or in a CSV cell with its quotes
    doubled: the frame masked as JSON, the rest as text."""
    match = _PRINTED_FRAME.search(line)
    if match is None:
        return mask_string(line)
    start = match.start()
    in_cell = match.group().endswith('""')
    frame_text = line[start:].replace('""', '"') if in_cell else line
    try:
        value, end = _DECODER.raw_decode(frame_text, 0 if in_cell else start)
    except (ValueError, RecursionError):
        return mask_string(line)
    masked = json.dumps(mask(value))
    if in_cell:  # each quote of the frame was two in the line
        masked, end = masked.replace('"', '""'), start + end + frame_text.count('"', 0, end)
    return mask_string(line[:start]) + masked + mask_string(line[end:])


def _embedded_json(text: str) -> Any:
    if not text or text[0] not in "{[":
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


# -- logs -------------------------------------------------------------------------------------------


def mask_logs() -> None:
    """Mask every log record of this process as it is made: its message and its traceback.

    What a station sends reaches log lines in many places (error texts, exception messages, ids);
    masking the record, not each call, keeps them all on the one mechanism. Idempotent.
    """
    factory = logging.getLogRecordFactory()
    if getattr(factory, "masks", False):
        return

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the format: logging reports it; keep both, masked
            message = f"{record.msg} {record.args}"
        record.msg, record.args = mask_text(message), None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        return record

    masked_record.masks = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked_record)


# -- keyed hash -------------------------------------------------------------------------------------


class ReferenceHasher:
    """A keyed hash of payment identifiers: links later messages to their session, reveals nothing.

    The key comes from the settings, or from the database at start (`use_key`), so that hashes
    stay the same across restarts and processes.
    """

    def __init__(self, key: str | None = None) -> None:
        self._key = key.encode() if key else b""

    @property
    def has_key(self) -> bool:
        """Whether a key was given or set."""
        return bool(self._key)

    def use_key(self, key: str) -> None:
        """Hash with `key` from now on (the stored key, read at start when the settings give none)."""
        self._key = key.encode()

    def __call__(self, value: str) -> str:
        """ "ref:" and 40 hex digits of the keyed hash of `value`."""
        return "ref:" + hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:40]
