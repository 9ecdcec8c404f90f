"""How the console draws pages: the Jinja2 environment (autoescaped) with its filters, pages and their live
fragments, the error page, redirects after a form, and reading form fields."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup
from starlette.datastructures import UploadFile

from ocpay.access.api_tokens import Principal

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def when(value: Any) -> str:
    """A time as the console shows it (UTC, to the second); empty for None."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    return "" if value is None else str(value)


def money(value: Any, currency: str | None = None) -> str:
    """An amount with two decimals and its currency; empty for None."""
    if value is None:
        return ""
    return f"{float(value):.2f} {currency or ''}".strip()


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["money"] = money
    env.filters["pretty"] = _pretty
    env.filters["markdown"] = lambda text: Markup(_markdown.render(text or ""))  # raw HTML disabled: escaped
    env.filters["percent"] = lambda v: "-" if v is None else f"{float(v) * 100:.0f} %"
    return env


ENV = _environment()


def page(request: Request, template: str, principal: Principal | None, **context: Any) -> Response:
    """The page, or only its block named by `?fragment=` (the live parts refresh with the same template)."""
    tmpl = ENV.get_template(template)
    values = {"request": request, "principal": principal, "path": request.url.path, **context}
    fragment = request.query_params.get("fragment")
    if fragment:
        if fragment not in tmpl.blocks:
            raise HTTPException(404, f"no fragment {fragment}")
        html = "".join(tmpl.blocks[fragment](tmpl.new_context(values)))
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})
    return HTMLResponse(tmpl.render(values), headers={"Cache-Control": "no-store"})


async def error_page(request: Request, status: int, detail: str) -> Response:
    """The console's error page with the status and the reason."""
    html = ENV.get_template("error.html").render(
        request=request, principal=None, path=request.url.path, status=status, detail=detail
    )
    return HTMLResponse(html, status_code=status)


def back(url: str) -> Response:
    """After a form: see the page at `url` (303, so that reloading does not post again)."""
    return RedirectResponse(url, status_code=303)


def local(target: str) -> str:
    """Only redirect inside the console (no open redirects)."""
    return target if target.startswith("/console") and "//" not in target and "\\" not in target else "/console/"


def text(value: Any) -> str | None:
    """A form field as trimmed text; None when empty or a file."""
    if value is None or isinstance(value, UploadFile):
        return None
    stripped = str(value).strip()
    return stripped or None
