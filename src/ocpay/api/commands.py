"""Commands to stations, shared by the REST API and the console: send, record the result, explain failures."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ocpay.app.container import Services
from ocpay.charging.commands import Commands, InvalidAnswer
from ocpay.charging.configuration import concealed
from ocpay.gateway.server import CallFailed, CallTimeout, StationOffline
from ocpay.ocpp.commands import UnsupportedCommand
from ocpay.ocpp.schemas import SchemaViolation


class CommandIn(BaseModel):
    """Arguments of a command; each command reads the ones it needs."""

    id_token: str | None = Field(default=None, max_length=255)
    evse_id: int | None = Field(default=None, ge=0, le=2**31 - 1)
    connector_id: int = Field(default=1, ge=0, le=2**31 - 1)
    transaction_id: str | None = Field(default=None, max_length=64)
    hard: bool = False
    key: str | None = Field(default=None, max_length=500)
    value: str | None = Field(default=None, max_length=2500)
    keys: list[str] = Field(default=[], max_length=100)
    message: str | None = Field(default=None, max_length=50)
    vendor_id: str | None = Field(default=None, max_length=255)
    message_id: str | None = Field(default=None, max_length=50)
    data: Any = None
    operative: bool = True
    timeout: float | None = Field(default=None, gt=0, le=120)


CommandName = Literal[
    "remote-start",
    "remote-stop",
    "reset",
    "set-configuration",
    "get-configuration",
    "trigger-message",
    "data-transfer",
    "unlock-connector",
    "change-availability",
]
COMMANDS: tuple[str, ...] = CommandName.__args__  # type: ignore[attr-defined]

# The arguments each command reads from `CommandIn`: what the command log keeps, as sent (a default too,
# `operative: true` say; an argument left out, None, is not kept).
ARGUMENTS: dict[str, tuple[str, ...]] = {
    "remote-start": ("id_token", "evse_id"),
    "remote-stop": ("transaction_id",),
    "reset": ("hard",),
    "set-configuration": ("key", "value"),
    "get-configuration": ("keys",),
    "trigger-message": ("message", "evse_id"),
    "data-transfer": ("vendor_id", "message_id", "data"),
    "unlock-connector": ("evse_id", "connector_id"),
    "change-availability": ("evse_id", "operative"),
}


class CommandProblem(Exception):
    """The command could not be carried out; `status` is the HTTP status that says why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def send(services: Services, station_id: str, command: str, body: CommandIn, actor: str) -> dict[str, Any]:
    """Send the command, keep it with its result in the command log, and return the station's answer."""
    if services.commands is None:
        raise CommandProblem(503, "this process holds no station connections")
    arguments = logged_arguments(command, body)
    try:
        answer = await run(services.commands, station_id, command, body)
    except StationOffline:
        problem = CommandProblem(409, f"station {station_id} is not connected")
        outcome = "offline"
    except CallTimeout as exc:
        problem, outcome = CommandProblem(504, str(exc)), "timeout"
    except CallFailed as exc:
        problem, outcome = CommandProblem(502, f"station answered {exc.code}: {exc.description}"), "error"
    except InvalidAnswer as exc:
        problem, outcome = CommandProblem(502, str(exc)), "error"
    except (SchemaViolation, UnsupportedCommand, ValueError) as exc:
        problem, outcome = CommandProblem(422, str(exc)), "refused"
    else:
        record = await services.command_log.record(
            station_id, command, arguments, "answered", answer=answer, actor=actor
        )
        return {
            "station_id": station_id,
            "command": command,
            "answer": answer,
            "command_id": record.id if record else None,
        }
    await services.command_log.record(station_id, command, arguments, outcome, error=problem.reason, actor=actor)
    raise problem


async def run(commands: Commands, station_id: str, command: str, body: CommandIn) -> dict[str, Any]:
    """Send one command with the arguments it reads from `body`; ValueError when one it needs is missing."""
    match command:
        case "remote-start":
            return await commands.remote_start(
                station_id, _need(body.id_token, "id_token"), body.evse_id, timeout=body.timeout
            )
        case "remote-stop":
            return await commands.remote_stop(
                station_id, _need(body.transaction_id, "transaction_id"), timeout=body.timeout
            )
        case "reset":
            return await commands.reset(station_id, body.hard, timeout=body.timeout)
        case "set-configuration":
            return await commands.set_configuration(
                station_id, _need(body.key, "key"), _need(body.value, "value"), timeout=body.timeout
            )
        case "get-configuration":
            return await commands.get_configuration(station_id, body.keys, timeout=body.timeout)
        case "trigger-message":
            return await commands.trigger_message(
                station_id, _need(body.message, "message"), body.evse_id, timeout=body.timeout
            )
        case "data-transfer":
            return await commands.data_transfer(
                station_id, _need(body.vendor_id, "vendor_id"), body.message_id, body.data, timeout=body.timeout
            )
        case "unlock-connector":
            return await commands.unlock_connector(
                station_id, _need(body.evse_id, "evse_id"), body.connector_id, timeout=body.timeout
            )
        case "change-availability":
            return await commands.change_availability(
                station_id, body.evse_id or 0, body.operative, timeout=body.timeout
            )
    raise ValueError(f"unknown command {command}")


def logged_arguments(command: str, body: CommandIn) -> dict[str, Any]:
    """The arguments of `command` as the command log keeps them: those it reads, a write-only secret as "set"."""
    names = ARGUMENTS.get(command)
    given = body.model_dump(exclude_unset=True) if names is None else {name: getattr(body, name) for name in names}
    if "value" in given:
        given["value"] = concealed(body.key, given["value"])
    return given


def _need(value: Any, name: str) -> Any:
    if value is None:
        raise ValueError(f"{name} is required for this command")
    return value
