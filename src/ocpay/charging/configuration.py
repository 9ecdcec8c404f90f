"""Station configuration as the CSMS sees it: write-only secrets, and what each answer says a setting now is.

Settings arrive four ways (a 1.6 GetConfiguration answer, a 2.x GetVariables answer, a 2.x
NotifyReport, and a ChangeConfiguration / SetVariables the station accepted); all of them pass
through `conceal` before they are stored, logged or shown. A write-only secret (the Basic-auth
password, a private key) is never kept: only the marker `SET` says that the station has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ocpay.ocpp.handlers.notify_report import variable_key
from ocpay.ocpp.model import ReportedVariable

SET = "set"  # what is stored and shown in place of a write-only secret the station has

# Settings whose value is a secret: matched against the variable's own name (after the last dot, 2.x
# instances stripped), case-insensitive. Each row: the pattern and why it is a secret.
WRITE_ONLY: tuple[tuple[str, str], ...] = (
    (r"^AuthorizationKey$", "1.6 security profiles 1-2: the Basic-auth password (MicroOcpp answers it, hex)"),
    (r"^BasicAuthPassword$", "2.x SecurityCtrlr.BasicAuthPassword: the Basic-auth password"),
    (r"Pass(word|phrase)$", "any password or passphrase (APN, Wi-Fi, a vendor's portal)"),
    (r"Private_?Key", "the private part of a key or certificate"),
    (r"Secret(Key)?$|^PreSharedKey$|^Psk$", "shared secrets and pre-shared keys"),
)
# The same table for the database, coarser (LIKE patterns, lower case): `is_write_only` decides on what they find.
WRITE_ONLY_LIKE = [
    "%authorizationkey",
    "%password%",
    "%passphrase%",
    "%private%key%",
    "%secret%",
    "%presharedkey",
    "%psk",
]
_WRITE_ONLY = re.compile("|".join(f"(?:{pattern})" for pattern, _ in WRITE_ONLY), re.IGNORECASE)

# A ChangeConfiguration / SetVariables status: what the CSMS records (1.6 and 2.x spell them alike).
# Accepted: the new value is in effect. RebootRequired: it is once the station reboots (re-read then).
RECORDED = {"Accepted": "value", "RebootRequired": "pending"}


def is_write_only(key: str | None) -> bool:
    """Whether the setting named `key` (1.6 key or 2.x `Component[...].Variable[...]`) holds a secret."""
    if not key:
        return False
    name = re.sub(r"\[[^\]]*\]", "", key).rsplit(".", 1)[-1]
    return bool(_WRITE_ONLY.search(name))


def concealed(key: str | None, value: str | None) -> str | None:
    """The value as it may be stored and shown: `SET` for a write-only secret the station has, else itself."""
    return SET if value and is_write_only(key) else value


def conceal(variable: ReportedVariable) -> ReportedVariable:
    """The reported variable with a write-only secret replaced by `SET`."""
    value = concealed(variable.key, variable.value)
    return variable if value == variable.value else ReportedVariable(variable.key, value, variable.readonly)


@dataclass(frozen=True, slots=True)
class Change:
    """What the station said to one setting we sent: its key, the value we sent, and its status."""

    key: str
    value: str
    status: str


def reported(version: str, answer: dict[str, Any]) -> list[ReportedVariable]:
    """The settings a GetConfiguration (1.6) or GetVariables (2.x) answer reports, concealed."""
    if version == "1.6":
        found = [
            ReportedVariable(x["key"], x.get("value"), x.get("readonly", False))
            for x in answer.get("configurationKey") or ()
        ]
    else:
        found = [
            ReportedVariable(_key(version, x), x.get("attributeValue"))
            for x in answer.get("getVariableResult") or ()
            if x.get("attributeStatus") == "Accepted"
        ]
    return [conceal(x) for x in found]


def conceal_answer(version: str, answer: dict[str, Any]) -> dict[str, Any]:
    """A GetConfiguration / GetVariables answer with every write-only secret replaced by `SET` (a copy)."""
    items_name, field = ("configurationKey", "value") if version == "1.6" else ("getVariableResult", "attributeValue")
    items = answer.get(items_name)
    if not items:
        return answer
    hidden = [{**x, field: SET} if x.get(field) and is_write_only(_key(version, x)) else x for x in items]
    return {**answer, items_name: hidden}


def _key(version: str, item: dict[str, Any]) -> str:
    return str(item["key"]) if version == "1.6" else variable_key(item["component"], item["variable"])


def changes(version: str, sent: dict[str, Any], answer: dict[str, Any]) -> list[Change]:
    """Each setting of a ChangeConfiguration (1.6) / SetVariables (2.x) with the status the station gave it."""
    if version == "1.6":
        return [Change(sent["key"], sent["value"], answer["status"])]
    values = {_key(version, x): x["attributeValue"] for x in sent.get("setVariableData") or ()}
    found = []
    for result in answer.get("setVariableResult") or ():
        key = _key(version, result)
        if key in values:
            found.append(Change(key, values[key], result["attributeStatus"]))
    return found
