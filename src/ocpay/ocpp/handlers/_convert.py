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


# The unit of a sampled value that names none, by measurand. The spec states one default, "Wh if the
# (default) measurand is an Energy type" (1.6 SampledValue.unit, 2.x UnitOfMeasureType.unit); for the
# others it is the unit each measurand's definition names (1.6 section 7.31, 2.x Part 2 appendix
# "Standardized units of measurements"): SoC and the displayed SOCs in percent, frequency in Hz, the
# remaining times in seconds. Temperature, which names none, is taken as Celsius, the unit every
# station we know uses. Dimensionless measurands (Power.Factor, RPM, the 2.1 display flags) and
# measurands of no version (a vendor's own) get none.
_UNIT_OF: dict[str, tuple[str, ...]] = {
    "Wh": (
        "Energy.Active.Export.Register",
        "Energy.Active.Import.Register",
        "Energy.Active.Export.Interval",
        "Energy.Active.Import.Interval",
        "Energy.Active.Net",
        "Energy.Active.Import.CableLoss",
        "Energy.Active.Import.LocalGeneration.Register",
        "Energy.Active.Setpoint.Interval",
        "EnergyRequest.Target",
        "EnergyRequest.Minimum",
        "EnergyRequest.Maximum",
        "EnergyRequest.Minimum.V2X",
        "EnergyRequest.Maximum.V2X",
        "EnergyRequest.Bulk",
        "Display.BatteryEnergyCapacity",
    ),
    "varh": (
        "Energy.Reactive.Export.Register",
        "Energy.Reactive.Import.Register",
        "Energy.Reactive.Export.Interval",
        "Energy.Reactive.Import.Interval",
        "Energy.Reactive.Net",
    ),
    "VAh": ("Energy.Apparent.Net", "Energy.Apparent.Import", "Energy.Apparent.Export"),
    "W": (
        "Power.Active.Export",
        "Power.Active.Import",
        "Power.Active.Setpoint",
        "Power.Active.Residual",
        "Power.Offered",
        "Power.Export.Minimum",
        "Power.Export.Offered",
        "Power.Import.Minimum",
        "Power.Import.Offered",
    ),
    "var": ("Power.Reactive.Export", "Power.Reactive.Import"),
    "A": (
        "Current.Export",
        "Current.Export.Offered",
        "Current.Export.Minimum",
        "Current.Import",
        "Current.Import.Offered",
        "Current.Import.Minimum",
        "Current.Offered",
    ),
    "V": ("Voltage", "Voltage.Minimum", "Voltage.Maximum"),
    "Hz": ("Frequency",),
    "Percent": ("SoC", "Display.PresentSOC", "Display.MinimumSOC", "Display.TargetSOC", "Display.MaximumSOC"),
    "s": (
        "Display.RemainingTimeToMinimumSOC",
        "Display.RemainingTimeToTargetSOC",
        "Display.RemainingTimeToMaximumSOC",
    ),
    "Celsius": ("Temperature",),
}
DEFAULT_UNITS: dict[str, str] = {measurand: unit for unit, measurands in _UNIT_OF.items() for measurand in measurands}


def default_unit(measurand: str) -> str | None:
    """The unit a sample of `measurand` has when it names none (DEFAULT_UNITS); None for a dimensionless one."""
    return DEFAULT_UNITS.get(measurand)


# OCPP 2.x UnitOfMeasureType.multiplier is a power of ten; the SI prefixes span yocto (-24) to yotta (24).
MAX_MULTIPLIER = 24


def meter_samples(meter_values: list[dict[str, Any]], version: str) -> tuple[MeterSample, ...]:
    """The numeric samples of MeterValue objects (1.6 strings parsed, 2.x multipliers applied).

    A sample without a unit has its measurand's default unit (DEFAULT_UNITS), not Wh whatever it measures.

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
                unit = unit_of_measure.get("unit")
                value = float(sv["value"]) * 10.0 ** _multiplier(unit_of_measure.get("multiplier", 0))
            unit = unit or default_unit(measurand)
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
