"""The REST API against its own OpenAPI document: schemathesis generates requests for every operation
of a running ocpay and checks that nothing answers 5xx and every answer fits the documented schema."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.helpers import running

schemathesis = pytest.importorskip("schemathesis")


def _run(base_url: str) -> list[str]:
    from hypothesis import HealthCheck, Phase, given, seed, settings
    from schemathesis.checks import not_a_server_error, response_schema_conformance

    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    failures: list[str] = []
    calls: list[int] = []

    def checker(operation: object) -> object:
        @seed(20261125)
        @settings(
            max_examples=6,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())  # type: ignore[attr-defined]
        def check(case: object) -> None:
            response = case.call(base_url=base_url, timeout=20)  # type: ignore[attr-defined]
            calls.append(response.status_code)
            for check_ in (not_a_server_error, response_schema_conformance):
                try:
                    case.validate_response(response, checks=(check_,))  # type: ignore[attr-defined]
                except Exception as exc:  # keep going: report every operation that fails
                    where = f"{case.method} {case.formatted_path}"  # type: ignore[attr-defined]
                    failures.append(f"{where}: {str(exc)[:600]}")
                    return

        return check

    for result in schema.get_all_operations():
        checker(result.ok())()  # type: ignore[operator]
    assert len(calls) > 100, f"only {len(calls)} requests were generated"
    return failures


async def test_the_api_keeps_its_openapi_promises(tmp_path: Path) -> None:
    async with running(f"sqlite:///{tmp_path / 'schema.sqlite'}", open_registration=True) as srv:
        async with srv.http() as api:  # a little state, so that some generated ids exist
            assert (await api.post("/api/stations", json={"id": "CP-1"})).status_code == 201
            assert (await api.post("/api/id-tokens", json={"value": "RFID-1"})).status_code == 201
        failures = await asyncio.wait_for(asyncio.to_thread(_run, srv.http_url), timeout=90)
    assert failures == [], "\n".join(failures)
