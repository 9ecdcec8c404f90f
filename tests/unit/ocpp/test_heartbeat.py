"""Heartbeat: the station is marked alive and hears the CSMS's time, in every version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ocpay.ocpp.handlers import heartbeat
from tests.unit.ocpp.fakes import STATION, FakeClock, FakeStations, ask, context


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    clock = FakeClock()
    monkeypatch.setattr(heartbeat, "now", clock)
    return clock


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
async def test_a_heartbeat_is_recorded_and_answered_with_the_current_time(version: str, clock: FakeClock) -> None:
    stations = FakeStations()

    answer = await ask(heartbeat.handle, context(version, stations=stations), "Heartbeat", {})

    assert stations.calls == [("heartbeat", (STATION,))]
    assert answer == {"currentTime": "2025-03-14T09:26:53.589Z"}


async def test_each_heartbeat_hears_the_time_of_its_own_answer(clock: FakeClock) -> None:
    ctx = context("1.6")
    first = await ask(heartbeat.handle, ctx, "Heartbeat", {})
    clock.advance(300)
    second = await ask(heartbeat.handle, ctx, "Heartbeat", {})

    assert (first["currentTime"], second["currentTime"]) == ("2025-03-14T09:26:53.589Z", "2025-03-14T09:31:53.589Z")


async def test_without_a_fake_clock_the_time_is_now_in_utc() -> None:
    before = datetime.now(UTC)
    answer = await ask(heartbeat.handle, context("2.0.1"), "Heartbeat", {})

    assert answer["currentTime"].endswith("Z")
    assert abs(datetime.fromisoformat(answer["currentTime"]) - before) < timedelta(seconds=5)


async def test_a_station_port_that_fails_fails_the_heartbeat(clock: FakeClock) -> None:
    stations = FakeStations(raises={"heartbeat": RuntimeError("database gone")})

    with pytest.raises(RuntimeError, match="database gone"):
        await heartbeat.handle(context("1.6", stations=stations), {})
