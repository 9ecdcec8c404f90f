"""Shared conversions between OCPP payload fragments and the neutral model."""

from __future__ import annotations

from typing import Any

from ocpay.ocpp.model import (
    Authorization,
    CustomData,
    IdToken,
    MeterSample,
    ValueRefused,
    format_time,
    parse_time,
    reading,
)


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


# OCPP 2.x UnitOfMeasureType.multiplier is a power of ten; the SI prefixes span yocto (-24) to yotta (24).
MAX_MULTIPLIER = 24


def meter_samples(meter_values: list[dict[str, Any]], version: str) -> tuple[MeterSample, ...]:
    """The numeric samples of MeterValue objects (1.6 strings parsed, 2.x multipliers applied).

    ValueRefused (PropertyConstraintViolation) for a value no meter can mean: not finite, a multiplier
    beyond the SI prefixes, a reading beyond MAX_READING. Never computes 10 ** multiplier unbounded.
    """
    samples = []
    for mv in meter_values:
        moment = parse_time(mv["timestamp"])
        assert moment is not None
        for sv in mv["sampledValue"]:
            measurand = sv.get("measurand", "Energy.Active.Import.Register")
            if version == "1.6":
                try:
                    value = float(sv["value"])  # 1.6 values are strings
                except ValueError:
                    continue  # SignedData and other non-numeric formats carry no reading we use
                unit = sv.get("unit")
            else:
                unit_of_measure = sv.get("unitOfMeasure") or {}
                unit = unit_of_measure.get("unit", "Wh")
                value = float(sv["value"]) * 10.0 ** _multiplier(unit_of_measure.get("multiplier", 0))
            samples.append(
                MeterSample(
                    timestamp=moment,
                    measurand=measurand,
                    value=reading(value, measurand),
                    unit=unit,
                    phase=sv.get("phase"),
                    location=sv.get("location"),
                    context=sv.get("context"),
                )
            )
    return tuple(samples)


def _multiplier(value: int) -> int:
    """A unitOfMeasure multiplier within the SI prefixes; ValueRefused otherwise."""
    if not -MAX_MULTIPLIER <= value <= MAX_MULTIPLIER:
        raise ValueRefused(
            "PropertyConstraintViolation",
            f"unitOfMeasure.multiplier {value} is outside -{MAX_MULTIPLIER}..{MAX_MULTIPLIER} (the SI prefixes)",
        )
    return int(value)


def custom_data(payload: dict[str, Any]) -> CustomData | None:
    """The 2.x `customData` object of a message, with the transaction the message belongs to; None without one."""
    data = payload.get("customData")
    if not isinstance(data, dict):
        return None
    info = payload.get("transactionInfo")
    transaction_id = (info.get("transactionId") if isinstance(info, dict) else None) or payload.get("transactionId")
    return CustomData(data.get("vendorId"), data, None if transaction_id is None else str(transaction_id))
