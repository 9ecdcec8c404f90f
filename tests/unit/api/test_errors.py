"""The error table: each domain error answers with one status and a reason, as JSON (or the console's page)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from ocpay.api import errors
from ocpay.api.commands import CommandProblem
from ocpay.assessment import DocumentError
from ocpay.charging.sessions import IdTokenExists
from ocpay.charging.stations import StationExists, UnknownStation
from ocpay.integration_requests import (
    DocumentTooLarge,
    IllegalTransition,
    InvalidRequest,
    UnknownRequest,
    UnsupportedDocument,
)


@pytest.mark.parametrize(
    ("error", "answer"),
    [
        (UnknownStation("CP-9"), (404, "no station CP-9")),
        (StationExists("CP-1"), (409, "station CP-1 exists already")),
        (IdTokenExists("RFID-1"), (409, "id token RFID-1 exists already")),
        (DocumentError("nothing recorded for CP-1"), (404, "nothing recorded for CP-1")),
        (UnknownRequest("no integration request 4"), (404, "no integration request 4")),
        (IllegalTransition("rejected requests stay rejected"), (409, "rejected requests stay rejected")),
        (DocumentTooLarge("log.json", "too large"), (413, "log.json: too large")),
        (UnsupportedDocument("a.zip", "no archives"), (415, "a.zip: no archives")),
        (InvalidRequest("charger is MAKER MODEL"), (422, "charger is MAKER MODEL")),  # by its base, RequestError
        (CommandProblem(504, "no answer in 10 s"), (504, "no answer in 10 s")),
    ],
)
def test_each_error_has_its_status_and_reason(error: Exception, answer: tuple[int, str]) -> None:
    assert errors.http_answer(error) == answer


def test_an_error_outside_the_table_has_no_http_answer() -> None:
    with pytest.raises(LookupError):
        errors.http_answer(KeyError("x"))


def _client() -> httpx.AsyncClient:
    app = FastAPI()
    errors.install(app)

    @app.get("/api/stations/{station_id}")
    async def api_station(station_id: str) -> None:
        raise UnknownStation(station_id)

    @app.get("/console/stations/{station_id}")
    async def console_station(station_id: str) -> None:
        raise UnknownStation(station_id)

    @app.get("/api/limited")
    async def limited(limit: int) -> int:
        return limit

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ocpay.test")


async def test_the_api_answers_a_domain_error_with_json() -> None:
    response = await _client().get("/api/stations/CP-9")
    assert response.status_code == 404 and response.json() == {"detail": "no station CP-9"}


async def test_a_console_page_answers_with_the_error_page_and_a_live_fragment_with_json() -> None:
    client = _client()
    page = await client.get("/console/stations/CP-9")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "no station CP-9" in page.text
    fragment = await client.get("/console/stations/CP-9", params={"fragment": "live"})
    assert fragment.status_code == 404 and fragment.json() == {"detail": "no station CP-9"}


async def test_invalid_input_is_said_in_one_line() -> None:
    response = await _client().get("/api/limited", params={"limit": "many"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("query.limit: ")
