"""Who is calling: the API token check as FastAPI dependencies, for the REST API, its documents and the console.

Once `OCPAY_API_TOKEN` is set or one API token exists, the REST API needs `Authorization: Bearer <token>`
and the console a login (a signed session cookie, revoked server-side at logout); without any ("open
mode", for a server on one's own machine), everyone may do everything, and so the server answers only
requests addressed to a local name (the `Host` allow list: another site's page cannot reach it through
DNS rebinding). The API documents (/docs, /redoc, /openapi.json) follow the API's rule; a console login
opens them too. A read-only token gets 403 on every write, and so does a write from another site's page,
whoever signed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ocpay.access.api_tokens import OPEN, ApiTokens, Principal
from ocpay.gateway.limits import printable

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
COOKIE = "ocpay_console"
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")  # with any port
WILDCARD_ADDRESSES = ("", "0.0.0.0", "::")  # a bind address that names no host
# What a browser says in Sec-Fetch-Site about a request from our own pages, or one the user typed.
OWN_FETCHES = frozenset({"same-origin", "none"})
_bearer = HTTPBearer(auto_error=False)


class LoginRequired(Exception):
    """The console needs a login first."""


@dataclass(frozen=True, slots=True)
class HostRule:
    """The host names the HTTP server answers to: the local names, the name it is bound to, and those the
    operator lists (`OCPAY_ALLOWED_HOSTS`; `*` for any), each with any port. Enforced in open mode always,
    with tokens only when the operator listed names."""

    names: frozenset[str]
    listed: bool = False  # the operator listed names: enforced with tokens too
    any_name: bool = False

    @classmethod
    def of(cls, allowed: Iterable[str], bind: str | None) -> HostRule:
        """The rule for the operator's list and the address the HTTP server binds to."""
        listed = [name.strip().lower().strip("[]") for name in allowed if name.strip()]
        names = set(LOCAL_NAMES) | set(listed)
        if bind is not None and bind not in WILDCARD_ADDRESSES:
            names.add(bind.lower().strip("[]"))
        return cls(frozenset(names), bool(listed), "*" in listed)

    def enforced(self, open_mode: bool) -> bool:
        """Whether requests are checked: always in open mode, with tokens when names are listed."""
        return open_mode or self.listed

    def allows(self, host: str | None) -> bool:
        """Whether a `Host` header (name, optional port) names this server."""
        if self.any_name:
            return True
        if not host:
            return False
        try:
            name = urlsplit(f"//{host}").hostname
        except ValueError:  # an unbalanced [ in the header
            return False
        return name is not None and name in self.names


def tokens_of(request: Request) -> ApiTokens:
    """The API tokens the app checks callers against."""
    tokens: ApiTokens = request.app.state.tokens
    return tokens


def check_host(request: Request, open_mode: bool) -> None:
    """400 when the request names a host this server does not answer to (see HostRule)."""
    rule: HostRule = request.app.state.hosts
    host = request.headers.get("host")
    if rule.enforced(open_mode) and not rule.allows(host):
        named = printable(host or "", 100)
        raise HTTPException(400, f"this server does not answer to host {named!r} (OCPAY_ALLOWED_HOSTS lists more)")


async def open_mode(request: Request) -> bool:
    """Whether no token is needed (none exists); either way, the request must name an allowed host."""
    is_open = not await tokens_of(request).auth_required()
    check_host(request, is_open)
    return is_open


def cross_site(request: Request) -> bool:
    """Whether a browser sent this from another site's page: Sec-Fetch-Site says so, or else the Origin
    (or the Referer) names another host. Scripts send none of them and pass; so do our own pages."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site.lower() not in OWN_FETCHES
    host = request.headers.get("host")
    for header in ("origin", "referer"):
        value = request.headers.get(header)
        if value:
            return value == "null" or urlsplit(value).netloc != host
    return False


def check_same_site(request: Request, reason: str) -> None:
    """403 when the request comes from another site's page (see `cross_site`)."""
    if cross_site(request):
        raise HTTPException(403, reason)


def check_write(request: Request, principal: Principal, cross_site_reason: str) -> None:
    """403 unless the principal may write and the write comes from our own pages or a script."""
    check_same_site(request, cross_site_reason)  # a browser posting another site's form, most of all in open mode
    if not principal.can_write:
        raise HTTPException(403, f"API token {principal.name} is read-only")


async def _bearer_principal(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal | None:
    return await tokens_of(request).check(credentials.credentials) if credentials is not None else None


def _unauthorised() -> HTTPException:
    return HTTPException(401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})


async def api_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The bearer token's principal (401 without a valid one); writes checked as `check_write` says."""
    if await open_mode(request):
        principal = OPEN
    else:
        found = await _bearer_principal(request, credentials)
        if found is None:
            raise _unauthorised()
        principal = found
    if request.method in WRITES:
        check_write(request, principal, "a write from another site's page")
    return principal


async def docs_reader(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Who may read the API documents: as for the API, or someone signed in to the console."""
    if await open_mode(request):
        return OPEN
    found = await _bearer_principal(request, credentials)
    cookie = request.cookies.get(COOKIE)
    if found is None and cookie:
        found = await tokens_of(request).check_session(cookie)
    if found is None:
        raise _unauthorised()
    return found


async def console_reader(request: Request) -> Principal:
    """The principal signed in to the console; LoginRequired (a redirect to the login page) without one."""
    if await open_mode(request):
        return OPEN
    cookie = request.cookies.get(COOKIE)
    found = await tokens_of(request).check_session(cookie) if cookie else None
    if found is None:
        raise LoginRequired
    return found


async def console_writer(request: Request, principal: Annotated[Principal, Depends(console_reader)]) -> Principal:
    """The console's principal, allowed to change things from this very console."""
    check_write(request, principal, "a form from another site")
    return principal


ApiPrincipal = Annotated[Principal, Depends(api_principal)]
DocsReader = Annotated[Principal, Depends(docs_reader)]
ConsoleReader = Annotated[Principal, Depends(console_reader)]
ConsoleWriter = Annotated[Principal, Depends(console_writer)]
