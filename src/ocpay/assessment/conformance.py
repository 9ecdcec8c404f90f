"""Frames that break the official OCPP schemas, or that the station's OCPP version does not define."""

from __future__ import annotations

from ocpay.assessment.evidence import Documentation, Observed
from ocpay.assessment.gaps import Gap
from ocpay.ocpp.schemas import SCHEMAS, SchemaViolation, actions
from ocpay.payments.redaction import mask

# The official schemas, compiled once per process. The container builds its own SchemaSet for the
# gateway; both should share one instance (ocpay.ocpp.schemas could expose it).


def standard_violations(doc: Documentation, version: str) -> list[Gap]:
    """One gap per distinct breach of the official schemas (or unknown action), with every frame that shows it."""
    known = actions(version)
    grouped: dict[tuple[str, str, str], Gap] = {}
    for observed in doc.messages:
        if observed.kind in ("declared", "example", "error") or not observed.action or observed.payload is None:
            continue  # declarations, bare examples and recorded samples are not frames
        found = _non_standard(observed, version) if observed.action not in known else _violation(observed, version)
        if found is None:
            continue
        key, gap = found
        grouped.setdefault(key, gap).evidence.append(observed.evidence)
    return list(grouped.values())


def _non_standard(observed: Observed, version: str) -> tuple[tuple[str, str, str], Gap]:
    action = observed.action or ""
    detail = f"{action} is not an OCPP {version} action; no CSMS speaking OCPP {version} can answer it"
    return ("non_standard_frame", action, ""), Gap("non_standard_frame", action, detail)


def _violation(observed: Observed, version: str) -> tuple[tuple[str, str, str], Gap] | None:
    response = observed.kind == "result"
    action = observed.action or ""
    try:
        SCHEMAS.validate(version, action, observed.payload, response=response)
    except SchemaViolation as exc:
        sender = "station" if observed.direction == "to_csms" else "CSMS"
        what = f"{action}{' answer' if response else ''}"
        detail = (
            f"sent by the {sender}, breaks the official OCPP {version} schema ({exc.code}): {mask(exc.description)}"
        )
        return ("schema_violation", what, exc.description), Gap("schema_violation", what, detail)
    return None
