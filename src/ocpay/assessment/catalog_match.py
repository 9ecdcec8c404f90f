"""Catalog lookup: the catalog entry that covers a charger x terminal pair named in words."""

from __future__ import annotations

from ocpay.integrations.catalog import Catalog, CatalogEntry, Hardware


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").split())


def hardware_matches(hardware: Hardware, text: str | None) -> bool:
    """`text` ("Maker Model") names this hardware: same manufacturer, and one of its models (or none given)."""
    if not text:
        return False
    wanted, maker = _norm(text), _norm(hardware.manufacturer)
    if not wanted.startswith(maker):
        return False
    rest = wanted[len(maker) :].strip()
    if not rest:
        return True
    return any(
        model.startswith("(") or _norm(model) == rest or _norm(model).replace(" ", "") == rest.replace(" ", "")
        for model in hardware.models
    )


def find_entry(catalog: Catalog | None, charger: str | None, terminal: str | None) -> CatalogEntry | None:
    """The first catalog entry whose charger and terminal both match the names given, or None."""
    if catalog is None or not charger or not terminal:
        return None
    for entry in catalog:
        if hardware_matches(entry.charger, charger) and hardware_matches(entry.terminal, terminal):
            return entry
    return None
