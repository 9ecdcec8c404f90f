"""OCA California Pricing (org.openchargealliance.costmsg): a Sicharge D with a CCV terminal, end to end.

The CSMS shows the driver the price after Authorize and the running and final cost during and after the
session, computed from the station's ad hoc price; the terminal is paid, so the CSMS never bills the session.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from tests.helpers import Running, running, station
from tests.payment_flows import RecordingStation16, iso, minutes_ago, settle, wait_until

VENDOR = "org.openchargealliance.costmsg"
PRICE = {
    "currency": "EUR",
    "kwh_price": "0.50",
    "hour_price": "1.20",
    "flat_fee": "1.00",
    "price_text": "0.50 EUR/kWh, 1.20 EUR/h, 1.00 EUR per session",
}


async def boot_sicharge(cp: Any) -> None:
    boot = await cp.call(call16.BootNotification(charge_point_vendor="Siemens", charge_point_model="Sicharge D"))
    assert boot.status == "Accepted"


async def energy(cp: Any, transaction_id: int, wh: int, at: datetime) -> None:
    await cp.call(
        call16.MeterValues(
            connector_id=1,
            transaction_id=transaction_id,
            meter_value=[
                {
                    "timestamp": iso(at),
                    "sampledValue": [{"value": str(wh), "unit": "Wh", "measurand": "Energy.Active.Import.Register"}],
                }
            ],
        )
    )


async def test_a_sicharge_card_session_shows_price_and_cost_and_is_paid_at_the_terminal(server: Running) -> None:
    started_at = minutes_ago(30)
    async with station(server, "SICHARGE-1", "1.6", RecordingStation16) as cp, server.http() as api:
        await boot_sicharge(cp)
        detail = (await api.get("/api/stations/SICHARGE-1")).json()
        assert detail["integration"] == "siemens-sicharge-d-ccv"
        assert detail["dialect"] == VENDOR

        response = await api.put("/api/stations/SICHARGE-1/price", json=PRICE)
        assert response.status_code == 200, response.text
        assert (await api.get("/api/id-tokens")).json()["items"] == []  # the card's idTag is registered nowhere

        # Card presented: the idTag carries the Sicharge card prefix, so the terminal vouches for it.
        authorized = await cp.call(call16.Authorize(id_tag="EMVS1234"))
        assert authorized.id_tag_info["status"] == "Accepted"
        await wait_until(lambda: cp.messages("SetUserPrice"), what="SetUserPrice")
        assert [v for v, m, _ in cp.data_transfers] == [VENDOR]
        assert cp.messages("SetUserPrice") == [{"idToken": "EMVS1234", "priceText": PRICE["price_text"]}]
        assert cp.answered_before("Authorize", f"{VENDOR}/SetUserPrice")

        started = await cp.call(
            call16.StartTransaction(connector_id=1, id_tag="EMVS1234", meter_start=1000, timestamp=iso(started_at))
        )
        assert started.id_tag_info["status"] == "Accepted"
        await wait_until(lambda: len(cp.messages("RunningCost")) == 1, what="RunningCost after StartTransaction")
        assert cp.answered_before("StartTransaction", f"{VENDOR}/RunningCost")
        first = cp.messages("RunningCost")[0]
        assert first["transactionId"] == started.transaction_id and isinstance(first["transactionId"], int)
        assert first["chargingPrice"] == {"kWhPrice": 0.5, "hourPrice": 1.2, "flatFee": 1.0}
        assert first["state"] == "Charging"
        assert first["cost"] == pytest.approx(1.00 + 1.20 * 0.5, abs=0.02)  # flat fee + half an hour, no energy

        await energy(cp, started.transaction_id, 5000, minutes_ago(10))
        await wait_until(lambda: len(cp.messages("RunningCost")) == 2, what="RunningCost after MeterValues")
        assert cp.answered_before("MeterValues", f"{VENDOR}/RunningCost")
        second = cp.messages("RunningCost")[1]
        assert second["transactionId"] == started.transaction_id
        assert second["meterValue"] == 5000
        assert second["cost"] > first["cost"]
        assert second["cost"] == pytest.approx(1.00 + 0.50 * 4 + 1.20 * 0.5, abs=0.02)

        stopped = await cp.call(
            call16.StopTransaction(
                transaction_id=started.transaction_id,
                meter_stop=11000,
                timestamp=iso(started_at + timedelta(minutes=30)),
                id_tag="EMVS1234",
                reason="Local",
            )
        )
        assert stopped.id_tag_info["status"] == "Accepted"
        await wait_until(lambda: cp.messages("FinalCost"), what="FinalCost after StopTransaction")
        assert cp.answered_before("StopTransaction", f"{VENDOR}/FinalCost")
        (final,) = cp.messages("FinalCost")
        assert final["transactionId"] == started.transaction_id
        # 1.00 flat + 0.50 EUR/kWh * 10 kWh + 1.20 EUR/h * 0.5 h
        assert final["cost"] == pytest.approx(6.60, abs=0.001)
        assert "6.60" in final["priceText"]

        await settle(server)

        (card,) = (await api.get("/api/sessions", params={"station_id": "SICHARGE-1"})).json()["items"]
        assert card["transaction_id"] == str(started.transaction_id)
        assert card["id_token"].startswith("ref:") and "1234" not in card["id_token"]  # card-derived: hashed
        assert card["billing"] == "terminal"
        assert card["payment"]["method"] == "terminal"
        assert card["payment"]["dialect"] == VENDOR

        exported = (await api.get("/api/sessions/export")).json()
        assert [s["id"] for s in exported["terminal_paid"]] == [card["id"]]
        assert exported["csms_billed"] == []

        response = await api.get("/api/sessions/export", params={"format": "csv"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [(r["id"], r["billing"], r["payment_dialect"]) for r in rows] == [(str(card["id"]), "terminal", VENDOR)]


async def test_an_rfid_session_on_a_card_station_stays_billed_by_the_csms(server: Running) -> None:
    async with station(server, "SICHARGE-RFID", "1.6", RecordingStation16) as cp, server.http() as api:
        await boot_sicharge(cp)
        assert (await api.put("/api/stations/SICHARGE-RFID/price", json=PRICE)).status_code == 200
        assert (await api.post("/api/id-tokens", json={"value": "RFID-77", "type": "ISO14443"})).status_code == 201
        card = await cp.call(
            call16.StartTransaction(connector_id=1, id_tag="EMVS5555", meter_start=0, timestamp=iso(minutes_ago(9)))
        )
        assert (await cp.call(call16.Authorize(id_tag="RFID-77"))).id_tag_info["status"] == "Accepted"
        rfid = await cp.call(
            call16.StartTransaction(connector_id=2, id_tag="RFID-77", meter_start=0, timestamp=iso(minutes_ago(5)))
        )
        assert rfid.id_tag_info["status"] == "Accepted"
        for transaction_id in (rfid.transaction_id, card.transaction_id):
            await cp.call(
                call16.StopTransaction(transaction_id=transaction_id, meter_stop=2000, timestamp=iso(minutes_ago(1)))
            )
        await wait_until(lambda: len(cp.messages("FinalCost")) == 2, what="FinalCost of both sessions")
        await settle(server)

        sessions = {s["transaction_id"]: s for s in (await api.get("/api/sessions")).json()["items"]}
        assert sessions[str(card.transaction_id)]["billing"] == "terminal"
        other = sessions[str(rfid.transaction_id)]
        events = (await api.get(f"/api/sessions/{other['id']}")).json()["payment_events"]
        assert other["billing"] == "csms", f"the RFID session was marked paid at the terminal by {events}"
        assert other["payment"] is None

        exported = (await api.get("/api/sessions/export")).json()
        assert [s["transaction_id"] for s in exported["terminal_paid"]] == [str(card.transaction_id)]
        assert [s["transaction_id"] for s in exported["csms_billed"]] == [str(rfid.transaction_id)]
        response = await api.get("/api/sessions/export", params={"format": "csv"})
        billing = {r["transaction_id"]: r["billing"] for r in csv.DictReader(io.StringIO(response.text))}
        assert billing == {str(card.transaction_id): "terminal", str(rfid.transaction_id): "csms"}


async def test_with_idle_fees_after_stop_the_final_cost_waits_for_the_unplug(server: Running) -> None:
    plugged_in, stopped_at = minutes_ago(70), minutes_ago(40)
    async with station(server, "SICHARGE-IDLE", "1.6", RecordingStation16) as cp, server.http() as api:
        await boot_sicharge(cp)
        response = await api.put(
            "/api/stations/SICHARGE-IDLE/integration",
            json={
                "entry": "siemens-sicharge-d-ccv",
                "params": {"idle_fee_after_stop": True, "card_id_tag_prefix": "EMVS"},
            },
        )
        assert response.status_code == 200, response.text
        assert response.json()["dialect"] == VENDOR
        price = {"currency": "EUR", "kwh_price": "0.40", "idle_hour_price": "6.00", "idle_grace_minutes": 10}
        assert (await api.put("/api/stations/SICHARGE-IDLE/price", json=price)).status_code == 200

        started = await cp.call(
            call16.StartTransaction(connector_id=1, id_tag="EMVS0099", meter_start=0, timestamp=iso(plugged_in))
        )
        assert started.id_tag_info["status"] == "Accepted"
        await cp.call(
            call16.StopTransaction(transaction_id=started.transaction_id, meter_stop=10000, timestamp=iso(stopped_at))
        )
        await settle(server)
        assert cp.messages("FinalCost") == []  # the car still blocks the bay: idle fees keep running

        unplugged = await cp.call(
            call16.DataTransfer(
                vendor_id=VENDOR,
                message_id="ConnectorUnplugged",
                data=json.dumps({"transactionId": started.transaction_id, "timestamp": iso(datetime.now(UTC))}),
            )
        )
        assert unplugged.status == "Accepted"
        await wait_until(lambda: cp.messages("FinalCost"), what="FinalCost after ConnectorUnplugged")
        assert cp.answered_before("DataTransfer", f"{VENDOR}/FinalCost")
        (final,) = cp.messages("FinalCost")
        assert final["transactionId"] == started.transaction_id
        # 0.40 EUR/kWh * 10 kWh + 6.00 EUR/h idle fee for the 30 of 40 idle minutes past the 10-minute grace
        assert final["cost"] == pytest.approx(4.00 + 3.00, abs=0.02)


async def test_a_late_connector_unplugged_charges_idle_time_up_to_the_unplug_it_reports(server: Running) -> None:
    # The station was offline for a while: it sends ConnectorUnplugged now, for an unplug 20 minutes after the stop.
    plugged_in, stopped_at = minutes_ago(70), minutes_ago(40)
    unplugged_at = stopped_at + timedelta(minutes=20)
    async with station(server, "SICHARGE-LATE", "1.6", RecordingStation16) as cp, server.http() as api:
        await boot_sicharge(cp)
        response = await api.put(
            "/api/stations/SICHARGE-LATE/integration",
            json={"entry": "siemens-sicharge-d-ccv", "params": {"idle_fee_after_stop": True}},
        )
        assert response.status_code == 200, response.text
        price = {"currency": "EUR", "kwh_price": "0.40", "idle_hour_price": "6.00", "idle_grace_minutes": 10}
        assert (await api.put("/api/stations/SICHARGE-LATE/price", json=price)).status_code == 200
        started = await cp.call(
            call16.StartTransaction(connector_id=1, id_tag="EMVS0100", meter_start=0, timestamp=iso(plugged_in))
        )
        await cp.call(
            call16.StopTransaction(transaction_id=started.transaction_id, meter_stop=10000, timestamp=iso(stopped_at))
        )
        unplugged = await cp.call(
            call16.DataTransfer(
                vendor_id=VENDOR,
                message_id="ConnectorUnplugged",
                data=json.dumps({"transactionId": started.transaction_id, "timestamp": iso(unplugged_at)}),
            )
        )
        assert unplugged.status == "Accepted"
        await wait_until(lambda: cp.messages("FinalCost"), what="FinalCost after ConnectorUnplugged")
        (final,) = cp.messages("FinalCost")
        # 0.40 EUR/kWh * 10 kWh + 6.00 EUR/h for the 10 of 20 idle minutes past the grace; not 40 minutes
        assert final["cost"] == pytest.approx(4.00 + 1.00, abs=0.02)


async def test_a_retried_start_or_stop_gets_its_answer_again_but_no_second_cost_message(server: Running) -> None:
    async with station(server, "SICHARGE-RETRY", "1.6", RecordingStation16) as cp, server.http() as api:
        await boot_sicharge(cp)
        assert (await api.put("/api/stations/SICHARGE-RETRY/price", json=PRICE)).status_code == 200
        start = call16.StartTransaction(
            connector_id=1, id_tag="EMVS7777", meter_start=0, timestamp=iso(minutes_ago(20))
        )
        started = await cp.call(start)
        retried = await cp.call(start)  # the station lost our answer and sends it again
        assert (retried.transaction_id, retried.id_tag_info) == (started.transaction_id, started.id_tag_info)
        await settle(server)
        assert len(cp.messages("RunningCost")) == 1

        stop = call16.StopTransaction(
            transaction_id=started.transaction_id, meter_stop=4000, timestamp=iso(minutes_ago(1)), id_tag="EMVS7777"
        )
        stopped = await cp.call(stop)
        assert (await cp.call(stop)).id_tag_info == stopped.id_tag_info
        await settle(server)
        (final,) = cp.messages("FinalCost")
        assert final["transactionId"] == started.transaction_id
        assert len(cp.messages("RunningCost")) == 1

        (session,) = (await api.get("/api/sessions", params={"station_id": "SICHARGE-RETRY"})).json()["items"]
        assert (session["status"], session["energy_wh"]) == ("completed", 4000)


async def test_a_station_without_a_price_gets_no_cost_messages_and_charges_normally(server: Running) -> None:
    async with station(server, "SICHARGE-NOPRICE", "1.6", RecordingStation16) as cp, server.http() as api:
        await boot_sicharge(cp)
        assert (await cp.call(call16.Authorize(id_tag="EMVS4321"))).id_tag_info["status"] == "Accepted"
        started = await cp.call(
            call16.StartTransaction(connector_id=1, id_tag="EMVS4321", meter_start=0, timestamp=iso(minutes_ago(20)))
        )
        assert started.id_tag_info["status"] == "Accepted"
        await energy(cp, started.transaction_id, 3000, minutes_ago(10))
        stopped = await cp.call(
            call16.StopTransaction(
                transaction_id=started.transaction_id, meter_stop=6000, timestamp=iso(minutes_ago(1)), id_tag="EMVS4321"
            )
        )
        assert stopped.id_tag_info["status"] == "Accepted"
        await settle(server)
        assert cp.data_transfers == []
        assert (await cp.call(call16.Heartbeat())).current_time  # the connection is still fine

        (session,) = (await api.get("/api/sessions", params={"station_id": "SICHARGE-NOPRICE"})).json()["items"]
        assert session["status"] == "completed"
        assert session["energy_wh"] == 6000
        assert session["billing"] == "terminal"


CATALOG_201 = """
id: test-oca-201
charger: {manufacturer: TestCo, models: [Pricer 201]}
terminal: {manufacturer: TestPay, models: [T1]}
dialect: org.openchargealliance.costmsg
status: beta
ocpp_versions: ["2.0.1"]
match: {vendor: "^TestCo$", model: "^Pricer"}
parameters: {card_id_tag_prefix: EMVS}
documentation: A test entry that puts a 2.0.1 station on the OCA cost messages.
setup_guide: "# Test entry"
"""


async def test_an_oca_201_station_gets_price_and_cost_in_the_standard_answers(db_url: str, tmp_path: Path) -> None:
    # No built-in catalog entry speaks the OCA messages over 2.0.1, so an operator's extra catalog adds one.
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "test-oca-201.yaml").write_text(CATALOG_201)
    start = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    token = {"id_token": "EMVS201", "type": "Local"}

    def event(event_type: str, seq_no: int, minutes: int, wh: float, **extra: Any) -> Any:
        return call201.TransactionEvent(
            event_type=event_type,
            timestamp=iso(start + timedelta(minutes=minutes)),
            trigger_reason={"Started": "Authorized", "Ended": "EVCommunicationLost"}.get(
                event_type, "MeterValuePeriodic"
            ),
            seq_no=seq_no,
            transaction_info={"transaction_id": "OCA-201-1"},
            evse={"id": 1, "connector_id": 1},
            meter_value=[
                {
                    "timestamp": iso(start),
                    "sampled_value": [{"value": wh, "measurand": "Energy.Active.Import.Register"}],
                }
            ],
            **extra,
        )

    async with running(db_url, open_registration=True, catalog_dirs=[str(catalog)]) as srv:
        async with station(srv, "OCA-201", "2.0.1") as cp, srv.http() as api:
            boot = await cp.call(
                call201.BootNotification(
                    charging_station={"vendor_name": "TestCo", "model": "Pricer 201"}, reason="PowerUp"
                )
            )
            assert boot.status == "Accepted"
            detail = (await api.get("/api/stations/OCA-201")).json()
            assert (detail["integration"], detail["dialect"]) == ("test-oca-201", VENDOR)
            price = {"currency": "EUR", "kwh_price": "0.50", "flat_fee": "1.00", "price_text": "0.50 EUR/kWh + 1 EUR"}
            assert (await api.put("/api/stations/OCA-201/price", json=price)).status_code == 200

            authorized = await cp.call(call201.Authorize(id_token=token))
            assert authorized.id_token_info["status"] == "Accepted"
            assert authorized.id_token_info["personal_message"]["content"] == "0.50 EUR/kWh + 1 EUR"

            started = await cp.call(event("Started", 0, 0, 1000.0, id_token=token))
            assert started.id_token_info["status"] == "Accepted"
            assert started.total_cost == pytest.approx(1.00)
            updated = await cp.call(event("Updated", 1, 10, 5000.0))
            assert updated.total_cost == pytest.approx(1.00 + 0.50 * 4)
            ended = await cp.call(event("Ended", 2, 30, 11000.0))
            assert ended.total_cost == pytest.approx(1.00 + 0.50 * 10)
            assert ended.updated_personal_message["content"] == "Total 6.00 EUR"
            again = await cp.call(event("Ended", 2, 30, 11000.0))  # a retry gets the same answer
            assert (again.total_cost, again.updated_personal_message) == (
                ended.total_cost,
                ended.updated_personal_message,
            )

            (session,) = (await api.get("/api/sessions", params={"station_id": "OCA-201"})).json()["items"]
            assert session["billing"] == "terminal"
            assert session["payment"]["dialect"] == VENDOR


async def test_a_price_set_from_the_cli_reaches_a_running_server(db_url: str) -> None:
    """The CLI is another process: the server re-reads prices and bindings (here at once, by `refresh`)."""
    from ocpay.app.config import Settings
    from ocpay.app.container import Services

    async with running(db_url, open_registration=True) as srv:
        await srv.services.stations.add("CLI-PRICED")
        payments = srv.services.payments
        assert await payments.prices.get("CLI-PRICED") is None  # read once, and cached
        other = await Services.open(Settings(db=db_url))
        try:
            await other.payments.set_price("CLI-PRICED", currency="EUR", kwh_price=Decimal("0.42"))
            await other.payments.bind("CLI-PRICED", "siemens-sicharge-d-ccv")
        finally:
            await other.close()
        await payments.refresh()
        price = await payments.prices.get("CLI-PRICED")
        assert price is not None and price.kwh_price == Decimal("0.42")
        assert payments.binding("CLI-PRICED") is not None


def test_displayed_cost_is_rounded_half_up_to_the_cent() -> None:
    from ocpay.payments.prices import cents as _cents

    assert [_cents(Decimal(x)) for x in ("2.675", "0.125", "6.6", "0.004")] == [2.68, 0.13, 6.6, 0.0]
