"""Drafting: the catalog entry to create for a compatible pair, and a dialect for a pair that needs development.

Both are checked before they are offered: a proposed entry must load as a `CatalogEntry`, a drafted
dialect as a `Dialect`. A draft's provenance is always `inferred`, with its open gaps in a header.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import yaml

from ocpay.assessment.draft_messages import draft_message
from ocpay.assessment.evidence import Documentation
from ocpay.assessment.fit import DialectFit
from ocpay.assessment.gaps import Gap
from ocpay.assessment.message_set import CustomShape, MessageSet
from ocpay.integrations.catalog import CatalogEntry
from ocpay.integrations.dialects import Dialect

_HEADER_GAPS = ("needs_csms_data", "schema_violation", "non_standard_frame", "data_not_json")
MAX_DRAFTED_MESSAGES = 50  # messages a draft spells out (and gaps its header lists); the rest are counted


def slug(text: str) -> str:
    """Lower-case words joined by dashes, for ids ("unknown" when nothing is left)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unknown"


def to_yaml(data: dict[str, Any], header: str = "") -> str:
    """YAML as the catalog and dialect files write it (keys in order), after an optional comment header."""
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _split_hardware(text: str | None) -> dict[str, Any]:
    if not text:
        return {"manufacturer": "(unknown)", "models": ["(model not specified)"]}
    maker, _, model = text.strip().partition(" ")
    return {"manufacturer": maker, "models": [model.strip() or "(model not specified)"]}


# -- the proposed catalog entry ---------------------------------------------------------------------------
def propose_entry(
    fit: DialectFit,
    parameters: dict[str, Any],
    entry: CatalogEntry | None,
    charger: str | None,
    terminal: str | None,
    version: str,
    doc: Documentation,
) -> str:
    """A catalog entry (YAML that loads) binding the pair to the dialect that fits, in beta, with a setup guide."""
    dialect = fit.dialect
    charger_hw = entry.charger.model_dump() if entry else _split_hardware(charger)
    terminal_hw = entry.terminal.model_dump() if entry else _split_hardware(terminal)
    entry_id = entry.id if entry else slug(f"{charger or 'charger'}-{terminal or 'terminal'}")
    config = [
        {k: v for k, v in key.model_dump().items() if v not in (None, "", False)} for key in dialect.configuration
    ]
    data: dict[str, Any] = {
        "id": entry_id,
        "charger": charger_hw,
        "terminal": terminal_hw,
        "dialect": dialect.id,
        "status": "beta",
        "ocpp_versions": [version] if version in dialect.ocpp_versions else list(dialect.ocpp_versions),
        "parameters": {k: v for k, v in parameters.items() if k in dialect.parameters},
        "configuration": config,
        "documentation": (
            f"Assessed by `ocpay assess` from {doc.source} on {datetime.now(UTC):%Y-%m-%d}: the station's messages "
            f"match dialect {dialect.id} by shape ({dialect.provenance.kind}: {dialect.provenance.source.strip()}). "
            f"Beta until checked with a real station."
        ),
        "setup_guide": _setup_guide(fit, parameters, entry_id, charger_hw, terminal_hw),
    }
    if not data["parameters"]:
        del data["parameters"]
    if not config:
        del data["configuration"]
    if charger_hw["manufacturer"] != "(unknown)":
        data["match"] = {
            "vendor": re.escape(charger_hw["manufacturer"]),
            "model": re.escape(charger_hw["models"][0]) if not charger_hw["models"][0].startswith("(") else ".*",
        }
    CatalogEntry.model_validate(data)  # what we propose must load
    return to_yaml(data)


def _setup_guide(
    fit: DialectFit, parameters: dict[str, Any], entry_id: str, charger: dict[str, Any], terminal: dict[str, Any]
) -> str:
    title = (
        f"{charger['manufacturer']} {' / '.join(charger['models'])} x "
        f"{terminal['manufacturer']} {' / '.join(terminal['models'])}"
    )
    params_text = ", ".join(f"`{k}` = `{v}`" for k, v in parameters.items()) or "the dialect's defaults"
    return (
        f"# {title}\n\nUses dialect `{fit.dialect.id}` with {params_text}.\n\n"
        f"## CSMS settings\n\n```sh\nocpay stations add STATION_ID --password '...' --integration {entry_id}\n```\n"
        + "".join(f"\nSet the parameter `{n}` per station.\n" for n in fit.per_station if n not in parameters)
        + "\n## How to check it works\n\nPresent a card and check that the session shows payment events "
        "(`GET /api/sessions?station_id=STATION_ID`).\n"
    )


# -- the drafted dialect --------------------------------------------------------------------------------------
def draft_has_settlement(draft: dict[str, Any]) -> bool:
    """Some message of the draft reports a settled amount (or a price): by its event, or by a status value."""
    return any(
        m.get("event") in ("settled", "price_shown") or "settled" in (m.get("event_by_status") or {}).values()
        for m in draft["messages"]
    )


def draft_header(doc: Documentation, gaps: list[Gap]) -> str:
    """The comment block on top of a drafted dialect: where it comes from and the gaps it does not close."""
    lines = [
        f"Drafted by `ocpay assess` from {doc.source} on {datetime.now(UTC):%Y-%m-%d}.",
        "Provenance: inferred. Field meanings, events and answers are guesses from examples;",
        "confirm them with the manufacturer before use. Gaps this draft does not close:",
    ]
    listed = [f"- {g.kind}: {g.message}" for g in gaps if g.kind in _HEADER_GAPS]
    lines += listed[:MAX_DRAFTED_MESSAGES]
    if len(listed) > MAX_DRAFTED_MESSAGES:
        lines.append(f"- and {len(listed) - MAX_DRAFTED_MESSAGES} more")
    return "".join(f"# {line}\n" for line in lines)


def draft_dialect(
    mset: MessageSet,
    best: DialectFit | None,
    doc: Documentation,
    charger: str | None,
    terminal: str | None,
    ignored: list[CustomShape],
) -> dict[str, Any]:
    """A dialect (as data `load_dialect` accepts) for the whole message set: the closest dialect, adjusted,
    plus the messages it lacks."""
    base: dict[str, Any] = best.dialect.model_dump(by_alias=True, exclude_defaults=True, mode="json") if best else {}
    draft = _draft_frame(mset, best, doc, charger, terminal, base)
    names: set[str] = set()
    if best:
        _adopt(draft, base, best, mset.ocpp_version, names)
    lacking = [shape for shape in (best.unmatched if best else mset.custom) if shape not in ignored]
    for shape in lacking[:MAX_DRAFTED_MESSAGES]:
        draft["messages"].append(draft_message(shape, names, doc.minor_units))
    if len(lacking) > MAX_DRAFTED_MESSAGES:
        draft["description"] += f" Drafts the first {MAX_DRAFTED_MESSAGES} of {len(lacking)} messages it lacks."
    if not draft["card_sessions"]:
        _draft_card_rule(draft, mset)
    for key in ("parameters", "card_sessions", "configuration"):
        if not draft[key]:
            del draft[key]
    Dialect.model_validate(draft)  # a draft that does not load helps nobody
    return draft


def _draft_frame(
    mset: MessageSet,
    best: DialectFit | None,
    doc: Documentation,
    charger: str | None,
    terminal: str | None,
    base: dict[str, Any],
) -> dict[str, Any]:
    """Everything of the draft but its messages: id, title, provenance, and what it keeps of the closest dialect."""
    label = " x ".join(x for x in (charger, terminal) if x) or (
        next((s.vendor_id for s in mset.custom if s.vendor_id), None) or doc.source
    )
    return {
        "id": "draft." + slug(label),
        "title": f"Draft: {label}",
        "version": "0.1",
        "provenance": {
            "kind": "inferred",
            "source": f"Inferred by ocpay assess from {doc.source}"
            + (f", starting from dialect {best.dialect.id}" if best else "")
            + "; to be confirmed with the manufacturer.",
        },
        "ocpp_versions": [mset.ocpp_version],
        "description": base.get("description", "Drafted from example messages; see the header for open gaps."),
        "parameters": dict(base.get("parameters") or {}),
        "card_sessions": list(base.get("card_sessions") or []),
        "configuration": list(base.get("configuration") or []),
        "messages": [],
    }


def _adopt(draft: dict[str, Any], base: dict[str, Any], best: DialectFit, version: str, names: set[str]) -> None:
    """Take the closest dialect's messages (for this version, under the vendorIds seen) and demanded parameters."""
    for message in base.get("messages") or []:
        message = dict(message)
        if "ocpp_versions" in message and version not in message["ocpp_versions"]:
            message["ocpp_versions"] = sorted(set(message["ocpp_versions"]) | {version})
        for fit in best.fits:
            if fit.message.name == message["name"] and fit.shape.kind == "data_transfer":
                raw = fit.message.vendor_id or ""
                if not raw.startswith("$param.") and fit.shape.vendor_id:
                    message["vendor_id"] = fit.shape.vendor_id
        names.add(message["name"])
        draft["messages"].append(message)
    for name, value in best.parameters.items():
        if name in draft["parameters"]:
            draft["parameters"][name] = {**draft["parameters"][name], "default": value}


def _draft_card_rule(draft: dict[str, Any], mset: MessageSet) -> None:
    """The card-session rule the documentation shows, as a dialect rule (with its parameter)."""
    conventions = mset.conventions
    rule = conventions.rule
    if rule == "static_id_tag":
        draft["parameters"]["static_id_tag"] = {
            "description": "the idTag of every card session (seen in the documentation)",
            "default": conventions.static,
        }
        draft["card_sessions"].append({"kind": "static_id_tag", "value": "$param.static_id_tag"})
    elif rule == "id_tag_prefix":
        draft["parameters"]["card_id_tag_prefix"] = {
            "description": "the idTag prefix of card sessions (seen in the documentation)",
            "default": conventions.prefix,
        }
        draft["card_sessions"].append({"kind": "id_tag_prefix", "value": "$param.card_id_tag_prefix"})
    elif rule == "direct_payment":
        draft["card_sessions"].append({"kind": "direct_payment", "hash_token": True})
    elif any(m.get("issues_token") for m in draft["messages"]):
        draft["card_sessions"].append({"kind": "csms_issued"})
