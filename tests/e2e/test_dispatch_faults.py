"""When ocpay itself is at fault, the station hears InternalError, never a blame on its request."""

from __future__ import annotations

from pathlib import Path

import pytest
from ocpp.v16 import call as call16
from sqlalchemy import func, select

from ocpay.store.models import PaymentEvent
from tests.e2e.test_payments_oca import PRICE, boot_sicharge
from tests.helpers import raw_call, running, station
from tests.payment_flows import RecordingStation16, settle, wait_until

BROKEN_DIALECT = """
id: test.broken-reply
title: A dialect whose answer breaks the OCPP schema
version: "1"
provenance: {kind: inferred, source: written for this test}
ocpp_versions: ["2.0.1"]
messages:
  - name: BadPrice
    kind: ocpp_reply
    action: Authorize
    direction: to_station
    send_on: [authorized]
    data:
      idTokenInfo:
        personalMessage: {format: NotAFormat, content: "price"}
"""

ENTRY = """
id: test-broken
charger: {manufacturer: Broken, models: [B1]}
terminal: {manufacturer: Broken Pay, models: [P1]}
dialect: test.broken-reply
status: beta
ocpp_versions: ["2.0.1"]
match: {vendor: "^Broken$", model: "^B1$"}
documentation: written for this test
setup_guide: "# Test"
"""


async def test_an_answer_of_ours_that_breaks_the_schema_is_an_internal_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "dialects").mkdir()
    (tmp_path / "catalog").mkdir()
    (tmp_path / "dialects" / "broken.yaml").write_text(BROKEN_DIALECT)
    (tmp_path / "catalog" / "broken.yaml").write_text(ENTRY)
    settings = {"dialect_dirs": [str(tmp_path / "dialects")], "catalog_dirs": [str(tmp_path / "catalog")]}
    async with running(f"sqlite:///{tmp_path / 'x.sqlite'}", open_registration=True, authorize_unknown=True,
                       **settings) as srv, srv.connect("BROKEN-1", "2.0.1") as ws:  # fmt: skip
        boot = {"reason": "PowerUp", "chargingStation": {"vendorName": "Broken", "model": "B1"}}
        assert (await raw_call(ws, [2, "b", "BootNotification", boot]))[0] == 3
        answer = await raw_call(ws, [2, "a", "Authorize", {"idToken": {"idToken": "X1", "type": "ISO14443"}}])
        assert answer[:3] == [4, "a", "InternalError"]
        # the connection stays, and other actions are answered
        assert (await raw_call(ws, [2, "h", "Heartbeat", {}]))[0] == 3
        # a station repeating the failing call is logged once, with one traceback, not once per frame
        for n in range(20):
            again = await raw_call(ws, [2, f"a{n}", "Authorize", {"idToken": {"idToken": "X1", "type": "ISO14443"}}])
            assert again[2] == "InternalError"
    failures = [r for r in caplog.records if "Authorize failed" in r.getMessage()]
    assert len(failures) == 1 and failures[0].exc_info is not None


async def test_every_price_shown_is_kept_even_without_a_session(tmp_path: Path) -> None:
    """Events that name no payment (SetUserPrice before a session) are never taken for retries."""
    async with running(f"sqlite:///{tmp_path / 'p.sqlite'}", open_registration=True) as srv:
        async with station(srv, "PRICE-TWICE", "1.6", RecordingStation16) as cp, srv.http() as api:
            await boot_sicharge(cp)
            assert (await api.put("/api/stations/PRICE-TWICE/price", json=PRICE)).status_code == 200
            for tag in ("EMVS0001", "EMVS0002"):
                await cp.call(call16.Authorize(id_tag=tag))
            await wait_until(lambda: len(cp.messages("SetUserPrice")) == 2, what="two SetUserPrice")
            await settle(srv)
        async with srv.services.db.read() as s:
            shown = await s.scalar(select(func.count()).where(PaymentEvent.kind == "price_shown"))
    assert shown == 2
