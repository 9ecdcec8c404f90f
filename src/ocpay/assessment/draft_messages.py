"""One drafted dialect message from the examples of a custom message: its event, field map and identifiers are guesses.

The guesses go by names and values: a messageId like "PaymentCompleted" with an amount reports
`settled`; a status field's values report events by the status table (`vocabulary.STATUS_WORDS`:
`APPROVED` authorised, `DECLINED`/`REFUSE`/`KO` declined, `Captured`/`Committed` settled...);
an amount in cents ("amountCents", an integer beside a decimal price, or prose saying "in cents")
gets scale 0.01; a field like "pspReference" is a payment identifier to hash, and any field that
looks like a card number or a code is dropped before storage.
"""

from __future__ import annotations

import re
from typing import Any

from ocpay.assessment.inference import json_type, status_events, values_at
from ocpay.assessment.message_set import TOKEN_KEY, CustomShape
from ocpay.assessment.vocabulary import StatusEvent, names_minor_units
from ocpay.payments.redaction import MASK, mask

_STATUS_LEAF = re.compile(
    r"^(payment_?|transaction_?|tx_?|auth(ori[sz]ation)?_?|terminal_?)?(status|state|result|outcome)$", re.IGNORECASE
)
_PRICE_LEAF = re.compile(r"price|tariff|rate", re.IGNORECASE)
_SAFE_LEAF = re.compile(r"^(currency|amount|brand|type|timestamp|time|status|.*price.*|.*value.*)$", re.IGNORECASE)
_TRIGGER_AFTER = {
    "Authorize": "authorized",
    "StartTransaction": "session_started",
    "MeterValues": "meter_values",
    "StopTransaction": "session_stopped",
}
# (payment event field, pattern on a leaf field's name): the first leaf that matches maps to that field.
_MAP_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("transaction_id", re.compile(r"^(ocpp_?)?(transaction_?id|tx_?id)$", re.IGNORECASE)),
    ("amount", re.compile(r"^(gross.*|total.*(cost|amount|value|price).*|.*amount.*|cost|final_?cost)$", re.I)),
    ("currency", re.compile(r"^currency(code)?$", re.IGNORECASE)),
    ("connector", re.compile(r"^(connector|evse)(_?id)?$", re.IGNORECASE)),
    ("brand", re.compile(r"^(brand|card_?brand|scheme|card_?type)$", re.IGNORECASE)),
    ("terminal_id", re.compile(r"^terminal_?id$", re.IGNORECASE)),
    ("receipt_url", re.compile(r"^receipt_?ur[li]$", re.IGNORECASE)),
    ("reference", re.compile(r"^(psp_?ref(erence)?|payment_?(id|ref(erence)?))$", re.IGNORECASE)),
]


def draft_message(shape: CustomShape, names: set[str], minor_units: bool = False) -> dict[str, Any]:
    """A dialect message for the shape, under a name not yet in `names` (which it joins).

    `minor_units`: the documentation's prose says amounts are in cents (an integer amount gets scale 0.01).
    """
    message: dict[str, Any] = {
        "name": _free_name(shape, names),
        "kind": shape.kind,
        "direction": shape.direction,
        "vendor_id": shape.vendor_id or "TODO",
    }
    if shape.kind == "data_transfer":
        message["message_id"] = shape.message_id or "TODO"
    else:
        message["action"] = shape.carrier
    if shape.schema and not shape.not_json:
        message["schema"] = shape.schema
    mapping, reference = infer_map(shape.schema, shape.examples)
    event, by_status = infer_events(shape, mapping)
    if by_status:
        message["event_by_status"] = by_status
    elif event:
        message["event"] = event
    if mapping:
        message["map"] = mapping
        if in_minor_units(shape, mapping, minor_units):
            message["amount_scale"] = 0.01
    identifiers = _identifiers(shape.schema, mapping, reference)
    if identifiers:
        message["payment_identifiers"] = identifiers
    if shape.direction == "to_csms":
        message["reply"] = _reply(shape, message)
    else:
        trigger = shape.after.most_common(1)[0][0] if shape.after else "StopTransaction"
        message["send_on"] = [_TRIGGER_AFTER.get(trigger, "session_stopped")]
        example = shape.examples[0] if shape.examples else None
        if isinstance(example, dict):
            message["data"] = {k: _placeholder(k, v) for k, v in example.items()}
    return message


def _free_name(shape: CustomShape, names: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_]+", "_", shape.message_id or f"{shape.carrier}_custom_data").strip("_") or "Message"
    name, n = base, 2
    while name in names:
        name, n = f"{base}_{n}", n + 1
    names.add(name)
    return name


def _identifiers(schema: dict[str, Any], mapping: dict[str, str], reference: str | None) -> dict[str, list[str]]:
    """Payment identifiers: the reference is hashed, other sensitive fields dropped."""
    identifiers: dict[str, list[str]] = {}
    drop = [p for p in sensitive_paths(schema, set(mapping.values())) if p != reference]
    if drop:
        identifiers["drop"] = drop
    if reference:
        identifiers["hash"] = [reference]
    return identifiers


def _reply(shape: CustomShape, message: dict[str, Any]) -> dict[str, Any]:
    """The CSMS's answer, from the answers the documentation shows (marks the message `issues_token` if one does)."""
    reply: dict[str, Any] = {"status": "Accepted"}
    answer = next((a for a in shape.answer_examples if isinstance(a, dict) and a), None)
    if not answer:
        return reply
    data: dict[str, Any] = {}
    for key in answer:
        if TOKEN_KEY.match(key):
            data[key] = "$issued_token"
            message["issues_token"] = True
        elif key in shape.fields():
            data[key] = f"$message.{key}"
        elif key.lower() in ("receipturl", "receipt_url"):
            data[key] = "$receipt_url"
        elif key.lower() in ("timestamp", "time"):
            data[key] = "$now"
        else:
            data[key] = f"TODO: {key} (the CSMS cannot compute it today)"
    reply["data"] = data
    return reply


def _placeholder(key: str, value: Any) -> Any:
    masked = mask(value, key)
    if isinstance(masked, str) and masked.startswith("$"):
        masked = masked.lstrip("$")
    if isinstance(masked, (dict, list)):
        return f"TODO: {key} ({json_type(value)})"
    return masked if masked != MASK else f"TODO: {key}"


def infer_event(shape: CustomShape) -> str | None:
    """The payment event the message probably reports, from its name (and whether it carries an amount)."""
    name = (shape.message_id or shape.carrier or "").lower()
    leaves = " ".join(p.lower() for p in leaf_paths(shape.schema))
    has_amount = bool(re.search(r"amount|cost|total|gross|price|value", leaves))
    if re.search(r"cancel|void|revers", name):
        return "canceled"
    if re.search(r"declin|reject", name):
        return "declined"
    if re.search(r"fail|error", name):
        return "failed"
    if re.search(r"price|tariff", name):
        return "price_requested" if shape.direction == "to_csms" else "price_shown"
    if re.search(r"auth|reserv|hold", name):
        return "authorized"
    if re.search(r"receipt|report|settle|final|capture|result|complete|payment|summary|end", name) and has_amount:
        return "settled"
    if "receipt" in name:
        return "receipt"
    return None


def leaf_paths(schema: dict[str, Any], prefix: str = "") -> list[str]:
    """The dotted paths of a schema's leaf fields, in order."""
    paths = []
    for key, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}{key}"
        if isinstance(sub, dict) and sub.get("properties"):
            paths += leaf_paths(sub, path + ".")
        else:
            paths.append(path)
    return paths


def infer_map(schema: dict[str, Any], examples: list[Any] | None = None) -> tuple[dict[str, str], str | None]:
    """(payment event field -> path in the data, the path of the payment reference) from field names.

    The status is the status-like field (`status`, `paymentStatus`, `result`, `state`...) whose
    example values the status table knows best, else the first one.
    """
    mapping: dict[str, str] = {}
    leaves = leaf_paths(schema)
    for field_name, pattern in _MAP_RULES:
        for path in leaves:
            leaf = path.rsplit(".", 1)[-1]
            if pattern.match(leaf) and path not in mapping.values():
                mapping[field_name] = path
                break
    statuses = [p for p in leaves if _STATUS_LEAF.match(p.rsplit(".", 1)[-1]) and p not in mapping.values()]
    if statuses:
        mapping["status"] = max(statuses, key=lambda p: len(status_events(values_at(examples or [], p))))
    return mapping, mapping.get("reference")


def infer_events(shape: CustomShape, mapping: dict[str, str]) -> tuple[str | None, dict[str, str]]:
    """(the message's event, its events by status value): by status when its status values say, else by name.

    A word that only says it went well (`OK`) reports the message's own event: settled for a message
    whose name and amount say it reports a result, authorised otherwise.
    """
    event = infer_event(shape)
    if "status" not in mapping:
        return event, {}
    positive: StatusEvent = "settled" if event == "settled" else "authorized"
    values = values_at(shape.examples, mapping["status"])
    values += list(_schema_at(shape.schema, mapping["status"]).get("enum") or [])
    return event, dict(status_events(values, positive))


def in_minor_units(shape: CustomShape, mapping: dict[str, str], minor_units: bool = False) -> bool:
    """The mapped amount is in cents: its name says so (`amountInCents`, `amountMinor`), or it is always an
    integer and the prose says amounts are in minor units, or a price beside it has decimals."""
    path = mapping.get("amount")
    if path is None:
        return False
    if names_minor_units(path.rsplit(".", 1)[-1]):
        return True
    amounts = values_at(shape.examples, path)
    if not amounts or not all(isinstance(a, int) and not isinstance(a, bool) for a in amounts):
        return False
    if minor_units:
        return True
    siblings = [p for p in leaf_paths(shape.schema) if p != path and _PRICE_LEAF.search(p.rsplit(".", 1)[-1])]
    prices = [v for p in siblings for v in values_at(shape.examples, p)]
    return any(isinstance(v, float) and not v.is_integer() for v in prices) and max(amounts) >= 100


def _schema_at(schema: dict[str, Any], path: str) -> dict[str, Any]:
    """The sub-schema at a dotted path ({} when the schema does not say)."""
    for key in path.split("."):
        schema = (schema.get("properties") or {}).get(key) or {}
    return schema


def sensitive_paths(schema: dict[str, Any], mapped: set[str], prefix: str = "", inherited: bool = False) -> list[str]:
    """Fields that look like payment identifiers: dropped before anything is stored (mapped ones kept)."""
    paths = []
    for key, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}{key}"
        sensitive = mask("x", key) == MASK
        if isinstance(sub, dict) and sub.get("properties"):
            if sensitive and not any(m.startswith(path + ".") for m in mapped):
                paths.append(path)
            else:
                paths += sensitive_paths(sub, mapped, path + ".", inherited or sensitive)
        elif path not in mapped and (sensitive or (inherited and not _SAFE_LEAF.match(key))):
            paths.append(path)
    return paths
