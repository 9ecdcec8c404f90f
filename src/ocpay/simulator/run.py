"""Run a simulated fleet: profiles from the catalog or a dialect, sessions in parallel, a summary at the end."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from ocpay.integrations.catalog import Catalog, CatalogEntry
from ocpay.integrations.dialects import Dialect, DialectSet
from ocpay.simulator.station import Options, Outcome, Profile, SimulatedStation

# The ad hoc price simulated stations show where their dialect displays cost.
DEMO_PRICE = {"currency": "EUR", "kwh_price": "0.59", "hour_price": "0.60", "flat_fee": "0.50",
              "idle_hour_price": "6.00", "idle_grace_minutes": 15}  # fmt: skip

# Parameters a simulated station needs where a real one is configured on site.
SIMULATION_PARAMS = {"static_id_tag": "SIMCARD0001"}


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)
    received: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # stations that could not even boot

    @property
    def unexpected_failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.result == "failed"]

    def table(self) -> list[tuple[str, str, int]]:
        counts = Counter((o.kind, o.result) for o in self.outcomes)
        return sorted((kind, result, n) for (kind, result), n in counts.items())


def profiles(
    catalog: Catalog,
    dialects: DialectSet,
    *,
    stations: int,
    entry_id: str | None = None,
    dialect_id: str | None = None,
    version: str | None = None,
    prefix: str = "SIM",
) -> list[Profile]:
    """`stations` profiles for each chosen catalog entry (or for one dialect); every entry by default."""
    targets: list[tuple[CatalogEntry | None, Dialect | None]] = []
    if dialect_id is not None:
        dialect = dialects.get(dialect_id)
        if dialect is None:
            raise LookupError(f"no dialect {dialect_id!r}")
        targets.append((None, dialect))
    elif entry_id is not None:
        entry = catalog.get(entry_id)
        if entry is None:
            raise LookupError(f"no catalog entry {entry_id!r}")
        targets.append((entry, dialects.get(entry.dialect) if entry.dialect else None))
    else:
        targets = [(e, dialects.get(e.dialect) if e.dialect else None) for e in catalog]
    result = []
    for entry, dialect in targets:
        chosen = version or (entry.ocpp_versions[0] if entry else dialect.ocpp_versions[-1] if dialect else "1.6")
        if dialect is not None and chosen not in dialect.ocpp_versions:
            raise ValueError(
                f"{dialect.id} does not speak OCPP {chosen} (it speaks {', '.join(dialect.ocpp_versions)})"
            )
        params = {**(dialect.parameter_defaults() if dialect else {}), **(entry.parameters if entry else {})}
        for name, value in SIMULATION_PARAMS.items():
            if dialect is not None and name in dialect.parameters and params.get(name) is None:
                params[name] = value
        tag = (entry.id if entry else dialect.id if dialect else "x").split("-")[0].split(".")[-1][:10].upper()
        for n in range(stations):
            result.append(
                Profile(
                    station_id=f"{prefix}-{tag}-{n + 1:04d}",
                    version=chosen,
                    vendor=entry.charger.manufacturer if entry else "ocpay-sim",
                    model=_model(entry.charger.models[0]) if entry else (dialect.id if dialect else "sim")[:20],
                    dialect=dialect,
                    params=params,
                    entry_id=entry.id if entry else None,
                )
            )
    return result


def _model(name: str) -> str:
    return name[:20]


async def register(api_url: str, token: str | None, fleet: list[Profile], rfid_tokens: int) -> None:
    """Register stations, their catalog binding, a price and the RFID id tokens through the REST API."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=30) as api:
        for profile in fleet:
            response = await api.post("/api/stations", json={"id": profile.station_id})
            if response.status_code not in (201, 409):
                raise RuntimeError(f"registering {profile.station_id}: {response.status_code} {response.text}")
            if profile.entry_id and profile.dialect is not None:
                params = {k: v for k, v in profile.params.items() if k in SIMULATION_PARAMS}
                response = await api.put(
                    f"/api/stations/{profile.station_id}/integration",
                    json={"entry": profile.entry_id, "params": params},
                )
                response.raise_for_status()
            if profile.dialect is not None and any(m.direction == "to_station" for m in profile.dialect.messages):
                response = await api.put(f"/api/stations/{profile.station_id}/price", json=DEMO_PRICE)
                response.raise_for_status()
        for n in range(rfid_tokens):
            response = await api.post("/api/id-tokens", json={"value": f"SIMRFID{n:04d}", "note": "simulator"})
            if response.status_code not in (201, 409):
                raise RuntimeError(f"registering id tokens: {response.status_code} {response.text}")


async def simulate(
    url: str,
    fleet: list[Profile],
    *,
    sessions: int,
    options: Options,
    seed: int = 1,
    concurrency: int = 500,
    on_session: Callable[[Outcome], Any] | None = None,
    forever: bool = False,
) -> Summary:
    """Boot every station, run `sessions` sessions on each (or run forever), and gather the outcomes."""
    summary = Summary()
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int, profile: Profile) -> None:
        rng = random.Random(seed * 1_000_003 + index)
        station = SimulatedStation(url, profile, options, rng)
        async with gate:
            try:
                await station.boot()
            except Exception as exc:
                summary.errors.append(f"{profile.station_id}: {type(exc).__name__}: {exc}")
                return
        try:
            number = 0
            while forever or number < sessions:
                number += 1
                outcome = await station.run_session(number)
                summary.outcomes.append(outcome)
                if on_session is not None:
                    on_session(outcome)
        finally:
            summary.received.update(station.received)
            await station.close()

    await asyncio.gather(*(one(i, p) for i, p in enumerate(fleet)))
    return summary
