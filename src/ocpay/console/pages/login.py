"""Login and logout: an API token in, a signed, HttpOnly, SameSite=Strict session cookie out; logout ends
the session on the server (ApiTokens.end_session), not only in this browser. Both refuse posts from another
site's page (the same check as the API's writes) and hosts the server does not answer to."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from ocpay.access.api_tokens import SESSION_SECONDS
from ocpay.api.auth import COOKIE, check_same_site, open_mode, tokens_of
from ocpay.console.render import back, local, page

router = APIRouter()
# The cookie goes with every path, so that a console login opens the API documents (/docs) too;
# the REST API itself reads bearer tokens only.
COOKIE_PATH = "/"


@router.get("/login")
async def login_form(request: Request, next: str = "/console/", error: str | None = None) -> Response:
    """The login form (it says when no token is needed at all)."""
    required = not await open_mode(request)
    return page(request, "login.html", None, next=local(next), error=error, required=required)


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the token; on success set the session cookie and go on to `next`."""
    check_same_site(request, "a login from another site's page")
    await open_mode(request)  # the host check
    tokens = tokens_of(request)
    form = await request.form()
    secret = str(form.get("token") or "").strip()
    target = local(str(form.get("next") or "/console/"))
    principal = await tokens.check(secret) if secret else None
    if principal is None:
        return back(f"/console/login?error=1&next={quote(target)}")
    response = back(target)
    response.set_cookie(
        COOKIE,
        await tokens.session_cookie(principal, SESSION_SECONDS),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path=COOKIE_PATH,
        max_age=SESSION_SECONDS,
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session on the server (the cookie stops working wherever it is kept) and drop the cookie."""
    check_same_site(request, "a logout from another site's page")
    cookie = request.cookies.get(COOKIE)
    if cookie:
        await tokens_of(request).end_session(cookie)
    response = back("/console/login")
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    response.delete_cookie(COOKIE, path="/console")  # where cookies of earlier versions were kept
    return response


async def login_redirect(request: Request, _exc: Exception) -> Response:
    """The handler of LoginRequired: to the login page, and back to this page afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return back(f"/console/login?next={quote(local(target))}")
