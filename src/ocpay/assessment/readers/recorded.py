"""Reader for what a station really sent: the unrecognised custom messages the CSMS recorded (masked samples).

The reader takes the records, it does not fetch them: `ocpay.store.queries.assessment.recorded`
reads the station and its records from the database, as rows; plain dicts with the same keys
do as well (tests, exports).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ocpay.assessment.evidence import Documentation, DocumentError, Evidence, Observed
from ocpay.assessment.readers.common import excerpt_of, unique

STATION_FIELDS = ("id", "vendor", "model", "firmware", "ocpp_version")


def _field(record: Any, name: str) -> Any:
    return record[name] if isinstance(record, Mapping) else getattr(record, name)


def read_recorded(station_id: str, station: Any, messages: Iterable[Any]) -> Documentation:
    """The recorded messages of a station as documentation; DocumentError when the station is None (unknown).

    `station` has id, vendor, model, firmware and ocpp_version; each message has vendor_id, message_id,
    ocpp_version, count, first_seen_at, last_seen_at and sample (attributes of a row, or keys of a dict).
    """
    if station is None:
        raise DocumentError(f"station {station_id}: no such station")
    source = f"station {station_id}"
    doc = Documentation(source=source, kind="station")
    doc.station = {name: _field(station, name) for name in STATION_FIELDS}
    for record in messages:
        doc.messages.append(_observed(station_id, source, record))
        doc.version_hints = unique([*doc.version_hints, _field(record, "ocpp_version")])
    return doc


def _observed(station_id: str, source: str, record: Any) -> Observed:
    vendor_id, message_id, count = (_field(record, k) for k in ("vendor_id", "message_id", "count"))
    sample = _field(record, "sample") or {}
    first, last = _field(record, "first_seen_at"), _field(record, "last_seen_at")
    evidence = Evidence(
        source,
        excerpt=excerpt_of(
            f"{vendor_id}/{message_id or '-'} seen {count} times, {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC"
        ),
    )
    return Observed(
        kind="call",
        direction="to_csms",
        action="DataTransfer",
        payload=None,
        evidence=evidence,
        station=station_id,
        vendor_id=vendor_id,
        message_id=message_id or None,
        data=sample.get("data"),
        data_is_json=bool(sample.get("dataIsJson", True)),
        count=count,
    )
