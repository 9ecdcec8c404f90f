"""The error table: each domain error answers with one status and a reason, as JSON (or the console's page)."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

import httpx
import pytest
from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel, Field

from ocpay.api import errors
from ocpay.api.commands import CommandProblem
from ocpay.api.params import StationIdField
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


class StationIn(BaseModel):
    id: StationIdField
    password: str | None = Field(default=None, min_length=16)
    price: Decimal | None = None
    keys: list[str] = []
    kind: Literal["ac", "dc"] = "ac"
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")


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
    async def limited(limit: Annotated[int, Query(le=1000)]) -> int:
        return limit

    @app.get("/api/sessions/{session_id}")
    async def session(session_id: int) -> int:
        return session_id

    @app.get("/api/since")
    async def since(at: datetime) -> str:
        return at.isoformat()

    @app.post("/api/stations")
    async def add_station(body: StationIn) -> str:
        return body.id

    @app.get("/api/broken")
    async def broken() -> int:
        return int("abc")

    @app.get("/console/broken")
    async def broken_page() -> int:
        return int("abc")

    @app.get("/api/listed")
    async def listed() -> None:
        raise HTTPException(400, ["first problem", "second problem"])

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://ocpay.test")


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


@pytest.mark.parametrize(
    ("method", "url", "body", "detail"),
    [
        ("GET", "/api/limited?limit=many", None, "limit: a whole number is expected"),
        ("GET", "/api/limited?limit=5000", None, "limit: 1000 or less is expected"),
        ("GET", "/api/limited", None, "limit: required"),
        ("GET", "/api/sessions/abc", None, "session_id: a whole number is expected"),
        ("GET", "/api/since?at=yesterday", None, "at: a time is expected (ISO 8601, e.g. 2025-03-01T09:30:00Z)"),
        ("POST", "/api/stations", "{'id': 1}", "body: not valid JSON: Expecting property name enclosed in double"),
        ("POST", "/api/stations", "[1, 2]", "body: a JSON object is expected"),
        ("POST", "/api/stations", '{"id": "a b"}', "id: not a station identity (1 to 48 printable ASCII"),
        ("POST", "/api/stations", '{"id": 5}', "id: text is expected"),
        ("POST", "/api/stations", '{"id": "CP-1", "password": "short"}', "password: at least 16 characters"),
        ("POST", "/api/stations", '{"id": "CP-1", "price": "NaN"}', "price: a finite number is expected"),
        ("POST", "/api/stations", '{"id": "CP-1", "keys": [1]}', "keys[0]: text is expected"),
        ("POST", "/api/stations", '{"id": "CP-1", "kind": "x"}', "kind: one of 'ac' or 'dc'"),
        ("POST", "/api/stations", '{"id": "CP-1", "currency": "eur"}', "currency: an ISO 4217 currency code such"),
    ],
)
async def test_invalid_input_is_said_as_field_and_problem_in_words(
    method: str, url: str, body: str | None, detail: str
) -> None:
    response = await _client().request(method, url, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail)
    assert "Input should" not in response.json()["detail"]  # pydantic's own words are not the answer


async def test_what_the_caller_sent_is_not_repeated_in_the_answer() -> None:
    response = await _client().post("/api/stations", json={"id": "CP-1", "password": "hunter2-secret"})
    assert response.json() == {"detail": "password: at least 16 characters"}


async def test_several_problems_are_said_together_and_at_most_five() -> None:
    response = await _client().post("/api/stations", json={"password": "x", "price": "x", "keys": [1] * 9})
    detail = response.json()["detail"]
    assert detail.startswith("id: required; password: at least 16 characters; price: a decimal number")
    assert detail.endswith("and 7 more")


async def test_a_failure_the_table_does_not_know_is_a_generic_500_and_its_traceback_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = _client()
    with caplog.at_level(logging.ERROR, logger="ocpay.api"):
        answers = [await client.get("/api/broken") for _ in range(3)]
    for response in answers:
        assert response.status_code == 500 and response.json() == {"detail": errors.INTERNAL_ERROR}
        assert "invalid literal" not in response.text
    logged = [r for r in caplog.records if r.name == "ocpay.api"]
    assert len(logged) == 1 and logged[0].exc_info is not None
    assert "GET /api/broken failed with ValueError" in logged[0].getMessage()


async def test_a_console_page_that_fails_shows_the_error_page() -> None:
    page = await _client().get("/console/broken")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "invalid literal" not in page.text


async def test_an_http_error_with_a_list_as_detail_is_said_in_words() -> None:
    response = await _client().get("/api/listed")
    assert response.json() == {"detail": "first problem; second problem"}


def test_an_error_raised_with_several_arguments_is_not_shown_as_a_python_tuple() -> None:
    class Refused(Exception):
        pass

    assert errors.words(Refused("log.json", "too large")) == "log.json: too large"
    assert errors.words(UnknownStation("CP-9")) == "CP-9"
