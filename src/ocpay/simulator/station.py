"""One simulated charger with its payment terminal, playing its dialect's card flow beside RFID sessions.

Everything dialect-specific comes from the dialect file: how card sessions show (prefix, static tag,
CSMS-issued tag, DirectPayment), which custom messages the terminal side sends and with which data
(built from the message's JSON Schema and its payment-field mapping), and what the CSMS may send.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

import orjson

from ocpay.integrations.dialects import Message
from ocpay.integrations.paths import get_path, set_path
from ocpay.ocpp.model import format_time, now
from ocpay.simulator.client import CsmsError, Offline, StationClient
from ocpay.simulator.examples import example
from ocpay.simulator.profile import FAULTS, Options, Outcome, Profile, SessionFailed

__all__ = ["FAULTS", "Options", "Outcome", "Profile", "SessionFailed", "SimulatedStation"]

_ACCEPTED = {"ChangeAvailability", "ChangeConfiguration", "Reset", "TriggerMessage", "GetBaseReport"}


class SimulatedStation:
    def __init__(self, url: str, profile: Profile, options: Options, rng: random.Random, password: str | None = None):
        self.profile = profile
        self.options = options
        self.rng = rng
        self.client = StationClient(url, profile.station_id, profile.version, self._on_call, password=password)
        self.received: Counter[str] = Counter()  # CSMS -> station messages, by action or messageId
        self.meter_wh = rng.randint(10_000, 900_000)
        self._offline: list[tuple[str, dict[str, Any]]] = []
        self._seq = 0
        self._charging: str | None = None  # the transaction in progress, which a remote stop may end
        self._remote_token: str | None = None  # a remote start's id token, for the next session
        self._stop_requested = asyncio.Event()

    # -- life cycle -------------------------------------------------------------------------------
    async def boot(self) -> None:
        await self.client.connect()
        p = self.profile
        if p.version == "1.6":
            answer = await self.client.call(
                "BootNotification", {"chargePointVendor": p.vendor[:20], "chargePointModel": p.model[:20]}
            )
        else:
            answer = await self.client.call(
                "BootNotification",
                {"reason": "PowerUp", "chargingStation": {"vendorName": p.vendor[:50], "model": p.model[:20]}},
            )
        if answer.get("status") != "Accepted":
            raise SessionFailed(f"boot not accepted: {answer.get('status')}")
        await self._status("Available")

    async def close(self) -> None:
        await self.client.close()

    async def run_session(self, number: int) -> Outcome:
        card = self.profile.dialect is not None and self.rng.random() < self.options.card_ratio
        card = card and self._remote_token is None  # a remote start brings its own id token
        outcome = Outcome(self.profile.station_id, "card" if card else "rfid", "ok")
        faults = [f for f in self.options.faults if self.rng.random() < self.options.fault_ratio]
        outcome.injected = faults
        try:
            if card and self.rng.random() < self.options.decline_ratio:
                outcome.result = "declined"  # the terminal's PSP refused the card: no session starts
                return outcome
            if self.profile.version == "1.6":
                await self._session_16(number, card, faults)
            else:
                await self._session_2x(number, card, faults)
        except (SessionFailed, CsmsError, Offline, TimeoutError) as exc:
            outcome.result, outcome.reason = "failed", f"{type(exc).__name__}: {exc}"
            if not self.client.connected:
                await self._reconnect()
        return outcome

    # -- OCPP 1.6 ---------------------------------------------------------------------------------
    async def _session_16(self, number: int, card: bool, faults: list[str]) -> None:
        await self._status("Preparing")
        remote, self._remote_token = self._remote_token, None
        id_tag = await self._card_id_tag(number) if card else remote or f"SIMRFID{number % 1000:04d}"
        if not card or self._card_rule() == "id_tag_prefix":
            answer = await self.client.call("Authorize", {"idTag": id_tag})
            _expect(answer["idTagInfo"]["status"] == "Accepted", f"Authorize {id_tag}: {answer['idTagInfo']}")
        start = {"connectorId": 1, "idTag": id_tag, "meterStart": self.meter_wh, "timestamp": _now()}
        started = await self.client.call("StartTransaction", start)
        if "duplicate" in faults:  # the station missed our answer and sends the same start again
            again = await self.client.call("StartTransaction", start)
            _expect(
                again["transactionId"] == started["transactionId"], "a retried StartTransaction opened a second session"
            )
        _expect(started["idTagInfo"]["status"] == "Accepted", f"StartTransaction {id_tag}: {started['idTagInfo']}")
        transaction_id = started["transactionId"]
        self._charging, reason = str(transaction_id), "Local"
        self._stop_requested.clear()
        await self._status("Charging")
        for i in range(self.options.meter_values):
            if self._stop_requested.is_set():
                reason = "Remote"
                break
            if "disconnect" in faults and i == 1:
                await self._disconnect_for_a_while()
            self.meter_wh += self.rng.randint(500, 5000)
            await self._queueable(
                "MeterValues",
                {
                    "connectorId": 1,
                    "transactionId": transaction_id,
                    "meterValue": [
                        {"timestamp": _now(), "sampledValue": [{"value": str(self.meter_wh), "unit": "Wh"}]}
                    ],
                },
            )
        self.meter_wh += self.rng.randint(500, 5000)
        await self._queueable(
            "StopTransaction",
            {"transactionId": transaction_id, "meterStop": self.meter_wh, "timestamp": _now(), "idTag": id_tag,
             "reason": reason},
        )  # fmt: skip
        self._charging = None
        await self._flush_offline()
        await self._status("Finishing")
        if card:
            await self._terminal_reports(transaction_id, faults)
        await self._status("Available")

    async def _card_id_tag(self, number: int) -> str:
        rule = self._card_rule()
        dialect, params = self.profile.dialect, self.profile.params
        assert dialect is not None
        if rule == "id_tag_prefix":
            prefix = dialect.resolve(dialect.card_sessions[0].value, params) or "CARD"
            return (prefix + f"{self.rng.getrandbits(40):010X}")[:20]
        if rule == "static_id_tag":
            value = dialect.resolve(dialect.card_sessions[0].value, params)
            _expect(value is not None, f"{dialect.id} needs the parameter for its static idTag")
            return str(value)
        if rule == "csms_issued":
            message = next(m for m in dialect.messages if m.issues_token)
            answer = await self._send_custom(message, self._payload(message, None, None))
            raw = answer.get("data")
            data = orjson.loads(raw) if isinstance(raw, str) else raw
            key = _issued_key(message)
            if not isinstance(data, dict) or key not in data:
                raise SessionFailed(f"{message.name} answer carries no {key}: {answer}")
            return str(data[key])
        raise SessionFailed(f"card rule {rule} cannot be simulated on OCPP 1.6")

    def _card_rule(self) -> str | None:
        dialect = self.profile.dialect
        return dialect.card_sessions[0].kind if dialect and dialect.card_sessions else None

    async def _terminal_reports(self, transaction_id: Any, faults: list[str]) -> None:
        """What the terminal side sends after the session: receipts, settlements, unplug notices."""
        dialect = self.profile.dialect
        assert dialect is not None
        amount = round(self.rng.uniform(5, 60), 2)
        for message in dialect.messages:
            if message.direction != "to_csms" or message.kind != "data_transfer" or message.issues_token:
                continue
            if self.profile.version not in dialect.versions_of(message):
                continue
            if "late" in faults:
                await asyncio.sleep(self.rng.uniform(0.2, 1.0))
            if "malformed" in faults:
                await self._send_malformed(message)
            payload = self._payload(message, transaction_id, amount)
            answer = await self._send_custom(message, payload)
            _expect(answer.get("status") == "Accepted", f"{message.name}: {answer}")
            if "duplicate" in faults:
                await self._send_custom(message, payload)

    def _payload(self, message: Message, transaction_id: Any, amount: float | None) -> dict[str, Any]:
        data = example(message.schema_, self.rng)
        if not isinstance(data, dict):
            data = {}
        values = {"transaction_id": transaction_id, "amount": amount, "currency": "EUR", "brand": "VISA",
                  "status": "Settled", "terminal_id": f"T{self.profile.station_id[-4:]}"}  # fmt: skip
        for field_name, path in message.map.items():
            value = values.get(field_name)
            if value is not None:
                current = get_path(data, path)
                set_path(data, path, str(value) if isinstance(current, str) and field_name != "amount" else value)
        return data

    async def _send_custom(self, message: Message, data: dict[str, Any]) -> dict[str, Any]:
        dialect = self.profile.dialect
        assert dialect is not None
        vendor_id = dialect.resolve(message.vendor_id, self.profile.params)
        payload: dict[str, Any] = {"vendorId": vendor_id, "messageId": message.message_id}
        payload["data"] = orjson.dumps(data).decode() if self.profile.version == "1.6" else data
        return await self.client.call("DataTransfer", payload)

    async def _send_malformed(self, message: Message) -> None:
        dialect = self.profile.dialect
        assert dialect is not None
        vendor_id = dialect.resolve(message.vendor_id, self.profile.params)
        payload = {"vendorId": vendor_id, "messageId": message.message_id, "data": "{not json"}
        answer = await self.client.call("DataTransfer", payload)
        _expect(answer.get("status") == "Rejected", f"malformed {message.name} was not rejected: {answer}")

    # -- OCPP 2.0.1 / 2.1 -------------------------------------------------------------------------------
    async def _session_2x(self, number: int, card: bool, faults: list[str]) -> None:
        await self._status("Occupied")
        rule = self._card_rule() if card else None
        if card and rule != "direct_payment":
            raise SessionFailed(f"card rule {rule} is not simulated on OCPP {self.profile.version}")
        if card:
            token = {"idToken": f"PSP{self.rng.getrandbits(64):016X}", "type": "DirectPayment"}
            if str(self.profile.params.get("authorize_direct_payment", "false")).lower() == "true":
                await self.client.call("Authorize", {"idToken": token})
        else:
            remote, self._remote_token = self._remote_token, None
            token = {"idToken": remote or f"SIMRFID{number % 1000:04d}", "type": "Central" if remote else "ISO14443"}
            answer = await self.client.call("Authorize", {"idToken": token})
            _expect(answer["idTokenInfo"]["status"] == "Accepted", f"Authorize: {answer['idTokenInfo']}")
        transaction_id = f"{self.profile.station_id}-{number}-{self.rng.getrandbits(32):08x}"
        self._seq = 0
        info: dict[str, Any] = {"transactionId": transaction_id, "chargingState": "Charging"}
        max_cost = round(self.rng.choice([30, 50, 80]), 2)
        if card:
            info["transactionLimit"] = {"maxCost": max_cost}
        started = await self._event("Started", "Authorized", info, token)
        if "duplicate" in faults:
            self._seq -= 1
            await self._event("Started", "Authorized", info, token)
        _expect(started.get("idTokenInfo", {}).get("status") == "Accepted", f"Started: {started}")
        self._charging, trigger, reason = transaction_id, "EVCommunicationLost", "EVDisconnected"
        self._stop_requested.clear()
        for i in range(self.options.meter_values):
            if self._stop_requested.is_set():
                trigger, reason = "RemoteStop", "Remote"
                break
            if "disconnect" in faults and i == 1:
                await self._disconnect_for_a_while()
            await self._event("Updated", "MeterValuePeriodic", {"transactionId": transaction_id}, None)
        ended = await self._event("Ended", trigger, {"transactionId": transaction_id, "stoppedReason": reason}, None)
        self._charging = None
        await self._flush_offline()
        _expect(isinstance(ended, dict), "Ended not answered")
        if card and self.profile.version == "2.1":
            if "late" in faults:
                await asyncio.sleep(self.rng.uniform(0.2, 1.0))
            amount = round(self.rng.uniform(5, max_cost), 2)
            settlement = {
                "pspRef": token["idToken"], "status": "Settled", "settlementAmount": amount,
                "settlementTime": _now(), "transactionId": transaction_id,
            }  # fmt: skip
            await self.client.call("NotifySettlement", settlement)
            if "duplicate" in faults:
                await self.client.call("NotifySettlement", settlement)
        await self._status("Available")

    async def _event(
        self, kind: str, trigger: str, info: dict[str, Any], token: dict[str, Any] | None
    ) -> dict[str, Any]:
        self.meter_wh += self.rng.randint(500, 5000) if kind != "Started" else 0
        payload: dict[str, Any] = {
            "eventType": kind, "timestamp": _now(), "triggerReason": trigger, "seqNo": self._seq,
            "transactionInfo": info, "evse": {"id": 1, "connectorId": 1},
            "meterValue": [{"timestamp": _now(), "sampledValue": [{"value": self.meter_wh}]}],
        }  # fmt: skip
        if token is not None:
            payload["idToken"] = token
        self._seq += 1
        return await self._queueable("TransactionEvent", payload) or {}

    # -- connection faults and the offline queue ----------------------------------------------------------
    async def _disconnect_for_a_while(self) -> None:
        await self.client.drop()
        await asyncio.sleep(self.rng.uniform(0.1, 0.5))
        # still offline: the next transaction messages go into the queue

    async def _queueable(self, action: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Transaction messages are queued while offline and delivered in order on reconnect (OCPP rule)."""
        if self._offline or not self.client.connected:
            if action == "TransactionEvent":
                payload["offline"] = True
            self._offline.append((action, payload))
            return None
        await self._pace()
        return await self.client.call(action, payload)

    async def _flush_offline(self) -> None:
        if not self._offline:
            return
        if not self.client.connected:
            await self._reconnect()
        queued, self._offline = self._offline, []
        for action, payload in queued:
            await self.client.call(action, payload)

    async def _reconnect(self) -> None:
        for attempt in range(10):
            try:
                await self.client.connect()
                return
            except (OSError, Offline, TimeoutError):
                await asyncio.sleep(min(0.2 * 2**attempt, 5))
        raise Offline(f"{self.profile.station_id} could not reconnect")

    async def _status(self, status: str) -> None:
        await self._pace()
        if self.profile.version == "1.6":
            await self.client.call("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": status})
        else:
            await self.client.call(
                "StatusNotification",
                {"timestamp": _now(), "connectorStatus": status, "evseId": 1, "connectorId": 1},
            )

    async def _pace(self) -> None:
        if self.options.pause:
            await asyncio.sleep(self.options.pause)

    # -- what the CSMS asks the station ---------------------------------------------------------------
    async def _on_call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        if action == "DataTransfer":
            self.received[payload.get("messageId") or payload["vendorId"]] += 1
            return {"status": "Accepted"}
        self.received[action] += 1
        if action == "GetConfiguration":
            return {"configurationKey": self._configuration(), "unknownKey": []}
        if action == "GetVariables":
            return {"getVariableResult": [
                {"attributeStatus": "UnknownVariable", "component": x["component"], "variable": x["variable"]}
                for x in payload["getVariableData"]
            ]}  # fmt: skip
        if action in _ACCEPTED:
            return {"status": "Accepted"}
        if action in ("RemoteStartTransaction", "RequestStartTransaction"):
            token = payload.get("idTag") or payload["idToken"]["idToken"]
            if self._remote_token is not None:
                return {"status": "Rejected"}
            self._remote_token = str(token)  # the next session starts with it
            return {"status": "Accepted"}
        if action in ("RemoteStopTransaction", "RequestStopTransaction"):
            if self._charging is None or str(payload["transactionId"]) != self._charging:
                return {"status": "Rejected"}
            self._stop_requested.set()  # the session loop stops charging at its next meter value
            return {"status": "Accepted"}
        if action == "SetVariables":
            return {"setVariableResult": [
                {"attributeStatus": "Accepted", "component": x["component"], "variable": x["variable"]}
                for x in payload["setVariableData"]
            ]}  # fmt: skip
        if action == "UnlockConnector":
            return {"status": "Unlocked"}
        if action in ("CostUpdated", "NotifyWebPaymentStarted"):
            return {}
        raise NotImplementedError(action)

    def _configuration(self) -> list[dict[str, Any]]:
        dialect = self.profile.dialect
        keys = [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]
        for item in dialect.configuration if dialect else ():
            if "1.6" in item.ocpp_versions:
                value = dialect.resolve(item.expected, self.profile.params) if dialect else None
                keys.append({"key": item.key, "readonly": item.readonly, "value": str(value or "")})
        return keys


def _issued_key(message: Message) -> str:
    data = message.reply.data if message.reply else None
    for key, value in (data or {}).items():
        if value == "$issued_token":
            return str(key)
    raise SessionFailed(f"{message.name} issues a token but its reply names no field for it")


def _expect(condition: bool, reason: str) -> None:
    if not condition:
        raise SessionFailed(reason)


def _now() -> str:
    """Now, as OCPP messages carry a time."""
    return format_time(now())
