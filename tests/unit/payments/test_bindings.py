"""Station -> dialect bindings: by the operator, by matching at boot, and the DataTransfers each dialect claims."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from ocpay.integrations.catalog import Catalog
from ocpay.integrations.dialects import DialectSet
from ocpay.payments.bindings import Bindings
from ocpay.store.queries import charging as settings_queries
from ocpay.store.queries import payments as queries
from tests.unit.payments.fakes import FakeDb, dialect

DIALECTS = DialectSet.load()
CATALOG = Catalog.load(DIALECTS)
DBT = "com.dbt.cardtxreport"
LOOKALIKE = dialect("""
id: test.lookalike
title: Another terminal with the same DataTransfer
version: "1"
provenance: {kind: inferred, source: written for this test}
ocpp_versions: ["1.6"]
messages:
  - {name: Report, kind: data_transfer, vendor_id: DBT.QCNG.TPE, message_id: CardTxReport, direction: to_csms}
""")


class Fixture(SimpleNamespace):
    bindings: Bindings
    registered: list[tuple[str, str | None]]
    stations: dict[str, Any]
    reported: list[Any]  # the stations' reported settings
    db: FakeDb


async def handler(station_id: str, version: str, message: Any) -> None:
    return None


@pytest.fixture
def f(monkeypatch: pytest.MonkeyPatch) -> Fixture:
    f = Fixture(registered=[], stations={}, reported=[], db=FakeDb())

    async def station(s: Any, station_id: str) -> Any:
        return f.stations.get(station_id)

    async def bound_stations(s: Any) -> list[Any]:
        return [x for x in f.stations.values() if x.integration is not None]

    monkeypatch.setattr(queries, "station", station)

    async def settings_of_keys(s: Any, keys: list[str]) -> list[Any]:
        bound = {x.id for x in await bound_stations(s)}
        return [x for x in f.reported if x.key in keys and x.station_id in bound]

    monkeypatch.setattr(queries, "bound_stations", bound_stations)
    monkeypatch.setattr(settings_queries, "settings_of_keys", settings_of_keys)
    custom = SimpleNamespace(register=lambda vendor_id, message_id, h: f.registered.append((vendor_id, message_id)))
    f.bindings = Bindings(f.db, DIALECTS, CATALOG, custom, handler)  # type: ignore[arg-type]
    return f


def add_station(f: Fixture, station_id: str, integration: str | None = None, **values: Any) -> Any:
    fields = {"id": station_id, "integration": integration, "integration_params": None, "integration_bound": False}
    f.stations[station_id] = SimpleNamespace(**{**fields, **values})
    return f.stations[station_id]


def test_each_dialect_claims_its_data_transfers_as_its_defaults_resolve_them(f: Fixture) -> None:
    f.bindings.claim_all()
    assert ("DBT.QCNG.TPE", "CardTxReport") in f.registered
    claim = f.bindings.data_transfer("ANY", "DBT.QCNG.TPE", "CardTxReport")
    assert claim is not None and (claim.dialect.id, claim.message.name) == (DBT, "CardTxReport")
    assert f.bindings.data_transfer("ANY", "DBT.QCNG.TPE", "Unknown") is None


async def test_a_bound_station_reads_its_data_transfers_with_its_own_parameters(f: Fixture) -> None:
    add_station(f, "CS1", "dbt-keren-worldline-yoneo", integration_params={"vendor_id": "ACME.TPE"})
    await f.bindings.refresh()
    claim = f.bindings.data_transfer("CS1", "ACME.TPE", "CardTxReport")
    assert claim is not None and claim.dialect.id == DBT and claim.params["vendor_id"] == "ACME.TPE"
    assert ("ACME.TPE", "CardTxReport") in f.registered


async def test_a_data_transfer_two_dialects_claim_is_read_only_where_the_station_is_bound(f: Fixture) -> None:
    custom = SimpleNamespace(register=lambda *args: None)
    both = Bindings(f.db, DialectSet([*DIALECTS, LOOKALIKE]), CATALOG, custom, handler)  # type: ignore[arg-type]
    both.claim_all()
    assert both.data_transfer("UNBOUND", "DBT.QCNG.TPE", "CardTxReport") is None
    add_station(f, "CS1", "dbt-keren-worldline-yoneo")
    await both.refresh()
    claim = both.data_transfer("CS1", "DBT.QCNG.TPE", "CardTxReport")
    assert claim is not None and claim.dialect.id == DBT


async def test_a_booting_station_is_bound_by_its_vendor_and_model(f: Fixture) -> None:
    station = add_station(f, "CS1")
    await f.bindings.match_at_boot("CS1", "DBT", "Keren")
    binding = f.bindings.get("CS1")
    assert binding is not None and binding.entry_id == "dbt-keren-worldline-yoneo" and not binding.bound
    assert station.integration == "dbt-keren-worldline-yoneo" and f.db.writes == 1
    await f.bindings.match_at_boot("CS1", "DBT", "Keren")
    assert f.db.writes == 1  # the usual boot: nothing to write
    await f.bindings.match_at_boot("CS1", "Acme", "Unknown")
    assert f.bindings.get("CS1") is None and station.integration is None


async def test_the_operator_s_binding_wins_over_matching_at_boot(f: Fixture) -> None:
    station = add_station(f, "CS1")
    await f.bindings.bind("CS1", "siemens-sicharge-d-ccv", {"card_id_tag_prefix": "EMVS"})
    assert (station.integration, station.integration_bound) == ("siemens-sicharge-d-ccv", True)
    await f.bindings.match_at_boot("CS1", "DBT", "Keren")
    binding = f.bindings.get("CS1")
    assert binding is not None and binding.bound and binding.params["card_id_tag_prefix"] == "EMVS"
    assert f.db.writes == 1


@pytest.mark.parametrize(
    ("entry", "params", "error"),
    [
        ("nope", None, LookupError),
        ("circontrol-evolve-ingenico", None, ValueError),
        ("dbt-keren-worldline-yoneo", {"colour": "red"}, ValueError),
    ],
)
async def test_binding_to_what_cannot_be_bound_says_why(
    f: Fixture, entry: str, params: dict[str, Any] | None, error: type[Exception]
) -> None:
    add_station(f, "CS1")
    with pytest.raises(error):
        await f.bindings.bind("CS1", entry, params)
    assert f.bindings.get("CS1") is None


async def test_a_binding_removed_elsewhere_is_dropped_on_refresh(f: Fixture) -> None:
    station = add_station(f, "CS1", "dbt-keren-worldline-yoneo")
    await f.bindings.refresh()
    assert f.bindings.get("CS1") is not None
    station.integration = None
    await f.bindings.refresh()
    assert f.bindings.get("CS1") is None


async def test_a_session_s_own_dialect_acts_beside_the_station_s(f: Fixture) -> None:
    add_station(f, "CS1", "dbt-keren-worldline-yoneo")
    await f.bindings.refresh()
    found = f.bindings.dialects_for("CS1", "ocpp21.direct-payment")
    assert [d.id for d, _ in found] == [DBT, "ocpp21.direct-payment"]
    assert [d.id for d, _ in f.bindings.dialects_for("CS1", DBT)] == [DBT]
    assert f.bindings.dialects_for("CS2", None) == []


# -- the station's values for what the binding leaves unset ----------------------------------------------------
def report(f: Fixture, station_id: str, key: str, value: str) -> None:
    f.reported.append(SimpleNamespace(station_id=station_id, key=key, value=value))


@pytest.mark.parametrize(
    ("given", "reported", "static_id_tag", "adopted"),
    [
        ({}, "TPE-TAG-7", "TPE-TAG-7", {"static_id_tag": "TPE-TAG-7"}),  # unset: the station's value
        ({"static_id_tag": "MINE"}, "TPE-TAG-7", "MINE", {}),  # set by the operator: kept (a mismatch)
        ({}, "", None, {}),  # the station has none either
        ({}, "set", None, {}),  # a write-only secret's marker is never a value
    ],
)
async def test_a_parameter_the_binding_leaves_unset_takes_the_station_value(
    f: Fixture, given: dict[str, Any], reported: str, static_id_tag: str | None, adopted: dict[str, str]
) -> None:
    add_station(f, "CS1", "dbt-keren-worldline-yoneo", integration_params=given)
    report(f, "CS1", "TPE_OCPP_TAGID", reported)
    await f.bindings.refresh()
    binding = f.bindings.get("CS1")
    assert binding is not None
    assert (binding.params["static_id_tag"], binding.adopted) == (static_id_tag, adopted)


async def test_a_value_set_by_default_is_not_replaced_by_the_station(f: Fixture) -> None:
    add_station(f, "CS1", "dbt-keren-worldline-yoneo")
    report(f, "CS1", "TPE_OCPP_VENDORID", "ACME.TPE")  # the dialect's default DBT.QCNG.TPE stays: a mismatch
    await f.bindings.refresh()
    binding = f.bindings.get("CS1")
    assert binding is not None and binding.params["vendor_id"] == "DBT.QCNG.TPE" and binding.adopted == {}


async def test_adopting_at_boot_changes_the_binding_at_once_and_an_operator_value_later_wins(f: Fixture) -> None:
    add_station(f, "CS1", "dbt-keren-worldline-yoneo")
    await f.bindings.refresh()
    binding = f.bindings.adopt("CS1", {"TPE_OCPP_TAGID": "TPE-TAG-7", "TPE_OCPP_DATA": "on"})
    assert binding is not None and binding.params["static_id_tag"] == "TPE-TAG-7"
    assert f.bindings.adopt("UNBOUND", {"TPE_OCPP_TAGID": "X"}) is None
    binding = await f.bindings.bind("CS1", "dbt-keren-worldline-yoneo", {"static_id_tag": "MINE"})
    assert binding.params["static_id_tag"] == "MINE" and binding.adopted == {}


def test_the_configuration_of_a_binding_is_the_entry_keys_then_the_dialect_keys_for_a_version(f: Fixture) -> None:
    binding = f.bindings._set("CS1", "dbt-keren-worldline-yoneo", {})
    assert binding is not None
    keys = [k.key for k in f.bindings.configuration(binding, "1.6")]
    assert keys[:3] == ["TPE_OCPP_TAGID", "TPE_OCPP_VENDORID", "TPE_OCPP_DATA"] and len(keys) == len(set(keys))
    assert f.bindings.configuration(binding, "2.0.1") == []  # every key of the entry is a 1.6 key
