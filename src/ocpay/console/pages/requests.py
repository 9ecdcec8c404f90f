"""Integration requests: the list, submitting one with its documents, one request's page and the decisions."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, Response
from starlette.datastructures import UploadFile

from ocpay.api import views
from ocpay.api.auth import ConsoleReader, ConsoleWriter
from ocpay.api.deps import ServicesDep
from ocpay.api.routes.requests import read_form
from ocpay.console.render import back, page, text
from ocpay.integration_requests import STATUSES, RequestError, Upload

router = APIRouter()
VERDICTS = ("supported", "compatible", "needs_development", "no_payment_evidence")
FEATURE_MOVES = ("in_development", "released")


@router.get("/requests")
async def requests(
    request: Request,
    principal: ConsoleReader,
    services: ServicesDep,
    status: str | None = None,
    error: str | None = None,
) -> Response:
    """The latest integration requests, by status."""
    status = status if status in STATUSES else None
    rows = [views.request_row_view(x) for x in await services.requests.all(status=status, limit=100)]
    return page(request, "requests.html", principal, requests=rows, statuses=STATUSES, status=status or "", error=error)


@router.post("/requests")
async def submit(request: Request, principal: ConsoleWriter, services: ServicesDep) -> Response:
    """Submit a request with its documents; any refusal is shown on the list page."""
    workflow = services.requests
    try:
        form = await read_form(request, workflow)
    except HTTPException as exc:  # too large: shown on the list page, above the form
        refused = back(f"/console/requests?error={quote(str(exc.detail))}")
        refused.headers.update(exc.headers or {})  # the connection closes: the rest of the body is not read
        return refused
    try:
        uploads = []
        for item in form.getlist("documents"):
            if isinstance(item, UploadFile) and item.filename:
                content = await item.read(workflow.max_document_bytes + 1)
                uploads.append(Upload(item.filename, content, item.content_type))
        try:
            result = await workflow.submit(
                requester=text(form.get("requester")) or principal.name,
                charger=text(form.get("charger")) or "",
                terminal=text(form.get("terminal")) or "",
                ocpp_version=text(form.get("ocpp_version")),
                documents=uploads,
            )
        except RequestError as exc:  # shown on the list page, above the form
            return back(f"/console/requests?error={quote(str(exc))}")
    finally:
        await form.close()
    return back(f"/console/requests/{result.request.id}")


@router.get("/requests/{request_id}")
async def integration_request(
    request: Request, request_id: int, principal: ConsoleReader, services: ServicesDep, error: str | None = None
) -> Response:
    """One request: verdict, gaps, documents, history and the decision form."""
    if not 0 < request_id < 2**31:
        raise HTTPException(404, f"no integration request {request_id}")
    found = views.request_detail_view(await services.requests.show(request_id))  # UnknownRequest: 404
    return page(request, "request.html", principal, req=found, error=error)


@router.post("/requests/{request_id}/decision")
async def decide(request: Request, request_id: int, principal: ConsoleWriter, services: ServicesDep) -> Response:
    """Record a decision: a verdict, a rejection, or a move of the feature request."""
    form = await request.form()
    action = str(form.get("action") or "")
    note = text(form.get("note"))
    try:
        if action == "reject":
            await services.requests.decide(request_id, reject=note or "", actor=principal.name)
        elif action in FEATURE_MOVES:
            await services.requests.decide(request_id, feature_status=action, actor=principal.name)
        elif action in VERDICTS:
            await services.requests.decide(request_id, verdict=action, note=note, actor=principal.name)
        else:
            raise HTTPException(422, "choose a decision")
    except RequestError as exc:  # shown on the request's page
        return back(f"/console/requests/{request_id}?error={quote(str(exc))}")
    return back(f"/console/requests/{request_id}")
