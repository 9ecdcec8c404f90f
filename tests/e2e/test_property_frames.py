"""Schema-valid random payloads for every routed action of every version, sent to a real server as raw frames.

Every answer must be a CALLRESULT or a CALLERROR the spec names for bad input (never InternalError), and the
loop must stay responsive: a second station's Heartbeat is answered within 100 ms throughout. It runs on SQLite
and PostgreSQL (the `server` fixture): PostgreSQL refuses what SQLite keeps (NUL in text, strings over a
column's length), and this test found both.

The payloads come from the official schemas through a small schema-to-strategy builder (the OCPP schemas use a
handful of keywords: type, properties, required, enum, maxLength, min/maxItems, minimum/maximum, $ref and the
date-time format). hypothesis-jsonschema would be the general tool, but its last release (0.23.1) calls a
Hypothesis internal (`many.more`) that current Hypothesis no longer has. The builder leans on the edges:
32-bit and wider integers, huge and negative numbers, leap seconds, lowercase `t`/`z`, years 0001 and 9999,
offsets of almost a day. Examples are drawn up front with a fixed seed (derandomize), then sent.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import ClientConnection

from ocpay.ocpp.routing import Router
from ocpay.ocpp.schemas import _file_stem, schema_dir
from tests.helpers import Running, raw_call

EXAMPLES_PER_ACTION = 25  # ~40 actions x 3 versions x 2 databases: about 30 s in all
RESPONSIVE_S = 0.1
# The CALLERRORs a station's bad input may get: the schema and value codes (in both spellings), and the
# answers for actions nobody handles. InternalError (our fault) is never among them.
SPECIFIED_ERRORS = frozenset(
    {
        "FormatViolation",
        "FormationViolation",
        "PropertyConstraintViolation",
        "TypeConstraintViolation",
        "OccurrenceConstraintViolation",
        "OccurenceConstraintViolation",
        "NotSupported",
        "NotImplemented",
    }
)


def rfc3339(moment: datetime) -> str:
    """A datetime as RFC 3339 text: `Z` for UTC, a minutes offset otherwise."""
    text = moment.isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


OFFSETS = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda minutes: timezone(timedelta(minutes=minutes)))
TIMES = st.one_of(
    st.datetimes(timezones=OFFSETS).map(rfc3339),
    st.sampled_from(
        [
            "2026-12-31T23:59:60Z",
            "2026-11-25t12:00:00z",
            "0001-01-01T00:00:00Z",
            "0001-01-01T00:00:00+00:01",
            "9999-12-31T23:59:59.999Z",
            "9999-12-31T23:59:59-23:59",
            "2026-11-25T12:00:00-23:59",
            "2026-11-25T12:00:00.123456789+14:00",
        ]
    ),
)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=24)
FINITE = st.floats(allow_nan=False, allow_infinity=False)
NUMBERS = st.one_of(
    FINITE,
    st.integers(-(2**64), 2**64),
    st.sampled_from([0, -1, 1e8, -1e8, 99999999.9999, 1e15, 1e16, 1e300, -1e300, 5e-324]),
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


def strategy(schema: dict[str, Any], root: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid against `schema` (a node of `root`), leaning on the edges of each type."""
    if "$ref" in schema:
        return strategy(root["definitions"][schema["$ref"].rsplit("/", 1)[-1]], root)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {k: strategy(v, root) for k, v in properties.items() if k in required},
            optional={k: strategy(v, root) for k, v in properties.items() if k not in required},
        )
    if kind == "array":
        low = schema.get("minItems", 0)
        high = min(schema.get("maxItems", low + 3), low + 3)
        return st.lists(strategy(schema["items"], root), min_size=low, max_size=high)
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        small_low, small_high = max(low if low is not None else 0, 0), min(high if high is not None else 3, 3)
        small = st.integers(small_low, small_high) if small_low <= small_high else st.nothing()
        edges = st.sampled_from([-(2**31), 2**31 - 1, 2**31, 2**63]) if low is None and high is None else st.nothing()
        return small | st.integers(low, high) | edges
    if kind == "number":
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is None and high is None:
            return NUMBERS
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    return JSON_VALUES  # no type: any JSON (2.x DataTransfer data)


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    if schema.get("format") == "date-time":
        return TIMES
    if schema.get("format") == "uri":
        return st.just("https://receipts.example/r?id=1")
    limit = schema.get("maxLength", 64)
    return TEXT.map(lambda s: s[:limit]) | st.just("x" * limit)


def payloads(version: str, action: str) -> list[dict[str, Any]]:
    """EXAMPLES_PER_ACTION request payloads for the action, the same ones on every run."""
    path = schema_dir(version) / f"{_file_stem(version, action, False)}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    drawn: list[dict[str, Any]] = []

    @settings(
        max_examples=EXAMPLES_PER_ACTION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy(schema, schema))
    def draw(payload: dict[str, Any]) -> None:
        drawn.append(payload)

    draw()
    return drawn


class Prober:
    """A second station's Heartbeats, one after another, each answer timed."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.slowest = 0.0
        self.count = 0

    async def run(self) -> None:
        while True:
            started = time.perf_counter()
            reply = await raw_call(self.ws, [2, f"hb-{self.count}", "Heartbeat", {}])
            assert reply[0] == 3, reply
            self.slowest = max(self.slowest, time.perf_counter() - started)
            self.count += 1
            await asyncio.sleep(0.01)


async def answers_of(ws: ClientConnection, version: str, action: str, examples: list[Any]) -> list[str]:
    """What is wrong with the answers to the examples (nothing: an empty list)."""
    wrong = []
    for n, payload in enumerate(examples):
        message_id = f"{action[:24]}-{n}"
        reply = await raw_call(ws, [2, message_id, action, payload], timeout=10)
        if reply[1] != message_id or reply[0] not in (3, 4) or (reply[0] == 4 and reply[2] not in SPECIFIED_ERRORS):
            wrong.append(f"{version} {action} {json.dumps(payload)[:600]} -> {json.dumps(reply)[:300]}")
    return wrong


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
async def test_random_schema_valid_payloads_get_a_specified_answer_and_the_loop_stays_responsive(
    server: Running, version: str
) -> None:
    router = Router(payments=server.services.payments)
    actions = sorted(action for v, action in router.routed() if v == version)
    examples = {action: payloads(version, action) for action in actions}  # drawn before the clock runs
    wrong: list[str] = []
    async with (
        server.connect(f"FUZZ-{version}", version) as ws,
        server.connect(f"CALM-{version}", "2.0.1") as calm,
    ):
        prober = Prober(calm)
        probing = asyncio.create_task(prober.run())
        try:
            for action in actions:
                wrong += await answers_of(ws, version, action, examples[action])
        finally:
            probing.cancel()
            (ended,) = await asyncio.gather(probing, return_exceptions=True)
        if not isinstance(ended, asyncio.CancelledError):
            raise AssertionError(f"the second station's Heartbeat failed: {ended!r}")
    assert wrong == [], "\n".join(wrong[:20])
    assert prober.count > 0
    assert prober.slowest < RESPONSIVE_S, f"a Heartbeat waited {prober.slowest * 1000:.0f} ms"
