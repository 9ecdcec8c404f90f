"""OCPP-J frames as the readers see them: parsing, the sender of a standard action, answers paired with calls."""

from __future__ import annotations

from typing import Any

from ocpay.assessment.evidence import Direction, Evidence, FrameKind, Observed, decode_data, parse_json
from ocpay.assessment.readers.common import excerpt_of

# Standard actions whose sender is fixed; used when the documentation does not say who sends a frame.
TO_CSMS_ACTIONS = frozenset(
    {
        "Authorize",
        "BootNotification",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "NotifyEvent",
        "NotifyReport",
        "NotifySettlement",
        "SecurityEventNotification",
        "SignCertificate",
        "StartTransaction",
        "StatusNotification",
        "StopTransaction",
        "TransactionEvent",
        "VatNumberValidation",
    }
)
TO_STATION_ACTIONS = frozenset(
    {
        "CancelReservation",
        "ChangeAvailability",
        "ChangeConfiguration",
        "ClearCache",
        "CostUpdated",
        "GetConfiguration",
        "GetVariables",
        "NotifyWebPaymentStarted",
        "RemoteStartTransaction",
        "RemoteStopTransaction",
        "RequestStartTransaction",
        "RequestStopTransaction",
        "Reset",
        "SetChargingProfile",
        "SetVariables",
        "TriggerMessage",
        "UnlockConnector",
    }
)
_KIND_OF_TYPE: dict[int, FrameKind] = {2: "call", 3: "result", 4: "error", 5: "error", 6: "send"}


def parse_frame(frame: Any) -> tuple[int, str, str | None, Any, str | None]:
    """An OCPP-J frame -> (message type, unique id, action, payload, error code); ValueError if it is none."""
    if not isinstance(frame, list) or len(frame) < 3:
        raise ValueError("not an OCPP-J frame (an array [type, id, ...])")
    kind, unique_id = frame[0], frame[1]
    if type(kind) is not int or kind not in (2, 3, 4, 5, 6):
        raise ValueError(f"unknown message type {kind!r} (OCPP-J knows 2 to 6)")
    if not isinstance(unique_id, str):
        raise ValueError("the message id (second element) is not a string")
    if kind in (2, 6):
        if len(frame) != 4 or not isinstance(frame[2], str):
            raise ValueError(f"a type {kind} frame is [{kind}, id, action, payload]")
        if not isinstance(frame[3], dict):
            raise ValueError(f"the payload of {frame[2]} is not a JSON object")
        return kind, unique_id, frame[2], frame[3], None
    if kind == 3:
        if len(frame) != 3 or not isinstance(frame[2], dict):
            raise ValueError("a CALLRESULT is [3, id, payload] with an object payload")
        return kind, unique_id, None, frame[2], None
    if len(frame) != 5 or not isinstance(frame[2], str):
        raise ValueError(f"a type {kind} frame is [{kind}, id, errorCode, description, details]")
    return kind, unique_id, None, frame[4], frame[2]


def observe_frame(
    frame: Any, direction: Direction | None, evidence: Evidence, *, station: str | None = None
) -> Observed:
    """Turn a frame into an observed message (ValueError when it is not a frame)."""
    message_type, unique_id, action, payload, error_code = parse_frame(frame)
    known = direction is not None
    if direction is None:
        direction = _direction_of_action(action) or "to_csms"
        known = action in TO_CSMS_ACTIONS or action in TO_STATION_ACTIONS
    observed = Observed(
        kind=_KIND_OF_TYPE[message_type],
        direction=direction,
        direction_known=known,
        action=action,
        payload=payload,
        unique_id=unique_id,
        frame=frame,
        station=station,
        evidence=evidence,
        error_code=error_code,
    )
    if action == "DataTransfer":
        fill_data_transfer(observed, payload)
    return observed


def observe_log_entry(item: Any, evidence: Evidence) -> Observed:
    """A log entry `{"timestamp", "station", "direction", "message"}` as an observed message (ValueError if not)."""
    if not isinstance(item, dict):
        raise ValueError("not an object with timestamp, station, direction and message")
    direction = item.get("direction")
    if direction not in ("to_csms", "to_station"):
        raise ValueError(f"direction is {direction!r}, not to_csms or to_station")
    frame = item.get("message")
    if isinstance(frame, str):
        try:
            frame = parse_json(frame)
        except ValueError as exc:
            raise ValueError(f"message is a string but not a JSON frame ({exc})") from None
    if frame is None:
        raise ValueError("no message")
    station = item.get("station")
    evidence.excerpt = excerpt_of(frame)
    observed = observe_frame(frame, direction, evidence, station=station if isinstance(station, str) else None)
    timestamp = item.get("timestamp")
    observed.timestamp = timestamp if isinstance(timestamp, str) else None
    return observed


def fill_data_transfer(observed: Observed, payload: dict[str, Any]) -> None:
    """Copy a DataTransfer payload's vendorId, messageId and decoded data onto the observed message."""
    vendor = payload.get("vendorId")
    message_id = payload.get("messageId")
    observed.vendor_id = vendor if isinstance(vendor, str) else None
    observed.message_id = message_id if isinstance(message_id, str) else None
    observed.data, observed.data_is_json, observed.data_was_string = decode_data(payload.get("data"))


def _direction_of_action(action: str | None) -> Direction | None:
    if action in TO_CSMS_ACTIONS:
        return "to_csms"
    if action in TO_STATION_ACTIONS:
        return "to_station"
    return None


def link(call: Observed, answer: Observed) -> None:
    """Pair an answer with its call (both ways)."""
    call.answer, answer.answers = answer, call


class Pairing:
    """Pairs answers (CALLRESULT / CALLERROR) with their CALL by message id, the way a CSMS does."""

    def __init__(self) -> None:
        self._pending: dict[tuple[str | None, Direction, str], Observed] = {}
        self.last_call: Observed | None = None

    def add(self, observed: Observed) -> None:
        """Remember a CALL, or pair an answer with the open CALL it answers."""
        if observed.kind == "call":
            assert observed.unique_id is not None
            self._pending[(observed.station, observed.direction, observed.unique_id)] = observed
            self.last_call = observed
            return
        if observed.kind not in ("result", "error") or observed.unique_id is None:
            return
        other: Direction = "to_station" if observed.direction == "to_csms" else "to_csms"
        call = self._pending.pop((observed.station, other, observed.unique_id), None)
        if call is None and not observed.direction_known:
            # A document rarely says who sends an answer: any open CALL with that id will do.
            for key in list(self._pending):
                if key[0] == observed.station and key[2] == observed.unique_id:
                    call = self._pending.pop(key)
                    break
        if call is not None:
            self._link(call, observed)

    @staticmethod
    def _link(call: Observed, answer: Observed) -> None:
        link(call, answer)
        answer.action = call.action
        if not answer.direction_known:
            answer.direction = "to_station" if call.direction == "to_csms" else "to_csms"
