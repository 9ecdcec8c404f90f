"""Cross-site writes: the check the REST API and the console share."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request


def cross_site(request: Request) -> bool:
    """Browsers name the page's origin on every cross-site write; scripts and our own pages pass."""
    origin = request.headers.get("origin")
    return bool(origin) and urlsplit(origin).netloc != request.headers.get("host")
