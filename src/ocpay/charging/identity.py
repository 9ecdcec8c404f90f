"""Station identities: the one rule of what may name a station, used by the gateway, the API and the CLI.

OCPP 2.0.1 and 2.1 (Part 4, OCPP-J) make the identity the last segment of the connection URL and the
user name of HTTP Basic auth, of at most 48 characters from the `identifierString` set (letters, digits
and `* - _ = + | @ . :`), without the colon (RFC 7617: a user name cannot hold one). OCPP 1.6-J says
less; ocpay holds its stations to the same rule. Besides that: not `.` or `..` alone (URL dot segments).
So nothing a station can name itself holds a control character, NUL, a newline, a bidi control, a
space, `/`, `%` or a quote, and an identity is safe in a URL, a log line, a file name and a database.
"""

from __future__ import annotations

import re

MAX_LENGTH = 48
_CHARACTER = r"[A-Za-z0-9*_=+|@.-]"
# At least one character that is not a dot; the length is checked apart (max_length, `problem`).
PATTERN = rf"^{_CHARACTER}*[A-Za-z0-9*_=+|@-]{_CHARACTER}*$"
_IDENTITY = re.compile(PATTERN)
RULE = f"1 to {MAX_LENGTH} letters, digits and * - _ = + | @ . (not dots alone)"


def problem(value: str) -> str | None:
    """Why `value` is not a station identity, or None when it is one."""
    if not value:
        return "the station identity is empty"
    if len(value) > MAX_LENGTH:
        return f"the station identity is longer than {MAX_LENGTH} characters"
    if _IDENTITY.fullmatch(value) is None:
        return f"the station identity may hold only {RULE}"
    return None


def is_identity(value: str) -> bool:
    """Whether `value` may name a station."""
    return problem(value) is None
