"""Restarts lose nothing acknowledged; operators reach stations through the REST API; the API token guards /api."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as Action201

from tests.helpers import Running, running, station

START = "2026-11-25T12:00:00+00:00"
STOP = "2026-11-25T12:45:00+00:00"


# -- restart ------------------------------------------------------------------------------------------


async def test_a_restart_loses_no_acknowledged_session(db_url: str) -> None:
    async with running(db_url, open_registration=True) as srv:
        async with srv.http() as api:
            assert (await api.post("/api/id-tokens", json={"value": "RFID-RESTART"})).status_code == 201
        async with station(srv, "CP-RESTART", "1.6") as cp:
            await cp.call(call16.BootNotification(charge_point_vendor="ABB", charge_point_model="Terra AC"))
            started = await cp.call(
                call16.StartTransaction(connector_id=1, id_tag="RFID-RESTART", meter_start=500, timestamp=START)
            )
            assert started.id_tag_info["status"] == "Accepted"

    async with running(db_url, open_registration=True) as srv:
        async with srv.http() as api:
            sessions = (await api.get("/api/sessions", params={"station_id": "CP-RESTART"})).json()["items"]
            assert len(sessions) == 1
            assert sessions[0]["transaction_id"] == str(started.transaction_id)
            assert sessions[0]["status"] == "active"
            assert sessions[0]["meter_start_wh"] == 500
            detail = (await api.get("/api/stations/CP-RESTART")).json()
            assert detail["vendor"] == "ABB"
            assert detail["connected"] is False

        async with station(srv, "CP-RESTART", "1.6") as cp:
            stopped = await cp.call(
                call16.StopTransaction(
                    transaction_id=started.transaction_id, meter_stop=7500, timestamp=STOP, id_tag="RFID-RESTART"
                )
            )
            assert stopped.id_tag_info["status"] == "Accepted"

        async with srv.http() as api:
            sessions = (await api.get("/api/sessions", params={"station_id": "CP-RESTART"})).json()["items"]
            assert len(sessions) == 1
            assert sessions[0]["transaction_id"] == str(started.transaction_id)
            assert sessions[0]["status"] == "completed"
            assert sessions[0]["energy_wh"] == 7000


# -- commands to an OCPP 1.6 station -------------------------------------------------------------------------


class Station16(ChargePoint16):
    """A 1.6 station that accepts what the CSMS asks and remembers each request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.received: list[tuple[str, dict[str, Any]]] = []

    @on(Action16.remote_start_transaction)
    async def on_remote_start(self, id_tag: str, **kwargs: Any) -> Any:
        self.received.append(("RemoteStartTransaction", {"id_tag": id_tag, **kwargs}))
        return result16.RemoteStartTransaction(status="Accepted")

    @on(Action16.remote_stop_transaction)
    async def on_remote_stop(self, transaction_id: int) -> Any:
        self.received.append(("RemoteStopTransaction", {"transaction_id": transaction_id}))
        return result16.RemoteStopTransaction(status="Accepted")

    @on(Action16.reset)
    async def on_reset(self, type: str) -> Any:
        self.received.append(("Reset", {"type": type}))
        return result16.Reset(status="Accepted")

    @on(Action16.get_configuration)
    async def on_get_configuration(self, key: list[str] | None = None) -> Any:
        self.received.append(("GetConfiguration", {"key": key}))
        known = {"HeartbeatInterval": ("60", False), "NumberOfConnectors": ("2", True)}
        asked = key or list(known)
        return result16.GetConfiguration(
            configuration_key=[{"key": k, "value": known[k][0], "readonly": known[k][1]} for k in asked if k in known],
            unknown_key=[k for k in asked if k not in known] or None,
        )

    @on(Action16.change_configuration)
    async def on_change_configuration(self, key: str, value: str) -> Any:
        self.received.append(("ChangeConfiguration", {"key": key, "value": value}))
        return result16.ChangeConfiguration(status="Accepted")

    @on(Action16.trigger_message)
    async def on_trigger_message(self, requested_message: str, **kwargs: Any) -> Any:
        self.received.append(("TriggerMessage", {"requested_message": requested_message, **kwargs}))
        return result16.TriggerMessage(status="Accepted")

    @on(Action16.data_transfer)
    async def on_data_transfer(self, vendor_id: str, **kwargs: Any) -> Any:
        self.received.append(("DataTransfer", {"vendor_id": vendor_id, **kwargs}))
        return result16.DataTransfer(status="Accepted", data='{"pong":true}')

    @on(Action16.unlock_connector)
    async def on_unlock_connector(self, connector_id: int) -> Any:
        self.received.append(("UnlockConnector", {"connector_id": connector_id}))
        return result16.UnlockConnector(status="Unlocked")

    @on(Action16.change_availability)
    async def on_change_availability(self, connector_id: int, type: str) -> Any:
        self.received.append(("ChangeAvailability", {"connector_id": connector_id, "type": type}))
        return result16.ChangeAvailability(status="Accepted")


async def command(api: Any, station_id: str, name: str, body: dict[str, Any] | None = None) -> Any:
    return await api.post(f"/api/stations/{station_id}/commands/{name}", json=body or {})


async def test_commands_reach_a_16_station_and_return_its_answers(server: Running) -> None:
    async with station(server, "CP-CMD16", "1.6", Station16) as cp, server.http() as api:
        await cp.call(call16.BootNotification(charge_point_vendor="Kempower", charge_point_model="S-Series"))

        response = await command(api, "CP-CMD16", "remote-start", {"id_token": "RFID-42", "evse_id": 2})
        assert response.status_code == 200, response.text
        assert response.json() == {
            "station_id": "CP-CMD16",
            "command": "remote-start",
            "answer": {"status": "Accepted"},
        }
        assert cp.received[-1] == ("RemoteStartTransaction", {"id_tag": "RFID-42", "connector_id": 2})

        response = await command(api, "CP-CMD16", "remote-stop", {"transaction_id": "17"})
        assert response.json()["answer"] == {"status": "Accepted"}
        assert cp.received[-1] == ("RemoteStopTransaction", {"transaction_id": 17})

        response = await command(api, "CP-CMD16", "reset", {"hard": True})
        assert response.json()["answer"] == {"status": "Accepted"}
        assert cp.received[-1] == ("Reset", {"type": "Hard"})
        await command(api, "CP-CMD16", "reset")
        assert cp.received[-1] == ("Reset", {"type": "Soft"})

        response = await command(
            api, "CP-CMD16", "get-configuration", {"keys": ["HeartbeatInterval", "NumberOfConnectors", "Nope"]}
        )
        assert response.status_code == 200, response.text
        answer = response.json()["answer"]
        assert {x["key"]: x["value"] for x in answer["configurationKey"]} == {
            "HeartbeatInterval": "60",
            "NumberOfConnectors": "2",
        }
        assert answer["unknownKey"] == ["Nope"]
        assert cp.received[-1] == ("GetConfiguration", {"key": ["HeartbeatInterval", "NumberOfConnectors", "Nope"]})
        settings = (await api.get("/api/stations/CP-CMD16")).json()["settings"]
        assert settings == {"HeartbeatInterval": "60", "NumberOfConnectors": "2"}

        response = await command(api, "CP-CMD16", "set-configuration", {"key": "HeartbeatInterval", "value": "120"})
        assert response.json()["answer"] == {"status": "Accepted"}
        assert cp.received[-1] == ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "120"})

        response = await command(api, "CP-CMD16", "trigger-message", {"message": "StatusNotification", "evse_id": 1})
        assert response.json()["answer"] == {"status": "Accepted"}
        assert cp.received[-1] == ("TriggerMessage", {"requested_message": "StatusNotification", "connector_id": 1})

        response = await command(
            api, "CP-CMD16", "data-transfer", {"vendor_id": "com.acme", "message_id": "Ping", "data": {"n": 1}}
        )
        assert response.json()["answer"] == {"status": "Accepted", "data": '{"pong":true}'}
        name, received = cp.received[-1]
        assert (name, received["vendor_id"], received["message_id"]) == ("DataTransfer", "com.acme", "Ping")
        assert json.loads(received["data"]) == {"n": 1}  # 1.6 carries data as a string

        response = await command(api, "CP-CMD16", "unlock-connector", {"evse_id": 1})
        assert response.json()["answer"] == {"status": "Unlocked"}
        assert cp.received[-1] == ("UnlockConnector", {"connector_id": 1})

        response = await command(api, "CP-CMD16", "change-availability", {"evse_id": 2, "operative": False})
        assert response.json()["answer"] == {"status": "Accepted"}
        assert cp.received[-1] == ("ChangeAvailability", {"connector_id": 2, "type": "Inoperative"})


async def test_a_get_configuration_of_every_key_stores_all_settings(server: Running) -> None:
    async with station(server, "CP-CFG", "1.6", Station16) as cp, server.http() as api:
        response = await command(api, "CP-CFG", "get-configuration")
        assert response.status_code == 200, response.text
        assert cp.received[-1] == ("GetConfiguration", {"key": None})
        settings = (await api.get("/api/stations/CP-CFG")).json()["settings"]
        assert settings == {"HeartbeatInterval": "60", "NumberOfConnectors": "2"}


async def test_a_command_missing_its_arguments_is_422(server: Running) -> None:
    async with station(server, "CP-ARGS", "1.6", Station16) as cp, server.http() as api:
        assert (await command(api, "CP-ARGS", "remote-start")).status_code == 422
        assert (await command(api, "CP-ARGS", "set-configuration", {"key": "HeartbeatInterval"})).status_code == 422
        assert (await command(api, "CP-ARGS", "no-such-command")).status_code == 422
        assert cp.received == []


# -- commands to an OCPP 2.0.1 station ---------------------------------------------------------------------


class Station201(ChargePoint201):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.received: list[tuple[str, dict[str, Any]]] = []

    @on(Action201.request_start_transaction)
    async def on_request_start(self, id_token: dict[str, Any], remote_start_id: int, **kwargs: Any) -> Any:
        self.received.append(("RequestStartTransaction", {"id_token": id_token, "remote_start_id": remote_start_id}))
        self.received[-1][1].update(kwargs)
        return result201.RequestStartTransaction(status="Accepted")

    @on(Action201.get_variables)
    async def on_get_variables(self, get_variable_data: list[dict[str, Any]], **kwargs: Any) -> Any:
        self.received.append(("GetVariables", {"get_variable_data": get_variable_data}))
        values = {("OCPPCommCtrlr", "HeartbeatInterval"): "60"}
        results = []
        for item in get_variable_data:
            key = (item["component"]["name"], item["variable"]["name"])
            result: dict[str, Any] = {
                "attribute_status": "Accepted" if key in values else "UnknownVariable",
                "component": item["component"],
                "variable": item["variable"],
            }
            if key in values:
                result["attribute_value"] = values[key]
            results.append(result)
        return result201.GetVariables(get_variable_result=results)

    @on(Action201.reset)
    async def on_reset(self, type: str, **kwargs: Any) -> Any:
        self.received.append(("Reset", {"type": type}))
        return result201.Reset(status="Scheduled")


async def test_commands_reach_a_201_station_in_its_own_vocabulary(server: Running) -> None:
    async with station(server, "CP-CMD201", "2.0.1", Station201) as cp, server.http() as api:
        response = await command(api, "CP-CMD201", "remote-start", {"id_token": "DRIVER-9", "evse_id": 1})
        assert response.status_code == 200, response.text
        assert response.json()["answer"] == {"status": "Accepted"}
        name, received = cp.received[-1]
        assert name == "RequestStartTransaction"
        assert received["id_token"] == {"id_token": "DRIVER-9", "type": "Central"}
        assert received["evse_id"] == 1
        assert isinstance(received["remote_start_id"], int)

        response = await command(
            api, "CP-CMD201", "get-configuration", {"keys": ["OCPPCommCtrlr.HeartbeatInterval", "Foo.Bar"]}
        )
        assert response.status_code == 200, response.text
        results = response.json()["answer"]["getVariableResult"]
        assert results[0]["attributeStatus"] == "Accepted"
        assert results[0]["attributeValue"] == "60"
        assert results[1]["attributeStatus"] == "UnknownVariable"
        assert cp.received[-1] == (
            "GetVariables",
            {
                "get_variable_data": [
                    {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
                    {"component": {"name": "Foo"}, "variable": {"name": "Bar"}},
                ]
            },
        )

        response = await command(api, "CP-CMD201", "reset", {"hard": False})
        assert response.json()["answer"] == {"status": "Scheduled"}
        assert cp.received[-1] == ("Reset", {"type": "OnIdle"})

        # 2.x variables are named Component.Variable; a bare 1.6-style key is a bad argument
        response = await command(api, "CP-CMD201", "get-configuration", {"keys": ["HeartbeatInterval"]})
        assert response.status_code == 422


# -- commands that do not get an answer ----------------------------------------------------------------------


async def test_a_command_to_a_disconnected_station_is_409(server: Running) -> None:
    async with server.http() as api:
        assert (await command(api, "CP-NEVER-SEEN", "reset")).status_code == 409
        async with station(server, "CP-GONE", "1.6", Station16):
            pass
        await asyncio.sleep(0.1)
        response = await command(api, "CP-GONE", "reset")
        assert response.status_code == 409
        assert "CP-GONE" in response.json()["detail"]


async def test_a_station_that_never_answers_gives_504_and_the_next_command_still_works(
    sqlite_server: Running,
) -> None:
    async with sqlite_server.connect("CP-SILENT", "1.6") as ws, sqlite_server.http() as api:
        try:
            response = await asyncio.wait_for(command(api, "CP-SILENT", "reset", {"timeout": 0.5}), 5)
        except TimeoutError:
            pytest.fail("the API did not answer within 5 s although the command asked for a 0.5 s timeout")
        assert response.status_code == 504
        ignored = json.loads(await ws.recv())
        assert ignored[0] == 2 and ignored[2] == "Reset"

        pending = asyncio.create_task(command(api, "CP-SILENT", "reset", {"hard": True, "timeout": 5}))
        call = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert call[2:] == ["Reset", {"type": "Hard"}]
        await ws.send(json.dumps([3, ignored[1], {"status": "Rejected"}]))  # late answer to the old call
        await ws.send(json.dumps([3, call[1], {"status": "Accepted"}]))
        response = await pending
        assert response.status_code == 200
        assert response.json()["answer"] == {"status": "Accepted"}


async def test_a_station_answering_with_a_callerror_gives_502(sqlite_server: Running) -> None:
    async with sqlite_server.connect("CP-ERR", "1.6") as ws, sqlite_server.http() as api:
        pending = asyncio.create_task(command(api, "CP-ERR", "unlock-connector", {"evse_id": 1}))
        call = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert call[2] == "UnlockConnector"
        await ws.send(json.dumps([4, call[1], "InternalError", "the lock is stuck", {}]))
        response = await pending
        assert response.status_code == 502
        assert "InternalError" in response.json()["detail"]


async def test_a_station_answering_against_the_schema_gives_502(sqlite_server: Running) -> None:
    async with sqlite_server.connect("CP-BADANSWER", "1.6") as ws, sqlite_server.http() as api:
        pending = asyncio.create_task(command(api, "CP-BADANSWER", "reset"))
        call = json.loads(await asyncio.wait_for(ws.recv(), 5))
        await ws.send(json.dumps([3, call[1], {"status": "Maybe"}]))
        assert (await pending).status_code == 502


# -- API token, health and metrics --------------------------------------------------------------------------


async def test_the_api_token_guards_api_but_not_health(tmp_path: Path) -> None:
    async with running(f"sqlite:///{tmp_path / 'token.sqlite'}", api_token="s3cret") as srv:
        async with srv.http() as api:
            refused = await api.get("/api/stations")
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"] == "Bearer"
            assert (await api.get("/healthz")).status_code == 200
            assert (await api.get("/metrics")).status_code == 200
        async with srv.http("wrong") as api:
            assert (await api.get("/api/stations")).status_code == 401
            assert (await api.post("/api/stations", json={"id": "CP-X"})).status_code == 401
        async with srv.http("s3cret") as api:
            response = await api.get("/api/stations")
            assert response.status_code == 200
            assert response.json() == {"items": [], "offset": 0, "limit": 100, "total": 0}


async def test_metrics_count_answered_calls(sqlite_server: Running) -> None:
    def heartbeats(text: str) -> float:
        """The ok Heartbeat count of OCPP 1.6, whatever order the exposition puts the labels in."""
        for labels, value in re.findall(r"^ocpay_calls_total\{(.*)\} (\S+)$", text, re.MULTILINE):
            if set(labels.split(",")) == {'version="1.6"', 'action="Heartbeat"', 'outcome="ok"'}:
                return float(value)
        return 0.0

    async with sqlite_server.http() as api:
        before = heartbeats((await api.get("/metrics")).text)
        async with station(sqlite_server, "CP-METRICS", "1.6") as cp:
            await cp.call(call16.Heartbeat())
            await cp.call(call16.Heartbeat())
        metrics = await api.get("/metrics")
        assert metrics.status_code == 200
        assert "# TYPE ocpay_calls_total counter" in metrics.text
        assert heartbeats(metrics.text) == before + 2
