"""The operator console: server-rendered pages (Jinja2, autoescaped) under /console, a little JavaScript.

Login takes an API token (checked as the REST API checks it) and keeps a signed, HttpOnly,
SameSite=Strict cookie; read-only tokens see everything and change nothing. Parts of a page marked
`data-live` are refreshed every few seconds: the script asks the same page for that block only
(`?fragment=NAME`), so live updates use the very templates of the first render.
Payment identifiers never reach a page: payment events show kind, status, amount, currency and brand.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup
from starlette.datastructures import UploadFile

from ocpay.access.api_tokens import OPEN, ApiTokens, Principal
from ocpay.api.commands import CommandIn, CommandProblem
from ocpay.api.commands import send as send_command
from ocpay.api.origin import cross_site
from ocpay.app import overview
from ocpay.app.container import Services
from ocpay.assessment import DocumentError
from ocpay.charging.sessions import session_summary
from ocpay.charging.stations import station_summary
from ocpay.gateway.server import Gateway
from ocpay.integration_requests.workflow import STATUSES, RequestError, Upload
from ocpay.integrations.dialects import dialect_summary

COOKIE = "ocpay_console"
CONSOLE_COMMANDS = {
    "remote-start": "Remote start",
    "remote-stop": "Remote stop",
    "reset": "Reset",
    "trigger-message": "Trigger message",
}
TRIGGERS = ["StatusNotification", "Heartbeat", "BootNotification", "MeterValues"]
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


class LoginRequired(Exception):
    """The console needs a login first."""


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    return "" if value is None else str(value)


def _money(value: Any, currency: str | None = None) -> str:
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
    env.filters["when"] = _when
    env.filters["money"] = _money
    env.filters["pretty"] = _pretty
    env.filters["markdown"] = lambda text: Markup(_markdown.render(text or ""))  # raw HTML disabled: escaped
    env.filters["percent"] = lambda v: "-" if v is None else f"{float(v) * 100:.0f} %"
    return env


def create_router(services: Services, tokens: ApiTokens, gateway: Gateway | None) -> APIRouter:
    router = APIRouter(prefix="/console", include_in_schema=False)
    env = _environment()

    async def who(request: Request) -> Principal:
        if not await tokens.auth_required():
            return OPEN
        cookie = request.cookies.get(COOKIE)
        found = await tokens.check_session(cookie) if cookie else None
        if found is None:
            raise LoginRequired
        return found

    def page(request: Request, template: str, principal: Principal | None, **context: Any) -> Response:
        tmpl = env.get_template(template)
        values = {"request": request, "principal": principal, "path": request.url.path, **context}
        fragment = request.query_params.get("fragment")
        if fragment:
            if fragment not in tmpl.blocks:
                raise HTTPException(404, f"no fragment {fragment}")
            html = "".join(tmpl.blocks[fragment](tmpl.new_context(values)))
            return HTMLResponse(html, headers={"Cache-Control": "no-store"})
        return HTMLResponse(tmpl.render(values), headers={"Cache-Control": "no-store"})

    async def guarded(request: Request, write: bool = False) -> Principal:
        principal = await who(request)
        if write:
            if cross_site(request):
                raise HTTPException(403, "a form from another site")
            if not principal.can_write:
                raise HTTPException(403, f"API token {principal.name} is read-only")
        return principal

    def back(url: str) -> Response:
        return RedirectResponse(url, status_code=303)

    # -- login ----------------------------------------------------------------------------------------
    @router.get("/login")
    async def login_form(request: Request, next: str = "/console/", error: str | None = None) -> Response:
        required = await tokens.auth_required()
        return page(request, "login.html", None, next=_local(next), error=error, required=required)

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        secret = str(form.get("token") or "").strip()
        target = _local(str(form.get("next") or "/console/"))
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
            max_age=12 * 3600,
        )
        return response

    @router.post("/logout")
    async def logout() -> Response:
        response = back("/console/login")
        response.delete_cookie(COOKIE, path="/console")
        return response

    # -- dashboard --------------------------------------------------------------------------------------
    @router.get("/")
    async def dashboard(request: Request) -> Response:
        principal = await guarded(request)
        figures = await overview.dashboard(services)
        stations = [station_summary(x) for x in await services.stations.all(limit=50)]
        sessions = [session_summary(x) for x in await services.sessions.all(limit=10)]
        return page(request, "dashboard.html", principal, figures=figures, stations=stations, sessions=sessions)

    # -- stations -----------------------------------------------------------------------------------------
    @router.get("/stations")
    async def stations(request: Request, offset: int = 0) -> Response:
        principal = await guarded(request)
        offset = max(offset, 0)
        rows = [station_summary(x) for x in await services.stations.all(offset=offset, limit=100)]
        total = await overview.count_stations(services)
        return page(request, "stations.html", principal, stations=rows, offset=offset, total=total)

    @router.get("/stations/{station_id}")
    async def station(request: Request, station_id: str, command: int | None = None) -> Response:
        principal = await guarded(request)
        found = await services.stations.get(station_id)
        if found is None:
            raise HTTPException(404, f"no station {station_id}")
        health = await services.health.station(station_id)
        log, _ = await services.command_log.page(station_id=station_id, limit=10)
        active = [
            session_summary(x) for x in await services.sessions.all(station_id=station_id, status="active", limit=20)
        ]
        return page(
            request,
            "station.html",
            principal,
            station=station_summary(found),
            connectors=await services.stations.connectors(station_id),
            events=await services.payments.station_events(station_id, 15),
            notices=await services.stations.notices(station_id, 10),
            health=health,
            commands=log,
            highlight=command,
            active=active,
            command_names=CONSOLE_COMMANDS,
            triggers=TRIGGERS,
            online=gateway is not None and station_id in gateway.connections,
        )

    @router.post("/stations/{station_id}/command")
    async def command(request: Request, station_id: str) -> Response:
        principal = await guarded(request, write=True)
        form = await request.form()
        name = str(form.get("command") or "")
        if name not in CONSOLE_COMMANDS:
            raise HTTPException(422, f"command is one of {', '.join(CONSOLE_COMMANDS)}")
        evse = str(form.get("evse_id") or "").strip()
        body = CommandIn(
            id_token=_text(form.get("id_token")),
            transaction_id=_text(form.get("transaction_id")),
            message=_text(form.get("message")),
            evse_id=int(evse) if evse.isdigit() else None,
            hard=form.get("hard") == "on",
            timeout=10,
        )
        where = f"/console/stations/{quote(station_id, safe='')}"
        try:
            result = await send_command(services, station_id, name, body, principal.name)
        except CommandProblem:
            log, _ = await services.command_log.page(station_id=station_id, limit=1)
            return back(f"{where}?command={log[0]['id']}" if log else where)
        return back(f"{where}?command={result['command_id']}")

    # -- sessions ---------------------------------------------------------------------------------------------
    @router.get("/sessions")
    async def sessions(
        request: Request, station_id: str | None = None, status: str | None = None, offset: int = 0
    ) -> Response:
        principal = await guarded(request)
        status = status if status in ("active", "completed") else None
        offset = max(offset, 0)
        rows = await services.sessions.all(station_id=station_id or None, status=status, offset=offset, limit=100)
        total = await overview.count_sessions(services, station_id=station_id or None, status=status)
        return page(
            request,
            "sessions.html",
            principal,
            sessions=[session_summary(x) for x in rows],
            station_id=station_id or "",
            status=status or "",
            offset=offset,
            total=total,
        )

    @router.get("/sessions/{session_id}")
    async def session(request: Request, session_id: int) -> Response:
        principal = await guarded(request)
        found = await services.sessions.get(session_id) if 0 < session_id < 2**63 else None
        if found is None:
            raise HTTPException(404, f"no session {session_id}")
        events = await services.payments.events(session_id)
        meter = await services.sessions.meter_values_of(session_id)
        summary = session_summary(found)
        timeline: list[dict[str, Any]] = [{"at": found.started_at, "what": "session started", "kind": "session"}]
        for x in events:
            timeline.append(
                {
                    "at": x.at,
                    "what": x.kind.replace("_", " "),
                    "kind": x.kind,
                    "status": x.status,
                    "amount": _money(x.amount, x.currency),
                    "brand": x.brand,
                    "message": f"{x.dialect}: {x.message}",
                }
            )
        if found.stopped_at is not None:
            timeline.append(
                {"at": found.stopped_at, "what": f"session ended ({found.stop_reason or ''})", "kind": "session"}
            )
        timeline.sort(key=lambda item: item["at"])
        return page(request, "session.html", principal, session=summary, timeline=timeline, meter_values=len(meter))

    # -- catalog and dialects -------------------------------------------------------------------------------
    @router.get("/catalog")
    async def catalog(request: Request) -> Response:
        principal = await guarded(request)
        return page(request, "catalog.html", principal, entries=list(services.catalog))

    @router.get("/catalog/{entry_id}")
    async def catalog_entry(request: Request, entry_id: str) -> Response:
        principal = await guarded(request)
        entry = services.catalog.get(entry_id)
        if entry is None:
            raise HTTPException(404, f"no catalog entry {entry_id}")
        return page(request, "catalog_entry.html", principal, entry=entry)

    @router.get("/dialects")
    async def dialects(request: Request) -> Response:
        principal = await guarded(request)
        return page(request, "dialects.html", principal, dialects=[dialect_summary(d) for d in services.dialects])

    @router.get("/dialects/{dialect_id}")
    async def dialect(request: Request, dialect_id: str) -> Response:
        principal = await guarded(request)
        found = services.dialects.get(dialect_id)
        if found is None:
            raise HTTPException(404, f"no dialect {dialect_id}")
        return page(request, "dialect.html", principal, dialect=found)

    # -- integration requests -----------------------------------------------------------------------------
    @router.get("/requests")
    async def requests(request: Request, status: str | None = None, error: str | None = None) -> Response:
        principal = await guarded(request)
        status = status if status in STATUSES else None
        rows = await services.requests.all(status=status, limit=100)
        return page(
            request, "requests.html", principal, requests=rows, statuses=STATUSES, status=status or "", error=error
        )

    @router.post("/requests")
    async def submit(request: Request) -> Response:
        principal = await guarded(request, write=True)
        workflow = services.requests
        form = await request.form(max_files=workflow.max_documents + 1, max_fields=20)
        try:
            uploads = []
            for item in form.getlist("documents"):
                if isinstance(item, UploadFile) and item.filename:
                    content = await item.read(workflow.max_document_bytes + 1)
                    uploads.append(Upload(item.filename, content, item.content_type))
            try:
                result = await workflow.submit(
                    requester=_text(form.get("requester")) or principal.name,
                    charger=_text(form.get("charger")) or "",
                    terminal=_text(form.get("terminal")) or "",
                    ocpp_version=_text(form.get("ocpp_version")),
                    documents=uploads,
                )
            except RequestError as exc:
                return back(f"/console/requests?error={quote(str(exc))}")
        finally:
            await form.close()
        return back(f"/console/requests/{result['id']}")

    @router.get("/requests/{request_id}")
    async def integration_request(request: Request, request_id: int, error: str | None = None) -> Response:
        principal = await guarded(request)
        try:
            found = await services.requests.show(request_id) if 0 < request_id < 2**31 else None
        except RequestError:
            found = None
        if found is None:
            raise HTTPException(404, f"no integration request {request_id}")
        return page(request, "request.html", principal, req=found, error=error)

    @router.post("/requests/{request_id}/decision")
    async def decide(request: Request, request_id: int) -> Response:
        principal = await guarded(request, write=True)
        form = await request.form()
        action = str(form.get("action") or "")
        note = _text(form.get("note"))
        try:
            if action == "reject":
                await services.requests.decide(request_id, reject=note or "", actor=principal.name)
            elif action in ("in_development", "released"):
                await services.requests.decide(request_id, feature_status=action, actor=principal.name)
            elif action in ("supported", "compatible", "needs_development"):
                await services.requests.decide(request_id, verdict=action, note=note, actor=principal.name)
            else:
                raise HTTPException(422, "choose a decision")
        except RequestError as exc:
            return back(f"/console/requests/{request_id}?error={quote(str(exc))}")
        return back(f"/console/requests/{request_id}")

    # -- unrecognised messages ------------------------------------------------------------------------------
    @router.get("/unrecognised")
    async def unrecognised(request: Request) -> Response:
        principal = await guarded(request)
        rows = await services.custom.unrecognised(limit=200)
        by_station: dict[str, list[Any]] = {}
        for row in rows:
            by_station.setdefault(row.station_id, []).append(row)
        return page(request, "unrecognised.html", principal, by_station=by_station, total=len(rows))

    @router.post("/unrecognised/assess")
    async def assess(request: Request) -> Response:
        principal = await guarded(request, write=True)
        form = await request.form()
        station_id = _text(form.get("station_id")) or ""
        try:
            result = await overview.assess_recorded(services, station_id, _text(form.get("terminal")))
        except DocumentError as exc:
            raise HTTPException(404, str(exc)) from None
        return page(request, "assessment.html", principal, station_id=station_id, result=result)

    return router


def _local(target: str) -> str:
    """Only redirect inside the console (no open redirects)."""
    return target if target.startswith("/console") and "//" not in target and "\\" not in target else "/console/"


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, UploadFile):
        return None
    text = str(value).strip()
    return text or None


async def login_redirect(request: Request, _exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/console/login?next={quote(_local(target))}", status_code=303)


async def console_error(request: Request, status: int, detail: str) -> Response:
    env = _environment()
    html = env.get_template("error.html").render(
        request=request, principal=None, path=request.url.path, status=status, detail=detail
    )
    return HTMLResponse(html, status_code=status)
