"""Shared conversions between OCPP payload fragments and the neutral model."""

from __future__ import annotations

from typing import Any

from ocpay.ocpp.model import Authorization, CustomData, IdToken, MeterSample, format_time, parse_time


def id_token_v2(data: dict[str, Any]) -> IdToken:
    """A 2.x IdTokenType as a neutral IdToken."""
    extra = tuple((i["type"], i["additionalIdToken"]) for i in data.get("additionalInfo") or ())
    return IdToken(data["idToken"], data["type"], extra)


def id_tag_info(auth: Authorization) -> dict[str, Any]:
    """1.6 IdTagInfo."""
    status = auth.status if auth.status in ("Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx") else "Invalid"
    info: dict[str, Any] = {"status": status}
    if auth.expiry:
        info["expiryDate"] = format_time(auth.expiry)
    if auth.parent_id:
        info["parentIdTag"] = auth.parent_id
    return info


def id_token_info(auth: Authorization) -> dict[str, Any]:
    """2.x IdTokenInfo."""
    info: dict[str, Any] = {"status": auth.status}
    if auth.expiry:
        info["cacheExpiryDateTime"] = format_time(auth.expiry)
    if auth.parent_id:
        info["groupIdToken"] = {"idToken": auth.parent_id, "type": "Central"}
    return info


def meter_samples(meter_values: list[dict[str, Any]], version: str) -> tuple[MeterSample, ...]:
    """The numeric samples of MeterValue objects (1.6 strings parsed, 2.x multipliers applied)."""
    samples = []
    for mv in meter_values:
        moment = parse_time(mv["timestamp"])
        assert moment is not None
        for sv in mv["sampledValue"]:
            if version == "1.6":
                try:
                    value = float(sv["value"])  # 1.6 values are strings
                except ValueError:
                    continue  # SignedData and other non-numeric formats carry no reading we use
                unit = sv.get("unit")
            else:
                value = float(sv["value"])
                unit_of_measure = sv.get("unitOfMeasure") or {}
                unit = unit_of_measure.get("unit", "Wh")
                value *= 10 ** unit_of_measure.get("multiplier", 0)
            samples.append(
                MeterSample(
                    timestamp=moment,
                    measurand=sv.get("measurand", "Energy.Active.Import.Register"),
                    value=value,
                    unit=unit,
                    phase=sv.get("phase"),
                    location=sv.get("location"),
                    context=sv.get("context"),
                )
            )
    return tuple(samples)


def custom_data(payload: dict[str, Any]) -> CustomData | None:
    """The 2.x `customData` object of a message, with the transaction the message belongs to; None without one."""
    data = payload.get("customData")
    if not isinstance(data, dict):
        return None
    info = payload.get("transactionInfo")
    transaction_id = (info.get("transactionId") if isinstance(info, dict) else None) or payload.get("transactionId")
    return CustomData(data.get("vendorId"), data, None if transaction_id is None else str(transaction_id))
