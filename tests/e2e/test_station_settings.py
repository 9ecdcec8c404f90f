"""Station settings as the CSMS shows them: current after a change, re-read after the reboot a change needs,
write-only secrets never kept, one requestId per report, and the command log as the commands were sent."""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as Action201

from tests.helpers import Running, station
from tests.payment_flows import ConfiguredStation16, settle, stored_anywhere

# MicroOcpp answers GetConfiguration with the Basic-auth password, hex-encoded.
PASSWORD_HEX = "6d792d62617369632d617574682d70617373776f7264"  # "my-basic-auth-password"
NEW_PASSWORD_HEX = "6e65772d62617369632d617574682d70617373776f7264"


class Configured16(ConfiguredStation16):
    """A 1.6 station with a configuration; keys in `reboot_keys` change only at its next reboot."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, config={"HeartbeatInterval": "60", "MeterValueSampleInterval": "60"}, **kwargs)
        self.reboot_keys = {"MeterValueSampleInterval", "AuthorizationKey"}
        self.after_reboot: dict[str, str] = {}

    async def reboot(self) -> None:
        """Take on the changes that waited for a reboot, and boot."""
        self.config.update(self.after_reboot)
        self.after_reboot = {}
        await self.call(call16.BootNotification(charge_point_vendor="Acme", charge_point_model="Box"))

    @on(Action16.change_configuration)
    async def on_change_configuration(self, key: str, value: str) -> Any:
        if key in self.reboot_keys:
            self.after_reboot[key] = value
            return result16.ChangeConfiguration(status="RebootRequired")
        if key not in self.config:
            return result16.ChangeConfiguration(status="NotSupported")
        self.config[key] = value
        return result16.ChangeConfiguration(status="Accepted")

    @on(Action16.change_availability)
    async def on_change_availability(self, connector_id: int, type: str) -> Any:
        return result16.ChangeAvailability(status="Accepted")

    @on(Action16.reset)
    async def on_reset(self, type: str) -> Any:
        return result16.Reset(status="Accepted")


async def command(api: Any, station_id: str, name: str, body: dict[str, Any] | None = None) -> Any:
    response = await api.post(f"/api/stations/{station_id}/commands/{name}", json=body or {})
    assert response.status_code == 200, response.text
    return response.json()


async def detail(api: Any, station_id: str) -> dict[str, Any]:
    return dict((await api.get(f"/api/stations/{station_id}")).json())


# -- 1.6 ------------------------------------------------------------------------------------------------------
async def test_an_accepted_change_shows_at_once_and_one_needing_a_reboot_after_the_reboot(server: Running) -> None:
    async with station(server, "CP-SET16", "1.6", Configured16) as cp, server.http() as api:
        await command(api, "CP-SET16", "get-configuration")
        assert (await detail(api, "CP-SET16"))["settings"]["HeartbeatInterval"] == "60"

        answer = await command(api, "CP-SET16", "set-configuration", {"key": "HeartbeatInterval", "value": "120"})
        assert answer["answer"] == {"status": "Accepted"}
        shown = await detail(api, "CP-SET16")
        assert shown["settings"]["HeartbeatInterval"] == "120"
        assert shown["pending_settings"] == {}

        answer = await command(api, "CP-SET16", "set-configuration", {"key": "MeterValueSampleInterval", "value": "15"})
        assert answer["answer"] == {"status": "RebootRequired"}
        shown = await detail(api, "CP-SET16")
        assert shown["settings"]["MeterValueSampleInterval"] == "60"  # still in effect until the reboot
        assert shown["pending_settings"] == {"MeterValueSampleInterval": "15"}

        # Refused changes change nothing.
        answer = await command(api, "CP-SET16", "set-configuration", {"key": "NoSuchKey", "value": "1"})
        assert answer["answer"] == {"status": "NotSupported"}
        assert "NoSuchKey" not in (await detail(api, "CP-SET16"))["settings"]

        cp.asked.clear()
        await cp.reboot()
        await settle(server)
        assert cp.asked == [["MeterValueSampleInterval"]]  # only what waited for this reboot is read again
        shown = await detail(api, "CP-SET16")
        assert shown["settings"]["MeterValueSampleInterval"] == "15"
        assert shown["pending_settings"] == {}

        cp.asked.clear()
        await cp.reboot()  # nothing pending: an ordinary boot asks nothing
        await settle(server)
        assert cp.asked == []


async def test_the_basic_auth_password_a_station_reports_is_never_kept_or_shown(server: Running, db_url: str) -> None:
    async with station(server, "CP-KEY16", "1.6", Configured16) as cp, server.http() as api:
        cp.config["AuthorizationKey"] = PASSWORD_HEX
        answered = await command(api, "CP-KEY16", "get-configuration")
        reported = {x["key"]: x["value"] for x in answered["answer"]["configurationKey"]}
        assert reported["AuthorizationKey"] == "set"
        assert reported["HeartbeatInterval"] == "60"
        assert (await detail(api, "CP-KEY16"))["settings"]["AuthorizationKey"] == "set"

        answered = await command(
            api, "CP-KEY16", "set-configuration", {"key": "AuthorizationKey", "value": NEW_PASSWORD_HEX}
        )
        assert answered["answer"] == {"status": "RebootRequired"}
        assert (await detail(api, "CP-KEY16"))["pending_settings"] == {"AuthorizationKey": "set"}
        log = (await api.get("/api/commands", params={"station_id": "CP-KEY16"})).json()["items"]
        assert log[0]["command"] == "set-configuration" and log[0]["arguments"]["value"] == "set"

        await cp.reboot()
        await settle(server)
        assert cp.config["AuthorizationKey"] == NEW_PASSWORD_HEX  # the station got the value we sent

        for path in ("/api/stations/CP-KEY16", "/api/commands", "/console/stations/CP-KEY16"):
            page = await api.get(path)
            assert page.status_code == 200, path
            assert PASSWORD_HEX not in page.text and NEW_PASSWORD_HEX not in page.text, path
        assert await stored_anywhere(db_url, PASSWORD_HEX) == []
        assert await stored_anywhere(db_url, NEW_PASSWORD_HEX) == []


async def test_the_command_log_keeps_every_argument_a_command_was_sent_with(server: Running) -> None:
    async with station(server, "CP-LOG16", "1.6", Configured16), server.http() as api:
        await command(api, "CP-LOG16", "change-availability", {"evse_id": 2})  # operative: true by default
        await command(api, "CP-LOG16", "change-availability", {"evse_id": 2, "operative": False})
        await command(api, "CP-LOG16", "reset")
        log = (await api.get("/api/commands", params={"station_id": "CP-LOG16"})).json()["items"]
        assert [(x["command"], x["arguments"]) for x in reversed(log)] == [
            ("change-availability", {"evse_id": 2, "operative": True}),
            ("change-availability", {"evse_id": 2, "operative": False}),
            ("reset", {"hard": False}),
        ]


# -- 2.0.1 ----------------------------------------------------------------------------------------------------
class Configured201(ChargePoint201):
    """A 2.0.1 station: HeartbeatInterval changes at once, SampledDataCtrlr.TxUpdatedInterval at its reboot."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.values = {
            ("OCPPCommCtrlr", "HeartbeatInterval"): "60",
            ("SampledDataCtrlr", "TxUpdatedInterval"): "60",
            ("SecurityCtrlr", "BasicAuthPassword"): "a-basic-auth-password-2",
        }
        self.after_reboot: dict[tuple[str, str], str] = {}
        self.asked: list[list[str]] = []
        self.report_ids: list[int] = []

    async def reboot(self) -> None:
        self.values.update(self.after_reboot)
        self.after_reboot = {}
        await self.call(
            call201.BootNotification(charging_station={"vendor_name": "Acme", "model": "Box"}, reason="RemoteReset")
        )

    @on(Action201.set_variables)
    async def on_set_variables(self, set_variable_data: list[dict[str, Any]], **kwargs: Any) -> Any:
        results = []
        for item in set_variable_data:
            key = (item["component"]["name"], item["variable"]["name"])
            if key == ("SampledDataCtrlr", "TxUpdatedInterval"):
                self.after_reboot[key] = item["attribute_value"]
                status = "RebootRequired"
            elif key in self.values:
                self.values[key] = item["attribute_value"]
                status = "Accepted"
            else:
                status = "UnknownVariable"
            results.append({"attribute_status": status, "component": item["component"], "variable": item["variable"]})
        return result201.SetVariables(set_variable_result=results)

    @on(Action201.get_variables)
    async def on_get_variables(self, get_variable_data: list[dict[str, Any]], **kwargs: Any) -> Any:
        self.asked.append([f"{x['component']['name']}.{x['variable']['name']}" for x in get_variable_data])
        results = []
        for item in get_variable_data:
            key = (item["component"]["name"], item["variable"]["name"])
            result = {"component": item["component"], "variable": item["variable"]}
            if key in self.values:
                results.append({**result, "attribute_status": "Accepted", "attribute_value": self.values[key]})
            else:
                results.append({**result, "attribute_status": "UnknownVariable"})
        return result201.GetVariables(get_variable_result=results)

    @on(Action201.get_base_report)
    async def on_get_base_report(self, request_id: int, report_base: str, **kwargs: Any) -> Any:
        self.report_ids.append(request_id)
        return result201.GetBaseReport(status="Accepted")


async def test_each_variable_of_a_set_variables_is_recorded_as_its_result_says(server: Running) -> None:
    async with station(server, "CP-SET201", "2.0.1", Configured201) as cp, server.http() as api:
        keys = ["OCPPCommCtrlr.HeartbeatInterval", "SampledDataCtrlr.TxUpdatedInterval"]
        await command(api, "CP-SET201", "get-configuration", {"keys": keys})
        answer = await command(api, "CP-SET201", "set-configuration", {"key": keys[0], "value": "90"})
        assert answer["answer"]["setVariableResult"][0]["attributeStatus"] == "Accepted"
        answer = await command(api, "CP-SET201", "set-configuration", {"key": keys[1], "value": "15"})
        assert answer["answer"]["setVariableResult"][0]["attributeStatus"] == "RebootRequired"
        shown = await detail(api, "CP-SET201")
        assert {k: shown["settings"][k] for k in keys} == {keys[0]: "90", keys[1]: "60"}
        assert shown["pending_settings"] == {keys[1]: "15"}

        cp.asked.clear()
        await cp.reboot()
        await settle(server)
        assert cp.asked == [[keys[1]]]
        shown = await detail(api, "CP-SET201")
        assert shown["settings"][keys[1]] == "15" and shown["pending_settings"] == {}


async def test_a_basic_auth_password_in_get_variables_or_a_report_is_kept_only_as_set(
    server: Running, db_url: str
) -> None:
    password = "a-basic-auth-password-2"
    async with station(server, "CP-KEY201", "2.0.1", Configured201) as cp, server.http() as api:
        answer = await command(api, "CP-KEY201", "get-configuration", {"keys": ["SecurityCtrlr.BasicAuthPassword"]})
        assert answer["answer"]["getVariableResult"][0]["attributeValue"] == "set"
        report = [
            {
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
                "variable_attribute": [{"type": "Actual", "value": "reported-password-3", "mutability": "WriteOnly"}],
            }
        ]
        await cp.call(
            call201.NotifyReport(request_id=7, generated_at="2026-01-01T00:00:00Z", seq_no=0, report_data=report)
        )
        assert (await detail(api, "CP-KEY201"))["settings"]["SecurityCtrlr.BasicAuthPassword"] == "set"
        for secret in (password, "reported-password-3"):
            assert await stored_anywhere(db_url, secret) == []
            assert secret not in (await api.get("/api/commands")).text


async def test_each_full_report_is_asked_for_under_its_own_request_id(server: Running) -> None:
    async with station(server, "CP-REPORT", "2.0.1", Configured201) as cp, server.http() as api:
        await command(api, "CP-REPORT", "get-configuration")
        await command(api, "CP-REPORT", "get-configuration")
        assert len(cp.report_ids) == 2 and cp.report_ids[0] != cp.report_ids[1]
