"""The two servers ocpay is compared with, in the same run on the same machine.

- `echo`: a bare `websockets` server that sends every frame back (the ceiling for any OCPP server
  in Python on this machine).
- `ocpp`: a plain central system written from the `ocpp` package's own documentation: its
  `ChargePoint` with one `@on` handler per action, answering from memory, no storage.

Usage: python benchmarks/servers.py echo|ocpp PORT [uvloop]
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from datetime import UTC, datetime

from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, RegistrationStatus
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed


def _now() -> str:
    return datetime.now(UTC).isoformat()


class PlainCentralSystem(ChargePoint16):
    """As in the `ocpp` package's README: handlers that answer, nothing stored."""

    @on(Action.boot_notification)
    def on_boot(
        self, charge_point_vendor: str, charge_point_model: str, **kwargs: object
    ) -> call_result.BootNotification:
        return call_result.BootNotification(current_time=_now(), interval=300, status=RegistrationStatus.accepted)

    @on(Action.heartbeat)
    def on_heartbeat(self) -> call_result.Heartbeat:
        return call_result.Heartbeat(current_time=_now())

    @on(Action.status_notification)
    def on_status(self, **kwargs: object) -> call_result.StatusNotification:
        return call_result.StatusNotification()

    @on(Action.meter_values)
    def on_meter_values(self, **kwargs: object) -> call_result.MeterValues:
        return call_result.MeterValues()

    @on(Action.start_transaction)
    def on_start(self, **kwargs: object) -> call_result.StartTransaction:
        return call_result.StartTransaction(transaction_id=1, id_tag_info={"status": "Accepted"})

    @on(Action.stop_transaction)
    def on_stop(self, **kwargs: object) -> call_result.StopTransaction:
        return call_result.StopTransaction()

    @on(Action.authorize)
    def on_authorize(self, **kwargs: object) -> call_result.Authorize:
        return call_result.Authorize(id_tag_info={"status": "Accepted"})

    @on(Action.data_transfer)
    def on_data_transfer(self, **kwargs: object) -> call_result.DataTransfer:
        return call_result.DataTransfer(status="Accepted")


async def ocpp_handler(ws: ServerConnection) -> None:
    station_id = ws.request.path.rstrip("/").split("/")[-1] if ws.request else "x"
    with contextlib.suppress(ConnectionClosed):  # the station hung up: the end of its run
        await PlainCentralSystem(station_id, ws).start()


async def echo_handler(ws: ServerConnection) -> None:
    async for message in ws:
        await ws.send(message)


async def main(kind: str, port: int) -> None:
    handler = ocpp_handler if kind == "ocpp" else echo_handler
    async with serve(handler, "127.0.0.1", port, subprotocols=["ocpp1.6"], ping_interval=None, compression=None):  # type: ignore[list-item]
        await asyncio.Future()


if __name__ == "__main__":
    if sys.argv[3:] == ["uvloop"]:
        import uvloop

        uvloop.run(main(sys.argv[1], int(sys.argv[2])))
    else:
        asyncio.run(main(sys.argv[1], int(sys.argv[2])))
