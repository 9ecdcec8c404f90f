"""DBT CardTxReport (OCPP 1.6): a static card idTag, the paid amount reported after the session.

The vendorId is a station setting, so the same message shape arrives under other vendorIds too.
"""

from __future__ import annotations

import json
from typing import Any

from ocpp.v16 import call as call16

from tests.helpers import Running, station
from tests.payment_flows import ConfiguredStation16, iso, minutes_ago, settle, stored_anywhere

DIALECT = "com.dbt.cardtxreport"
ENTRY = "dbt-keren-worldline-yoneo"
TICKET = "TICKET-MARKER-31337"


async def boot(cp: Any, vendor: str = "DBT", model: str = "Keren") -> None:
    assert (
        await cp.call(call16.BootNotification(charge_point_vendor=vendor, charge_point_model=model))
    ).status == "Accepted"


async def bind(api: Any, station_id: str, params: dict[str, Any]) -> None:
    response = await api.put(f"/api/stations/{station_id}/integration", json={"entry": ENTRY, "params": params})
    assert response.status_code == 200, response.text
    assert response.json()["dialect"] == DIALECT


async def charge(cp: Any, id_tag: str) -> int:
    started = await cp.call(
        call16.StartTransaction(connector_id=1, id_tag=id_tag, meter_start=0, timestamp=iso(minutes_ago(20)))
    )
    assert started.id_tag_info["status"] == "Accepted"
    await cp.call(
        call16.StopTransaction(transaction_id=started.transaction_id, meter_stop=8000, timestamp=iso(minutes_ago(1)))
    )
    return int(started.transaction_id)


async def card_tx_report(cp: Any, vendor_id: str, transaction_id: int, cost: Any = 9.99) -> Any:
    data = {
        "tx_ID": transaction_id,
        "tx_Time": iso(minutes_ago(1)),
        "totalTaxedCost": cost,
        "customerTicket": TICKET,
        "report": {"lines": ["8.0 kWh", f"{cost} EUR"]},
    }
    return await cp.call(call16.DataTransfer(vendor_id=vendor_id, message_id="CardTxReport", data=json.dumps(data)))


async def session_of(api: Any, station_id: str, transaction_id: int) -> dict[str, Any]:
    sessions = (await api.get("/api/sessions", params={"station_id": station_id})).json()["items"]
    (found,) = [s for s in sessions if s["transaction_id"] == str(transaction_id)]
    return dict(found)


async def test_a_dbt_card_session_is_settled_by_its_card_tx_report(server: Running, db_url: str) -> None:
    async with station(server, "DBT-KEREN", "1.6") as cp, server.http() as api:
        await boot(cp)
        assert (await api.get("/api/stations/DBT-KEREN")).json()["integration"] == ENTRY
        await bind(api, "DBT-KEREN", {"static_id_tag": "DBTCARD"})
        assert (await api.get("/api/id-tokens")).json()["items"] == []

        transaction_id = await charge(cp, "DBTCARD")  # no Authorize: the station skips it for card sessions
        session = await session_of(api, "DBT-KEREN", transaction_id)
        assert session["billing"] == "terminal"
        assert session["payment"]["dialect"] == DIALECT

        answer = await card_tx_report(cp, "DBT.QCNG.TPE", transaction_id)
        assert answer.status == "Accepted"
        session = await session_of(api, "DBT-KEREN", transaction_id)
        assert session["payment"]["status"] == "settled"
        assert session["payment"]["final_amount"] == 9.99
        assert session["payment"]["currency"] == "EUR"

        # Another idTag on the same station is not a card session.
        assert (await api.post("/api/id-tokens", json={"value": "RFID-DBT"})).status_code == 201
        other = await session_of(api, "DBT-KEREN", await charge(cp, "RFID-DBT"))
        assert other["billing"] == "csms"

        assert await stored_anywhere(db_url, TICKET) == []  # receipt text is not kept


async def test_a_station_with_its_own_vendor_id_is_routed_by_the_shape_of_its_report(server: Running) -> None:
    async with station(server, "ACME-Q1", "1.6") as cp, server.http() as api:
        await boot(cp, "Acme", "Q1")
        assert (await api.get("/api/stations/ACME-Q1")).json()["dialect"] is None
        await bind(api, "ACME-Q1", {"vendor_id": "ACME.PAY", "static_id_tag": "X"})

        transaction_id = await charge(cp, "X")
        answer = await card_tx_report(cp, "ACME.PAY", transaction_id, cost="4.50")
        assert answer.status == "Accepted"
        session = await session_of(api, "ACME-Q1", transaction_id)
        assert session["billing"] == "terminal"
        assert session["payment"]["dialect"] == DIALECT
        assert session["payment"]["status"] == "settled"
        assert session["payment"]["final_amount"] == 4.5


async def test_an_unbound_station_reporting_under_the_default_vendor_id_is_still_understood(server: Running) -> None:
    async with station(server, "PLAIN-1", "1.6") as cp, server.http() as api:
        await boot(cp, "Generic", "Box")
        assert (await api.get("/api/stations/PLAIN-1")).json()["dialect"] is None
        assert (await api.post("/api/id-tokens", json={"value": "RFID-PLAIN"})).status_code == 201
        transaction_id = await charge(cp, "RFID-PLAIN")

        answer = await card_tx_report(cp, "DBT.QCNG.TPE", transaction_id, cost=3.21)
        assert answer.status == "Accepted"  # only one dialect claims DBT.QCNG.TPE / CardTxReport
        session = await session_of(api, "PLAIN-1", transaction_id)
        assert session["payment"]["dialect"] == DIALECT
        assert session["payment"]["status"] == "settled"
        assert session["payment"]["final_amount"] == 3.21
        assert (await api.get("/api/unrecognised-messages", params={"station_id": "PLAIN-1"})).json()["items"] == []


async def test_an_unknown_message_of_a_known_vendor_is_answered_and_recorded(server: Running) -> None:
    async with station(server, "DBT-UNKNOWN", "1.6") as cp, server.http() as api:
        await boot(cp)
        answer = await cp.call(
            call16.DataTransfer(vendor_id="DBT.QCNG.TPE", message_id="CardTxStatus", data='{"state": "idle"}')
        )
        assert answer.status == "UnknownMessageId"
        assert answer.data is None
        answer = await cp.call(call16.DataTransfer(vendor_id="NOBODY.KNOWS", message_id="Hello", data="{}"))
        assert answer.status == "UnknownVendorId"

        items = (await api.get("/api/unrecognised-messages", params={"station_id": "DBT-UNKNOWN"})).json()["items"]
        seen = {(x["vendor_id"], x["message_id"]): x for x in items}
        assert set(seen) == {("DBT.QCNG.TPE", "CardTxStatus"), ("NOBODY.KNOWS", "Hello")}
        record = seen[("DBT.QCNG.TPE", "CardTxStatus")]
        assert record["count"] == 1
        assert record["ocpp_version"] == "1.6"
        assert record["sample"]["data"] == {"state": "idle"}


async def test_a_station_added_with_an_integration_through_the_api_is_bound(sqlite_server: Running) -> None:
    async with sqlite_server.http() as api:
        refused = await api.post("/api/stations", json={"id": "DBT-API-X", "integration": "no-such-entry"})
        assert refused.status_code == 422 and "no-such-entry" in refused.json()["detail"]
        assert (await api.get("/api/stations/DBT-API-X")).status_code == 404  # nothing stored
        added = await api.post("/api/stations", json={"id": "DBT-API", "integration": "dbt-keren-worldline-yoneo"})
        assert added.status_code == 201 and added.json()["integration"] == "dbt-keren-worldline-yoneo"
        detail = (await api.get("/api/stations/DBT-API")).json()
    assert detail["dialect"] == "com.dbt.cardtxreport"


# -- the station's configuration at boot ---------------------------------------------------------------------
class Keren(ConfiguredStation16):
    """A DBT Keren: its terminal's idTag and vendorId are station settings, read with GetConfiguration."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        config = {"TPE_OCPP_TAGID": "TPE-TAG-7", "TPE_OCPP_VENDORID": "DBT.QCNG.TPE", "TPE_OCPP_DATA": "full"}
        super().__init__(*args, config=config, **kwargs)


async def health(api: Any, station_id: str) -> dict[str, Any]:
    response = await api.get(f"/api/stations/{station_id}/health")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_binding_without_a_static_tag_takes_the_one_the_station_has(server: Running) -> None:
    async with station(server, "KEREN-ADOPT", "1.6", Keren) as cp, server.http() as api:
        authorized = await cp.call(call16.Authorize(id_tag="TPE-TAG-7"))
        assert authorized.id_tag_info["status"] == "Invalid"  # unbound, nobody knows this tag yet

        await boot(cp)  # matched to the DBT entry, which leaves static_id_tag unset
        await settle(server)
        assert cp.asked and set(cp.asked[0] or []) >= {"TPE_OCPP_TAGID", "TPE_OCPP_VENDORID", "TPE_OCPP_DATA"}
        assert cp.changed == []  # nothing of the binding's to push

        transaction_id = await charge(cp, "TPE-TAG-7")  # the terminal's tag: a card session, not refused
        session = await session_of(api, "KEREN-ADOPT", transaction_id)
        assert (session["billing"], session["payment"]["dialect"]) == ("terminal", DIALECT)

        found = await health(api, "KEREN-ADOPT")
        assert found["adopted"]["static_id_tag"]["value"] == "TPE-TAG-7"
        assert found["adopted"]["static_id_tag"]["key"] == "TPE_OCPP_TAGID"
        (tag,) = [c for c in found["configuration"] if c["key"] == "TPE_OCPP_TAGID"]
        assert (tag["state"], tag["adopted"], tag["reported"]) == ("ok", True, "TPE-TAG-7")
        assert found["mismatches"] == []
        assert "Taken from the station" in (await api.get("/console/stations/KEREN-ADOPT")).text

        # The operator sets it: the binding's value wins from now on (and is the CSMS's to push).
        await bind(api, "KEREN-ADOPT", {"static_id_tag": "CSMS-TAG"})
        assert (await health(api, "KEREN-ADOPT"))["adopted"] == {}


async def test_a_setting_that_differs_from_the_binding_is_flagged_and_pushed_where_the_csms_owns_it(
    server: Running,
) -> None:
    async with station(server, "KEREN-DIFF", "1.6", Keren) as cp, server.http() as api:
        cp.config["TPE_OCPP_VENDORID"] = "ACME.TPE"  # the station's own; the binding keeps the default
        await bind(api, "KEREN-DIFF", {"static_id_tag": "CSMS-TAG"})
        await boot(cp)
        await settle(server)

        assert cp.changed == [("TPE_OCPP_TAGID", "CSMS-TAG")]  # the entry says the CSMS owns the tag
        assert cp.config["TPE_OCPP_TAGID"] == "CSMS-TAG"
        assert (await api.get("/api/stations/KEREN-DIFF")).json()["settings"]["TPE_OCPP_TAGID"] == "CSMS-TAG"

        found = await health(api, "KEREN-DIFF")
        states = {c["key"]: (c["state"], c["owner"]) for c in found["configuration"]}
        assert states["TPE_OCPP_TAGID"] == ("ok", "csms")
        assert states["TPE_OCPP_VENDORID"] == ("mismatch", "station")  # flagged, never pushed
        assert (found["status"], found["mismatches"]) == ("attention", ["TPE_OCPP_VENDORID"])


async def test_a_station_that_cannot_answer_the_boot_read_still_charges(server: Running) -> None:
    async with station(server, "KEREN-PLAIN", "1.6") as cp, server.http() as api:  # no GetConfiguration handler
        await bind(api, "KEREN-PLAIN", {"static_id_tag": "DBTCARD"})
        await boot(cp)
        await settle(server)
        session = await session_of(api, "KEREN-PLAIN", await charge(cp, "DBTCARD"))
        assert session["billing"] == "terminal"
        assert (await health(api, "KEREN-PLAIN"))["status"] == "unverified"  # nothing reported: unknown, not wrong
