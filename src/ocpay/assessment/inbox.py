"""The inbox of a station: what it sent that no dialect recognised, fetched from the store and read as documentation."""

from __future__ import annotations

from ocpay.assessment.evidence import Documentation
from ocpay.assessment.readers.recorded import read_recorded
from ocpay.store.db import Database
from ocpay.store.queries import assessment as queries


async def recorded_documentation(db: Database, station_id: str) -> Documentation:
    """The unrecognised custom messages recorded for a station, as documentation (samples are masked).

    Raises DocumentError when there is no such station.
    """
    async with db.read() as s:
        station, messages = await queries.recorded(s, station_id)
    return read_recorded(station_id, station, messages)
