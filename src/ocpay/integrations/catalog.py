"""The catalog: which charger x terminal pairs are supported, through which dialect, and how to set them up."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ocpay.integrations.dialects import ConfigurationKey, DialectSet
from ocpay.integrations.files import DialectError, load_model, yaml_files


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Hardware(_Strict):
    """A manufacturer and the models of theirs an entry covers."""

    manufacturer: str
    models: list[str] = Field(min_length=1)


class Match(_Strict):
    """Regular expressions on the BootNotification vendor and model (case-insensitive)."""

    vendor: str
    model: str = ".*"

    @model_validator(mode="after")
    def _compiles(self) -> Match:
        for pattern in (self.vendor, self.model):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a regular expression: {exc}") from None
        return self

    def matches(self, vendor: str | None, model: str | None) -> bool:
        """Whether both patterns are found (anywhere, any case) in the booting station's vendor and model."""
        return bool(
            re.search(self.vendor, vendor or "", re.IGNORECASE) and re.search(self.model, model or "", re.IGNORECASE)
        )


class CatalogEntry(_Strict):
    """An integration: a charger model x a terminal model -> a dialect, with its setup."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    charger: Hardware
    terminal: Hardware
    dialect: str | None  # None only while requested: no dialect covers the pair yet
    status: Literal["available", "beta", "requested"]
    ocpp_versions: list[Literal["1.6", "2.0.1", "2.1"]] = Field(min_length=1)
    match: Match | None = None
    parameters: dict[str, Any] = {}
    configuration: list[ConfigurationKey] = []
    documentation: str  # what the definition rests on, said plainly
    setup_guide: str  # Markdown

    @model_validator(mode="after")
    def _dialect_when_offered(self) -> CatalogEntry:
        if self.dialect is None and self.status != "requested":
            raise ValueError("an available or beta entry needs a dialect")
        return self

    @property
    def title(self) -> str:
        """The pair as people name it: "Charger models x Terminal models"."""
        return (
            f"{self.charger.manufacturer} {' / '.join(self.charger.models)} x "
            f"{self.terminal.manufacturer} {' / '.join(self.terminal.models)}"
        )


def _check_against_dialect(where: str, entry: CatalogEntry, dialects: DialectSet) -> None:
    assert entry.dialect is not None
    dialect = dialects.get(entry.dialect)
    if dialect is None:
        raise DialectError(f"{where}: unknown dialect {entry.dialect!r}")
    expected = [k.expected for k in entry.configuration if k.expected and k.expected.startswith("$param.")]
    referred = {value.removeprefix("$param.") for value in expected}
    unknown = (set(entry.parameters) | referred) - set(dialect.parameters)
    if unknown:
        raise DialectError(f"{where}: parameters {sorted(unknown)} are not declared by {dialect.id}")
    unsupported = set(entry.ocpp_versions) - set(dialect.ocpp_versions)
    if unsupported:
        raise DialectError(
            f"{where}: OCPP {', '.join(sorted(unsupported))} is not spoken by {dialect.id} "
            f"(it speaks {', '.join(dialect.ocpp_versions)})"
        )


def load_entry(path: Path) -> CatalogEntry:
    """The catalog entry in a YAML file; DialectError naming the file, place and reason if it is not a valid one."""
    return load_model(path, CatalogEntry, "a catalog entry is a mapping (id, charger, terminal, dialect, ...)")


class Catalog:
    """Every catalog entry the server knows, each checked against the dialect it names."""

    def __init__(self, entries: Iterable[CatalogEntry | tuple[Path, CatalogEntry]], dialects: DialectSet) -> None:
        self.by_id: dict[str, CatalogEntry] = {}
        for item in entries:
            path, entry = item if isinstance(item, tuple) else (None, item)
            where = f"{path}: catalog entry {entry.id}" if path else f"catalog entry {entry.id}"
            if entry.id in self.by_id:
                raise DialectError(f"{where}: another entry has the id {entry.id!r}")
            if entry.dialect is not None:
                _check_against_dialect(where, entry, dialects)
            self.by_id[entry.id] = entry

    @classmethod
    def load(cls, dialects: DialectSet, extra_dirs: Iterable[Path] = ()) -> Catalog:
        """The built-in entries and those of `extra_dirs`; DialectError on a bad file or a dialect misfit."""
        return cls(((p, load_entry(p)) for p in yaml_files("catalog", extra_dirs)), dialects)

    def __iter__(self) -> Any:
        return iter(self.by_id.values())

    def get(self, entry_id: str) -> CatalogEntry | None:
        """The entry with this id, or None."""
        return self.by_id.get(entry_id)

    def match(self, vendor: str | None, model: str | None) -> CatalogEntry | None:
        """The entry a booting station belongs to; only entries with a dialect can be matched."""
        for entry in self.by_id.values():
            if entry.dialect and entry.match and entry.match.matches(vendor, model):
                return entry
        return None
