"""How errors become HTTP answers: one table from domain errors to statuses, and the app's exception handlers.

Every error answer is JSON, `{"detail": "<reason>"}`, in words: invalid input as `field: problem`, a
domain error as the table below says, and anything else as a 500 with a generic sentence (never the
exception's text), its traceback logged. Console pages get the console's error page instead (a live
fragment of a page still gets JSON), and a console visitor who is not signed in goes to the login page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ocpay.api.auth import LoginRequired
from ocpay.api.commands import CommandProblem
from ocpay.assessment import DocumentError
from ocpay.charging import identity
from ocpay.charging.sessions import IdTokenExists
from ocpay.charging.stations import StationExists, UnknownStation
from ocpay.console.pages.login import login_redirect
from ocpay.console.render import error_page
from ocpay.gateway.limits import LogLimiter
from ocpay.integration_requests import (
    DocumentTooLarge,
    IllegalTransition,
    RequestError,
    UnknownRequest,
    UnsupportedDocument,
)

log = logging.getLogger("ocpay.api")
INTERNAL_ERROR = "the server failed to answer this request; the failure is logged, and trying again may help"


def words(exc: BaseException) -> str:
    """An error's message; one raised with several arguments and no message of its own is not shown as
    a Python tuple but as its arguments, joined."""
    if len(exc.args) > 1 and type(exc).__str__ is BaseException.__str__:
        return ": ".join(str(x) for x in exc.args)
    return str(exc)


# Domain error -> (HTTP status, the reason the answer gives). The first class in an error's method
# resolution order that is listed here decides.
DOMAIN_ERRORS: dict[type[Exception], tuple[int, Callable[[Any], str]]] = {
    UnknownStation: (404, lambda exc: f"no station {exc}"),
    StationExists: (409, lambda exc: f"station {exc} exists already"),
    IdTokenExists: (409, lambda exc: f"id token {exc} exists already"),
    DocumentError: (404, words),  # nothing recorded to assess
    UnknownRequest: (404, words),
    IllegalTransition: (409, words),
    DocumentTooLarge: (413, words),
    UnsupportedDocument: (415, words),
    RequestError: (422, words),
}


def http_answer(exc: Exception) -> tuple[int, str]:
    """The status and the reason the API answers `exc` with; LookupError for an error it does not know."""
    if isinstance(exc, CommandProblem):  # made by the API itself: it carries its status
        return exc.status, exc.reason
    for cls in type(exc).__mro__:
        if cls in DOMAIN_ERRORS:
            status, reason = DOMAIN_ERRORS[cls]
            return status, reason(exc)
    raise LookupError(f"no HTTP answer for {type(exc).__name__}")


# What a validation error of FastAPI (pydantic) means, in words: by its type, with its context filled in.
# A type not listed keeps pydantic's own message, which is in words too.
PROBLEMS: dict[str, str] = {
    "missing": "required",
    "extra_forbidden": "not a field of this request",
    "int_parsing": "a whole number is expected",
    "int_type": "a whole number is expected",
    "int_from_float": "a whole number is expected",
    "float_parsing": "a number is expected",
    "float_type": "a number is expected",
    "decimal_parsing": "a decimal number is expected",
    "decimal_type": "a decimal number is expected",
    "finite_number": "a finite number is expected",
    "decimal_max_places": "at most {decimal_places} decimal places",
    "decimal_max_digits": "at most {max_digits} digits",
    "bool_parsing": "true or false is expected",
    "bool_type": "true or false is expected",
    "string_type": "text is expected",
    "string_too_short": "at least {min_length} characters",
    "string_too_long": "at most {max_length} characters",
    "string_pattern_mismatch": "not in the expected form",
    "too_short": "at least {min_length} items",
    "too_long": "at most {max_length} items",
    "greater_than": "more than {gt} is expected",
    "greater_than_equal": "{ge} or more is expected",
    "less_than": "less than {lt} is expected",
    "less_than_equal": "{le} or less is expected",
    "literal_error": "one of {expected}",
    "enum": "one of {expected}",
    "list_type": "a list is expected",
    "dict_type": "a JSON object is expected",
    "model_type": "a JSON object is expected",
    "model_attributes_type": "a JSON object is expected",
    "datetime_type": "a time is expected (ISO 8601, e.g. 2025-03-01T09:30:00Z)",
    "datetime_parsing": "a time is expected (ISO 8601, e.g. 2025-03-01T09:30:00Z): {error}",
    "datetime_from_date_parsing": "a time is expected (ISO 8601, e.g. 2025-03-01T09:30:00Z): {error}",
    "json_invalid": "not valid JSON: {error}",
    "json_type": "not valid JSON",
    "value_error": "{error}",
}
# Patterns whose rule the API states in words (a regular expression is not an answer a person can use).
PATTERNS: dict[str, str] = {
    identity.PATTERN: f"not a station identity ({identity.RULE})",
    r"^[A-Z]{3}$": "an ISO 4217 currency code such as EUR is expected",
}
MAX_PROBLEMS = 5


def problem_of(error: Mapping[str, Any]) -> str:
    """One validation error in words: `limit: 1000 or less is expected`; the input itself is never repeated."""
    context = {key: _said(value) for key, value in (error.get("ctx") or {}).items()}
    kind = str(error.get("type", ""))
    words = PATTERNS.get(str(context.get("pattern"))) if kind == "string_pattern_mismatch" else None
    if words is None and kind in PROBLEMS:
        try:
            words = PROBLEMS[kind].format(**context)
        except (KeyError, IndexError):
            words = None
    if words is None:
        words = str(error.get("msg") or "invalid")
    loc: Sequence[Any] = error.get("loc") or ()
    if kind == "json_invalid" and len(loc) == 2 and isinstance(loc[1], int):
        words += f" (at character {loc[1]})"
    where = _field(loc)
    return f"{where}: {words}" if where else words


def _said(value: Any) -> Any:
    """A context value as words: an exception by its message (pydantic puts the ValueError itself there)."""
    return str(value) if isinstance(value, Exception) else value


def _field(loc: Sequence[Any]) -> str:
    """`("body", "params", "x")` -> `params.x`; `("query", "limit")` -> `limit`; list positions as `keys[2]`."""
    parts = list(loc[1:]) if len(loc) > 1 and loc[0] in ("body", "query", "path", "header", "cookie") else list(loc)
    if parts and isinstance(parts[-1], int) and loc[:1] == ("body",) and len(parts) == 1:
        return "body"  # a JSON syntax error: pydantic gives the position, the message says it
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or str(loc[0] if loc else "")


def reason_of(exc: RequestValidationError) -> str:
    """FastAPI's list of validation errors, said in one line: `password: at least 16 characters; limit: ...`."""
    errors = list(exc.errors())
    reasons = [problem_of(error) for error in errors[:MAX_PROBLEMS]]
    if len(errors) > MAX_PROBLEMS:
        reasons.append(f"and {len(errors) - MAX_PROBLEMS} more")
    return "; ".join(reasons) or "invalid request"


async def _answer(request: Request, status: int, detail: str, headers: Mapping[str, str] | None = None) -> Response:
    if request.url.path.startswith("/console") and not request.query_params.get("fragment"):
        return await error_page(request, status, detail)
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def detail_words(detail: Any) -> str:
    """An HTTP error's detail as words: text as is, a list as its items, never a Python repr."""
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list | tuple):
        return "; ".join(detail_words(x) for x in detail)
    if isinstance(detail, Mapping):
        return "; ".join(f"{key}: {detail_words(value)}" for key, value in detail.items())
    return str(detail)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return await _answer(request, exc.status_code, detail_words(exc.detail), exc.headers)


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if request.url.path.startswith("/console"):
        return await error_page(request, 422, reason_of(exc))
    return JSONResponse({"detail": reason_of(exc)}, status_code=422)


async def _domain_error(request: Request, exc: Exception) -> Response:
    status, detail = http_answer(exc)
    return await _answer(request, status, detail)


class InternalErrors:
    """ASGI middleware: an exception no handler answers becomes a 500 with a generic sentence, never the
    exception's text (it may hold anything); the traceback is logged once a minute per place and kind
    of failure, the ones in between counted, so a client repeating a failing request cannot flood the log."""

    def __init__(self, app: ASGIApp, limiter: LogLimiter | None = None) -> None:
        self.app = app
        self.limiter = limiter or LogLimiter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            self._log(scope, exc)
            if not started:  # else the client sees the answer cut short; nothing more can be said
                response = await _answer(Request(scope, receive), 500, INTERNAL_ERROR)
                await response(scope, receive, send)

    def _log(self, scope: Scope, exc: Exception) -> None:
        route = getattr(scope.get("route"), "path", None) or "unrouted"
        where = f"{scope.get('method', '')} {route}"
        held_back = self.limiter.allow((where, type(exc).__name__, _origin(exc)))
        if held_back is not None:
            more = f" ({held_back} more since the last one)" if held_back else ""
            log.error("%s failed with %s%s", where, type(exc).__name__, more, exc_info=exc)


def _origin(exc: BaseException) -> str:
    """Where an exception was raised: file and line of the innermost frame."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else ""


def install(app: FastAPI) -> None:
    """Register the handlers: HTTP errors, invalid input, the domain errors of the table, console logins,
    and the generic answer to anything else (500)."""
    app.add_middleware(InternalErrors)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(LoginRequired, login_redirect)
    app.add_exception_handler(CommandProblem, _domain_error)
    for error in DOMAIN_ERRORS:
        app.add_exception_handler(error, _domain_error)
