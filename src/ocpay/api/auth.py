"""Who is calling: the API token check as FastAPI dependencies, for the REST API and for the console.

Once `OCPAY_API_TOKEN` is set or one API token exists, the REST API needs `Authorization: Bearer <token>`
and the console a login (a signed session cookie); without any, everyone may do everything. A read-only
token gets 403 on every write, and so does a write from another site's page, whoever signed in.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ocpay.access.api_tokens import OPEN, ApiTokens, Principal

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
COOKIE = "ocpay_console"
_bearer = HTTPBearer(auto_error=False)


class LoginRequired(Exception):
    """The console needs a login first."""


def tokens_of(request: Request) -> ApiTokens:
    """The API tokens the app checks callers against."""
    tokens: ApiTokens = request.app.state.tokens
    return tokens


def cross_site(request: Request) -> bool:
    """Browsers name the page's origin on every cross-site write; scripts and our own pages pass."""
    origin = request.headers.get("origin")
    return bool(origin) and urlsplit(origin).netloc != request.headers.get("host")


def check_write(request: Request, principal: Principal, cross_site_reason: str) -> None:
    """403 unless the principal may write and the write comes from our own pages or a script."""
    if cross_site(request):  # a browser posting another site's form, most of all in open mode
        raise HTTPException(403, cross_site_reason)
    if not principal.can_write:
        raise HTTPException(403, f"API token {principal.name} is read-only")


async def api_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The bearer token's principal (401 without a valid one); writes checked as `check_write` says."""
    tokens = tokens_of(request)
    if not await tokens.auth_required():
        principal = OPEN
    else:
        found = await tokens.check(credentials.credentials) if credentials is not None else None
        if found is None:
            raise HTTPException(401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})
        principal = found
    if request.method in WRITES:
        check_write(request, principal, "a write from another site's page")
    return principal


async def console_reader(request: Request) -> Principal:
    """The principal signed in to the console; LoginRequired (a redirect to the login page) without one."""
    tokens = tokens_of(request)
    if not await tokens.auth_required():
        return OPEN
    cookie = request.cookies.get(COOKIE)
    found = await tokens.check_session(cookie) if cookie else None
    if found is None:
        raise LoginRequired
    return found


async def console_writer(request: Request, principal: Annotated[Principal, Depends(console_reader)]) -> Principal:
    """The console's principal, allowed to change things from this very console."""
    check_write(request, principal, "a form from another site")
    return principal


ApiPrincipal = Annotated[Principal, Depends(api_principal)]
ConsoleReader = Annotated[Principal, Depends(console_reader)]
ConsoleWriter = Annotated[Principal, Depends(console_writer)]
