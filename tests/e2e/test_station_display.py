"""What the API and the console show of stations and sessions: what is known now, not what was last heard."""

from __future__ import annotations

import asyncio
from typing import Any

from ocpp.v16 import call as call16

from tests.e2e.test_payments_direct import boot as boot21
from tests.e2e.test_payments_direct import settlement, start_paid_session, transaction_event
from tests.helpers import Running, station
from tests.payment_flows import RawStation

START = "2026-11-25T12:00:00+00:00"


async def connection_seen_closed(api: Any, station_id: str) -> None:
    for _ in range(100):
        if not (await api.get(f"/api/stations/{station_id}")).json()["connected"]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{station_id} still shows as connected")


async def test_the_connectors_of_a_disconnected_station_are_unknown_with_their_last_status(server: Running) -> None:
    async with server.http() as api:
        async with station(server, "CP-GONE", "1.6") as cp:
            await cp.call(call16.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
            (connector,) = (await api.get("/api/stations/CP-GONE/connectors")).json()
            assert (connector["status"], connector["last_status"]) == ("Charging", "Charging")
        await connection_seen_closed(api, "CP-GONE")

        (connector,) = (await api.get("/api/stations/CP-GONE/connectors")).json()
        assert (connector["status"], connector["last_status"]) == ("Unknown", "Charging")
        (connector,) = (await api.get("/api/stations/CP-GONE")).json()["connectors"]
        assert (connector["status"], connector["last_status"]) == ("Unknown", "Charging")
        page = (await api.get("/console/stations/CP-GONE")).text
        assert "Unknown" in page and "last reported Charging" in page
        assert (await api.get("/api/stations/NOBODY/connectors")).status_code == 404

        async with station(server, "CP-GONE", "1.6") as cp:  # back: its last status is the best there is
            await cp.call(call16.Heartbeat())
            (connector,) = (await api.get("/api/stations/CP-GONE/connectors")).json()
            assert connector["status"] == "Charging"


async def test_an_active_session_has_no_meter_stop_until_it_stops(server: Running) -> None:
    async with server.http() as api, station(server, "CP-METER", "1.6") as cp:
        assert (await api.post("/api/id-tokens", json={"value": "RFID-METER"})).status_code == 201
        started = await cp.call(
            call16.StartTransaction(connector_id=1, id_tag="RFID-METER", meter_start=1000, timestamp=START)
        )
        reading = {"timestamp": "2026-11-25T12:05:00+00:00", "sampledValue": [{"value": "4500", "unit": "Wh"}]}
        await cp.call(call16.MeterValues(connector_id=1, transaction_id=started.transaction_id, meter_value=[reading]))

        (active,) = (await api.get("/api/sessions", params={"station_id": "CP-METER"})).json()["items"]
        assert active["status"] == "active"
        assert (active["meter_start_wh"], active["meter_stop_wh"], active["energy_wh"]) == (1000, None, 3500)
        assert (await api.get(f"/api/sessions/{active['id']}")).json()["meter_stop_wh"] is None

        await cp.call(
            call16.StopTransaction(
                transaction_id=started.transaction_id, meter_stop=9000, timestamp="2026-11-25T12:30:00+00:00"
            )
        )
        stopped = (await api.get(f"/api/sessions/{active['id']}")).json()
        assert (stopped["status"], stopped["meter_stop_wh"], stopped["energy_wh"]) == ("completed", 9000, 8000)


async def test_a_direct_payment_session_is_in_the_currency_of_the_station_price(server: Running) -> None:
    async with server.connect("DP-EUR", "2.1") as ws, server.http() as api:
        st = RawStation(ws)
        await boot21(st)
        await start_paid_session(st, "PSP-REF-EUR-1", "DP-EUR-TX", 50)
        (session,) = (await api.get("/api/sessions", params={"station_id": "DP-EUR"})).json()["items"]
        assert session["payment"]["currency"] is None  # no price yet: nobody has said which currency

        price = {"currency": "EUR", "kwh_price": "0.59"}
        assert (await api.put("/api/stations/DP-EUR/price", json=price)).status_code == 200
        await st.ok("TransactionEvent", transaction_event("Ended", 1, "DP-EUR-TX", 30, 9000.0))
        await st.ok("NotifySettlement", settlement("PSP-REF-EUR-1", "Settled", 12.5))

        (session,) = (await api.get("/api/sessions", params={"station_id": "DP-EUR"})).json()["items"]
        assert (session["payment"]["final_amount"], session["payment"]["currency"]) == (12.5, "EUR")
        detail = (await api.get(f"/api/sessions/{session['id']}")).json()
        assert detail["payment"]["currency"] == "EUR"
        (exported,) = (await api.get("/api/sessions/export")).json()["terminal_paid"]
        assert exported["payment"]["currency"] == "EUR"
        assert "EUR" in (await api.get(f"/console/sessions/{session['id']}")).text
