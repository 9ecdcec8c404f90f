"""`ocpay requests`: submit integration requests, follow them, decide on them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape

from ocpay.api import views
from ocpay.app.container import Services
from ocpay.cli.common import DbOption, JsonOption, console, fail, listing, print_json, with_services
from ocpay.integration_requests import InvalidRequest, RefusedDocument, RequestDetail, RequestError, Upload

T = TypeVar("T")
group = typer.Typer(
    help="Integration requests: new charger x terminal pairs, assessed on submission.", no_args_is_help=True
)


def _run(db: str | None, work: Callable[[Services], Awaitable[T]]) -> T:
    try:
        return with_services(db, work)
    except (InvalidRequest, RefusedDocument) as exc:
        raise fail(str(exc), 2) from None
    except RequestError as exc:
        raise fail(str(exc)) from None


@group.command("submit")
def submit(
    paths: Annotated[list[Path], typer.Argument(help="Documents: message logs, dialect files, text/Markdown/HTML/PDF")],
    requester: Annotated[str, typer.Option(help='Contact, e.g. "Ops Team <ops@example.com>"')],
    charger: Annotated[str, typer.Option(help='"MAKER MODEL [firmware]"')],
    terminal: Annotated[str, typer.Option(help='"MAKER MODEL"')],
    ocpp_version: Annotated[str | None, typer.Option(help="1.6, 2.0.1 or 2.1")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Submit a request with its documents; it is assessed at once and the requester is told the verdict."""
    uploads = []
    for path in paths:
        if not path.is_file():
            raise fail(f"{path}: no such file", 2)
        uploads.append(Upload(path.name, path.read_bytes()))
    detail = _detail(
        db,
        lambda s: s.requests.submit(
            requester=requester, charger=charger, terminal=terminal, ocpp_version=ocpp_version, documents=uploads
        ),
    )
    if as_json:
        print_json(detail)
        return
    _report(detail)


@group.command("list")
def list_requests(
    status: Annotated[str | None, typer.Option(help="only requests in this status")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The latest integration requests."""
    rows = [views.request_row_view(x) for x in _run(db, lambda s: s.requests.all(status=status, limit=limit))]
    if as_json:
        print_json(rows)
        return
    cells = [
        (
            str(r["id"]), r["requester"], r["charger"], r["terminal"], r["status"], r["verdict"] or "",
            r["dialect"] or "", str(r["documents"]), r["updated_at"].isoformat(timespec="seconds"),
        )
        for r in rows
    ]  # fmt: skip
    headers = ("id", "requester", "charger", "terminal", "status", "verdict", "dialect", "documents", "updated")
    console.print(listing(headers, cells))


@group.command("show")
def show(
    request_id: Annotated[int, typer.Argument(help="Request id")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """One request: verdict, gaps, documents, history and feature request."""
    detail = views.request_detail_view(_run(db, lambda s: s.requests.show(request_id)))
    if as_json:
        print_json(detail)
        return
    _report(detail)


@group.command("decide")
def decide(
    request_id: Annotated[int, typer.Argument(help="Request id")],
    verdict: Annotated[
        str | None, typer.Option(help="Override: supported, compatible, needs_development, no_payment_evidence")
    ] = None,
    note: Annotated[str | None, typer.Option(help="Why (required with --verdict)")] = None,
    reject: Annotated[str | None, typer.Option("--reject", metavar="REASON", help="Reject with this reason")] = None,
    feature_status: Annotated[
        str | None, typer.Option(help="Move the feature request: in_development or released")
    ] = None,
    actor: Annotated[str, typer.Option(help="Who decides (kept in the history)")] = "reviewer",
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Override the verdict (with a note), reject the request, or move its feature request."""
    detail = _detail(
        db,
        lambda s: s.requests.decide(
            request_id, verdict=verdict, note=note, reject=reject, feature_status=feature_status, actor=actor
        ),
    )
    if as_json:
        print_json(detail)
        return
    console.print(f"request {detail['id']} is {detail['status']}")


def _detail(db: str | None, work: Callable[[Services], Awaitable[RequestDetail]]) -> dict[str, Any]:
    """Run a workflow step that ends on a request, and show that request as a view."""
    return views.request_detail_view(_run(db, work))


def _report(d: dict[str, Any]) -> None:
    verdict = (d["verdict"] or "").replace("_", " ")
    console.print(
        f"[bold]request {d['id']}[/bold]: {escape(d['charger'])} x {escape(d['terminal'])}, "
        f"status [bold]{d['status']}[/bold], verdict {verdict}"
        + (f" (dialect {escape(d['dialect'])})" if d["dialect"] else "")
        + (f", confidence {d['confidence']:.2f}" if d["confidence"] is not None else "")
    )
    if d["override_note"]:
        console.print(f"override by {escape(d['overridden_by'] or '')}: {escape(d['override_note'])}")
    if d["reject_reason"]:
        console.print(f"rejected: {escape(d['reject_reason'])}")
    for title, items in (("Reasons", d["reasons"]), ("Next steps", d["next_steps"])):
        if items:
            console.print(f"[bold]{title}[/bold]")
            for item in items:
                console.print(f"  - {escape(item)}")
    if d["gaps"]:
        gaps = [(gap["kind"], gap["message"], gap["detail"]) for gap in d["gaps"]]
        console.print(listing(("gap", "message", "detail"), gaps, keep=None, title="Gaps"))
    documents = [(doc["name"], doc["media_type"], str(doc["size"]), doc["sha256"][:16]) for doc in d["documents"]]
    console.print(listing(("document", "type", "bytes", "sha256"), documents, keep=None, title="Documents"))
    feature = d["feature_request"]
    if feature:
        console.print(f"[bold]feature request {feature['id']}[/bold]: {escape(feature['title'])} ({feature['status']})")
    history = []
    for h in d["history"]:
        event = f"{h['from_status'] or ''} -> {h['to_status']}" if h["kind"] == "transition" else "notice"
        history.append((
            h["at"].isoformat(timespec="seconds"), h["actor"], event, h["channel"] or "", h["outcome"] or "",
            h["detail"] or "",
        ))  # fmt: skip
    headers = ("at", "actor", "event", "channel", "outcome", "detail")
    console.print(listing(headers, history, keep=None, title="History"))
