"""/api/requests and /api/feature-requests: integration requests, their assessment and the decisions on them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message

from ocpay.api import views
from ocpay.api.deps import ServicesDep
from ocpay.api.params import MAX_ID, Limit, Offset, Page
from ocpay.app import overview
from ocpay.integration_requests import FEATURE_STATUSES, STATUSES, Requests, Upload

RequestId = Annotated[int, Path(ge=1, le=MAX_ID)]
_FORM_OVERHEAD = 256 * 1024  # multipart boundaries, headers and the text fields
router = APIRouter(tags=["integration requests"])


class RequestPage(Page):
    pass


class DecisionIn(BaseModel):
    """Exactly one of: `verdict` (with `note`), `reject` (the reason), `feature_status`."""

    verdict: Literal["supported", "compatible", "needs_development", "no_payment_evidence"] | None = None
    note: str | None = Field(default=None, max_length=2000)
    reject: str | None = Field(default=None, max_length=2000, description="reject the request with this reason")
    feature_status: Literal["in_development", "released"] | None = None
    actor: str = Field(default="reviewer", min_length=1, max_length=100)


_SUBMIT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["requester", "charger", "terminal", "documents[]"],
                    "properties": {
                        "requester": {"type": "string", "description": 'contact, e.g. "Ops Team <ops@example.com>"'},
                        "charger": {"type": "string", "description": '"MAKER MODEL [firmware]"'},
                        "terminal": {"type": "string", "description": '"MAKER MODEL"'},
                        "ocpp_version": {"type": "string", "enum": ["1.6", "2.0.1", "2.1"]},
                        "documents[]": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "message logs (JSON Lines/JSON), dialect files (YAML), text, "
                            "Markdown, HTML or PDF; no archives",
                        },
                    },
                }
            }
        },
    }
}


@router.post("/requests", status_code=201, openapi_extra=_SUBMIT_BODY)
async def submit_request(request: Request, services: ServicesDep) -> dict[str, Any]:
    """Submit an integration request with its documents; it is assessed at once."""
    workflow = services.requests
    content_type = request.headers.get("content-type", "").lower()
    if not content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        raise HTTPException(
            415, "send multipart/form-data with requester, charger, terminal, ocpp_version and documents[]"
        )
    try:
        form = await read_form(request, workflow)
    except StarletteHTTPException:
        raise
    except Exception as exc:  # a broken multipart body
        raise HTTPException(400, f"the multipart body cannot be read: {exc}") from None
    try:
        fields, uploads = await _read_form(form, workflow)
    finally:
        await form.close()
    detail = await workflow.submit(
        requester=fields["requester"],
        charger=fields["charger"],
        terminal=fields["terminal"],
        ocpp_version=fields["ocpp_version"] or None,
        documents=uploads,
    )
    return views.request_detail_view(detail)


async def read_form(request: Request, workflow: Requests) -> FormData:
    """The submission's form, its body refused with 413 as soon as it is larger than a request may be.

    The limit holds while the body streams in, with or without Content-Length (a chunked body is not
    read to its end first), for the API and the console alike; the answer closes the connection, so
    that the server does not go on reading (and discarding) the rest.
    """
    limit = workflow.max_total_bytes + _FORM_OVERHEAD
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise HTTPException(413, f"the upload is {length} bytes, more than the {limit} bytes accepted")
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise HTTPException(413, f"the upload is more than the {limit} bytes accepted", {"Connection": "close"})
        return message

    limited = Request(request.scope, receive)
    return await limited.form(max_files=workflow.max_documents + 1, max_fields=20)


async def _read_form(form: FormData, workflow: Requests) -> tuple[dict[str, str], list[Upload]]:
    """The text fields and the documents of a submission; 422 for a file where text belongs, or the reverse."""
    fields: dict[str, str] = {}
    for key in ("requester", "charger", "terminal", "ocpp_version"):
        value = form.get(key)
        if value is not None and not isinstance(value, str):
            raise HTTPException(422, f"{key} is a text field, not a file")
        fields[key] = value or ""
    uploads: list[Upload] = []
    for item in [*form.getlist("documents[]"), *form.getlist("documents")]:
        if not isinstance(item, UploadFile):
            raise HTTPException(422, "documents[] takes files, not text")
        content = await item.read(workflow.max_document_bytes + 1)
        uploads.append(Upload(item.filename or "document", content, item.content_type))
    return fields, uploads


@router.get("/requests")
async def list_requests(
    services: ServicesDep,
    status: Annotated[str | None, Query(description=", ".join(STATUSES))] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> RequestPage:
    if status is not None and status not in STATUSES:
        raise HTTPException(422, f"status is one of {', '.join(STATUSES)}")
    items = [views.request_row_view(x) for x in await services.requests.all(status=status, offset=offset, limit=limit)]
    total = await overview.count_requests(services, status)
    return RequestPage(items=items, offset=offset, limit=limit, total=total)


@router.get("/requests/{request_id}")
async def show_request(request_id: RequestId, services: ServicesDep) -> dict[str, Any]:
    """The request with its assessment, gaps, documents, history and feature request."""
    return views.request_detail_view(await services.requests.show(request_id))


@router.post("/requests/{request_id}/decision")
async def decide_request(request_id: RequestId, body: DecisionIn, services: ServicesDep) -> dict[str, Any]:
    """Override the verdict (with a note), reject (with a reason), or move the feature request."""
    detail = await services.requests.decide(
        request_id,
        verdict=body.verdict,
        note=body.note,
        reject=body.reject,
        feature_status=body.feature_status,
        actor=body.actor,
    )
    return views.request_detail_view(detail)


@router.get("/feature-requests")
async def list_feature_requests(
    services: ServicesDep,
    status: Annotated[str | None, Query(description=", ".join(FEATURE_STATUSES))] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> RequestPage:
    if status is not None and status not in FEATURE_STATUSES:
        raise HTTPException(422, f"status is one of {', '.join(FEATURE_STATUSES)}")
    features = await services.requests.feature_requests(status=status, offset=offset, limit=limit)
    items = [views.feature_request_view(x) for x in features]
    total = await overview.count_feature_requests(services, status)
    return RequestPage(items=items, offset=offset, limit=limit, total=total)
