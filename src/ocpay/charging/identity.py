"""Station identities: the one rule of what may name a station, used by the gateway, the API and the CLI.

OCPP-J makes the identity the last segment of the connection URL and the user name of HTTP Basic auth;
OCPP 2.0.1 and 2.1 allow at most 48 characters, from the `identifierString` set (letters, digits and
`* - _ = + | @ . :`) without the colon (RFC 7617: a user name cannot hold one). OCPP 1.6-J says less,
and stations in the field use more, so ocpay admits any printable ASCII character but the two that break
the URL or Basic auth: 1 to 48 of them, no `/`, no `:`, not `.` or `..` alone (URL dot segments).
So no identity holds a control character, NUL, a newline, a space, a bidi control or any other
non-ASCII character: it is safe in a URL, a log line, a file name and either database.
"""

from __future__ import annotations

import re

MAX_LENGTH = 48
# Printable ASCII (! to ~) without "/" (0x2f) and ":" (0x3a); at least one character that is not a dot.
# The length is checked apart (max_length, `problem`). One pattern for Python and for pydantic's regex.
_CHARACTER = r"[\x21-\x2e\x30-\x39\x3b-\x7e]"
_NOT_DOT = r"[\x21-\x2d\x30-\x39\x3b-\x7e]"
PATTERN = rf"^{_CHARACTER}*{_NOT_DOT}{_CHARACTER}*$"
_IDENTITY = re.compile(PATTERN)
RULE = f"1 to {MAX_LENGTH} printable ASCII characters without space, / or : (not dots alone)"


def problem(value: str) -> str | None:
    """Why `value` is not a station identity, or None when it is one."""
    if not value:
        return "the station identity is empty"
    if len(value) > MAX_LENGTH:
        return f"the station identity is longer than {MAX_LENGTH} characters"
    if _IDENTITY.fullmatch(value) is None:
        return f"the station identity must be {RULE}"
    return None


def is_identity(value: str) -> bool:
    """Whether `value` may name a station."""
    return problem(value) is None
