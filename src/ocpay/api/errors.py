"""How errors become HTTP answers: one table from domain errors to statuses, and the app's exception handlers.

Every error answer is JSON, `{"detail": "<reason>"}`, except on console pages: those get the console's
error page (a live fragment of a page still gets JSON), and a console visitor who is not signed in is
sent to the login page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ocpay.api.auth import LoginRequired
from ocpay.api.commands import CommandProblem
from ocpay.assessment import DocumentError
from ocpay.charging.sessions import IdTokenExists
from ocpay.charging.stations import StationExists, UnknownStation
from ocpay.console.pages.login import login_redirect
from ocpay.console.render import error_page
from ocpay.integration_requests import (
    DocumentTooLarge,
    IllegalTransition,
    RequestError,
    UnknownRequest,
    UnsupportedDocument,
)

# Domain error -> (HTTP status, the reason the answer gives). The first class in an error's method
# resolution order that is listed here decides.
DOMAIN_ERRORS: dict[type[Exception], tuple[int, Callable[[Any], str]]] = {
    UnknownStation: (404, lambda exc: f"no station {exc}"),
    StationExists: (409, lambda exc: f"station {exc} exists already"),
    IdTokenExists: (409, lambda exc: f"id token {exc} exists already"),
    DocumentError: (404, str),  # nothing recorded to assess
    UnknownRequest: (404, str),
    IllegalTransition: (409, str),
    DocumentTooLarge: (413, str),
    UnsupportedDocument: (415, str),
    RequestError: (422, str),
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


def reason_of(exc: RequestValidationError) -> str:
    """FastAPI's list of validation errors, said in one line: `body.password: too short; query.limit: ...`."""
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(x) for x in error.get("loc", ()) if x != "body" or len(error.get("loc", ())) == 1)
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    return "; ".join(parts) or "invalid request"


async def _answer(request: Request, status: int, detail: str, headers: Mapping[str, str] | None = None) -> Response:
    if request.url.path.startswith("/console") and not request.query_params.get("fragment"):
        return await error_page(request, status, detail)
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return await _answer(request, exc.status_code, detail, exc.headers)


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if request.url.path.startswith("/console"):
        return await error_page(request, 422, reason_of(exc))
    return JSONResponse({"detail": reason_of(exc)}, status_code=422)


async def _domain_error(request: Request, exc: Exception) -> Response:
    status, detail = http_answer(exc)
    return await _answer(request, status, detail)


def install(app: FastAPI) -> None:
    """Register the handlers: HTTP errors, invalid input, the domain errors of the table, console logins."""
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(LoginRequired, login_redirect)
    app.add_exception_handler(CommandProblem, _domain_error)
    for error in DOMAIN_ERRORS:
        app.add_exception_handler(error, _domain_error)
