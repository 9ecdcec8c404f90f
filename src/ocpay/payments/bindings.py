"""Which dialect each station speaks: bindings to catalog entries, matching at boot, and the dialects' claims.

A station is bound explicitly by the operator (`bind`), or by its BootNotification (the catalog
entry its vendor and model match). Custom messages (DataTransfer) are routed through the station's
dialect first, then through any dialect that alone claims their (vendorId, messageId).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ocpay.charging.configuration import SET
from ocpay.integrations.catalog import Catalog
from ocpay.integrations.dialects import ConfigurationKey, Dialect, DialectSet, Message
from ocpay.payments.custom_messages import CustomHandler, CustomMessages
from ocpay.store.db import Database
from ocpay.store.queries import charging as settings_queries
from ocpay.store.queries import payments as queries


@dataclass(frozen=True, slots=True)
class Binding:
    """The dialect a station speaks, with the parameters its catalog entry or operator set."""

    dialect: Dialect
    params: dict[str, Any]
    entry_id: str | None
    bound: bool = False  # by the operator: matching at boot leaves it alone
    adopted: dict[str, str] = field(default_factory=dict)  # parameter -> the station's value (binding left it unset)


class Claim(NamedTuple):
    """A dialect's message that a station's message is read as, with the parameters to read it with."""

    dialect: Dialect
    message: Message
    params: dict[str, Any]


class Bindings:
    """The station -> dialect bindings (kept in memory, read from the stations table) and the DataTransfer claims."""

    def __init__(
        self, db: Database, dialects: DialectSet, catalog: Catalog, custom: CustomMessages, handler: CustomHandler
    ) -> None:
        self.db = db
        self.dialects = dialects
        self.catalog = catalog
        self.custom = custom
        self.handler = handler  # where the custom messages a dialect claims are routed
        self._bindings: dict[str, Binding] = {}
        self._claims: dict[tuple[str, str], list[Claim]] = {}
        self._given: dict[str, dict[str, Any]] = {}  # station -> the parameters the operator gave
        self._reported: dict[str, dict[str, str]] = {}  # station -> configuration key -> value it reported

    def get(self, station_id: str) -> Binding | None:
        """The station's binding, or None while it has none."""
        return self._bindings.get(station_id)

    def claim_all(self) -> None:
        """Claim each dialect's DataTransfers as its defaults and each catalog entry's parameters resolve them."""
        for dialect in self.dialects:
            self._claim(dialect, dialect.parameter_defaults())
        for entry in self.catalog:
            dialect = self.dialects.get(entry.dialect) if entry.dialect else None
            if dialect is not None:
                self._claim(dialect, {**dialect.parameter_defaults(), **entry.parameters})

    async def refresh(self) -> None:
        """Re-read the bindings (another process, the CLI, may have changed them) and the values they adopt."""
        sources = [*(d.configuration for d in self.dialects), *(e.configuration for e in self.catalog)]
        keys = sorted({key for configuration in sources for key in _parameter_keys(configuration).values()})
        async with self.db.read() as s:
            stations = await queries.bound_stations(s)
            reported = await settings_queries.settings_of_keys(s, keys) if keys else []
        self._reported = {}
        for setting in reported:
            self._reported.setdefault(setting.station_id, {})[setting.key] = setting.value or ""
        for station in stations:
            self._set(station.id, station.integration, station.integration_params or {}, station.integration_bound)
        for station_id in set(self._bindings) - {station.id for station in stations}:
            del self._bindings[station_id]

    async def bind(self, station_id: str, entry_id: str, params: dict[str, Any] | None = None) -> Binding:
        """Bind a station to a catalog entry (the operator's choice wins over matching at boot)."""
        entry = self.catalog.get(entry_id)
        if entry is None:
            raise LookupError(f"no catalog entry {entry_id!r}")
        if entry.dialect is None:
            raise ValueError(f"catalog entry {entry_id} has no dialect yet (status {entry.status})")
        dialect = self.dialects.get(entry.dialect)
        assert dialect is not None
        unknown = set(params or {}) - set(dialect.parameters)
        if unknown:
            raise ValueError(f"{dialect.id} has no parameters {sorted(unknown)}; it has {sorted(dialect.parameters)}")
        async with self.db.write() as s:
            station = await queries.station(s, station_id)
            if station is None:
                raise LookupError(f"no station {station_id}")
            station.integration, station.integration_bound = entry_id, True
            station.integration_params = dict(params or {})
        binding = self._set(station_id, entry_id, params or {}, bound=True)
        assert binding is not None
        return binding

    async def match_at_boot(self, station_id: str, vendor: str, model: str) -> None:
        """Bind a booting station to the catalog entry its vendor and model match, unless the operator bound it."""
        binding = self._bindings.get(station_id)
        if binding is not None and binding.bound:
            return
        entry = self.catalog.match(vendor, model)
        if (binding.entry_id if binding else None) == (entry.id if entry else None):
            return  # the usual boot: nothing changes, nothing to write
        async with self.db.write() as s:
            station = await queries.station(s, station_id)
            if station is None or station.integration_bound:
                return
            station.integration = entry.id if entry else None
            params = station.integration_params or {}
        self._set(station_id, entry.id if entry else None, params)

    def adopt(self, station_id: str, reported: dict[str, str | None]) -> Binding | None:
        """The station's binding once it takes the station's values (reported settings) for the parameters it leaves
        unset (None after the operator's, the catalog entry's and the dialect's values): a static idTag, say."""
        self._reported[station_id] = {k: v or "" for k, v in reported.items()}
        binding = self._bindings.get(station_id)
        if binding is None:
            return None
        return self._set(station_id, binding.entry_id, self._given.get(station_id, {}), binding.bound)

    def configuration(self, binding: Binding, version: str | None) -> list[ConfigurationKey]:
        """The configuration keys the binding's dialect and catalog entry name for an OCPP version (the entry's
        own wins where both name a key; all versions when `version` is None)."""
        entry = self.catalog.get(binding.entry_id) if binding.entry_id else None
        found: dict[str, ConfigurationKey] = {}
        for key in [*(entry.configuration if entry else []), *binding.dialect.configuration]:
            found.setdefault(key.key, key)
        return [key for key in found.values() if version is None or version in key.ocpp_versions]

    def params_for(self, station_id: str, dialect: Dialect) -> dict[str, Any]:
        """The station's parameters if it is bound to `dialect`, else the dialect's defaults."""
        binding = self._bindings.get(station_id)
        return binding.params if binding is not None and binding.dialect is dialect else dialect.parameter_defaults()

    def dialects_for(self, station_id: str, session_dialect: str | None) -> list[tuple[Dialect, dict[str, Any]]]:
        """The dialects that act on a station's session: its binding's, then the session's own if another."""
        binding = self._bindings.get(station_id)
        found: list[tuple[Dialect, dict[str, Any]]] = []
        if binding is not None:
            found.append((binding.dialect, binding.params))
        if session_dialect and (binding is None or session_dialect != binding.dialect.id):
            dialect = self.dialects.get(session_dialect)
            if dialect is not None:
                found.append((dialect, dialect.parameter_defaults()))
        return found

    def data_transfer(self, station_id: str, vendor_id: str, message_id: str | None) -> Claim | None:
        """The dialect message a DataTransfer is: the station's dialect's, else the one dialect claiming it."""
        binding = self._bindings.get(station_id)
        if binding is not None:
            for message in binding.dialect.messages:
                if (
                    message.kind == "data_transfer"
                    and message.direction == "to_csms"
                    and message.message_id == message_id
                    and binding.dialect.resolve(message.vendor_id, binding.params) == vendor_id
                ):
                    return Claim(binding.dialect, message, binding.params)
        claims = self._claims.get((vendor_id, message_id or ""), [])
        if len({claim.dialect.id for claim in claims}) == 1:
            return claims[0]
        return None  # nobody, or several dialects: ambiguous without a binding

    def action_message(self, station_id: str, action: str) -> Claim | None:
        """The dialect message answering a standard payment action: the station's dialect first, then any."""
        binding = self._bindings.get(station_id)
        dialects = ([binding.dialect] if binding else []) + [
            d for d in self.dialects if not binding or d is not binding.dialect
        ]
        for dialect in dialects:
            for message in dialect.messages:
                if message.kind == "ocpp_action" and message.action == action and message.direction == "to_csms":
                    return Claim(dialect, message, self.params_for(station_id, dialect))
        return None

    def _set(
        self, station_id: str, entry_id: str | None, params: dict[str, Any], bound: bool = False
    ) -> Binding | None:
        entry = self.catalog.get(entry_id) if entry_id else None
        dialect = self.dialects.get(entry.dialect) if entry and entry.dialect else None
        if entry is None or dialect is None:
            self._bindings.pop(station_id, None)
            self._given.pop(station_id, None)
            return None
        merged = {**dialect.parameter_defaults(), **entry.parameters, **params}
        adopted = self._adoptable(station_id, merged, [*entry.configuration, *dialect.configuration])
        merged.update(adopted)
        self._given[station_id] = dict(params)
        binding = self._bindings[station_id] = Binding(dialect, merged, entry.id, bound, adopted)
        self._claim(dialect, merged)
        return binding

    def _adoptable(self, station_id: str, params: dict[str, Any], keys: list[ConfigurationKey]) -> dict[str, str]:
        """parameter -> the value the station reported for its key, for each parameter `params` leaves None."""
        reported = self._reported.get(station_id, {})
        adopted: dict[str, str] = {}
        for name, key in _parameter_keys(keys).items():
            value = reported.get(key)
            if params.get(name) is None and value and value != SET:
                adopted[name] = value
        return adopted

    def _claim(self, dialect: Dialect, params: dict[str, Any]) -> None:
        """Route the dialect's incoming DataTransfers (as resolved with these parameters) to the handler."""
        for message in dialect.messages:
            if message.kind != "data_transfer" or message.direction != "to_csms":
                continue
            vendor_id = dialect.resolve(message.vendor_id, params)
            if vendor_id is None or message.message_id is None:
                continue
            claims = self._claims.setdefault((vendor_id, message.message_id), [])
            if not any(claim.dialect.id == dialect.id for claim in claims):
                claims.append(Claim(dialect, message, params))
            self.custom.register(vendor_id, message.message_id, self.handler)


def _parameter_keys(keys: list[ConfigurationKey]) -> dict[str, str]:
    """parameter -> the configuration key whose expected value it is (`expected: $param.name`); first one wins."""
    found: dict[str, str] = {}
    for key in keys:
        if key.expected and key.expected.startswith("$param."):
            found.setdefault(key.expected.removeprefix("$param."), key.key)
    return found
