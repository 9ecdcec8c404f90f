"""Login and logout: an API token in, a signed, HttpOnly, SameSite=Strict session cookie out."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from ocpay.api.auth import COOKIE, tokens_of
from ocpay.console.render import back, local, page

router = APIRouter()
SESSION_SECONDS = 12 * 3600


@router.get("/login")
async def login_form(request: Request, next: str = "/console/", error: str | None = None) -> Response:
    """The login form (it says when no token is needed at all)."""
    required = await tokens_of(request).auth_required()
    return page(request, "login.html", None, next=local(next), error=error, required=required)


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the token; on success set the session cookie and go on to `next`."""
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
        await tokens.session_cookie(principal),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/console",
        max_age=SESSION_SECONDS,
    )
    return response


@router.post("/logout")
async def logout() -> Response:
    """Drop the session cookie."""
    response = back("/console/login")
    response.delete_cookie(COOKIE, path="/console")
    return response


async def login_redirect(request: Request, _exc: Exception) -> Response:
    """The handler of LoginRequired: to the login page, and back to this page afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return back(f"/console/login?next={quote(local(target))}")
