"""Dialect and catalog files: the built-in ones load; a bad file is refused with its name, place and reason."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from ocpay.integrations.catalog import Catalog, load_entry
from ocpay.integrations.dialects import DialectError, DialectSet, load_dialect
from ocpay.integrations.files import builtin_dir

BUILTIN_DIALECTS = {
    "org.openchargealliance.costmsg",
    "com.alpitronic.onsitepay",
    "com.dbt.cardtxreport",
    "ocpp21.direct-payment",
}
BUILTIN_ENTRIES = {
    "siemens-sicharge-d-ccv",
    "alpitronic-hyc-worldline-valina",
    "circontrol-evolve-ingenico",
    "kostad-unity-worldline-valina",
    "dbt-keren-worldline-yoneo",
}

# The smallest dialect that loads; each unhappy-path test breaks one thing in a copy of it.
GOOD_DIALECT: dict[str, Any] = {
    "id": "example.report",
    "title": "Example report",
    "version": "1",
    "provenance": {"kind": "inferred", "source": "written for this test"},
    "ocpp_versions": ["1.6"],
    "parameters": {"vendor_id": {"description": "the station's vendorId", "default": "Example"}},
    "messages": [
        {
            "name": "Report",
            "kind": "data_transfer",
            "vendor_id": "$param.vendor_id",
            "message_id": "Report",
            "direction": "to_csms",
            "schema": {"type": "object", "properties": {"total": {"type": "number"}}},
            "event": "settled",
            "map": {"amount": "total", "transaction_id": "tx"},
            "payment_identifiers": {"drop": ["receipt"]},
            "reply": {"status": "Accepted", "data": {"received": "$now"}},
        }
    ],
}

# The smallest catalog entry that loads (against the built-in DBT dialect).
GOOD_ENTRY: dict[str, Any] = {
    "id": "example-charger-example-terminal",
    "charger": {"manufacturer": "Example", "models": ["E1"]},
    "terminal": {"manufacturer": "PayCo", "models": ["T1"]},
    "dialect": "com.dbt.cardtxreport",
    "status": "beta",
    "ocpp_versions": ["1.6"],
    "match": {"vendor": "^Example$", "model": "E1"},
    "parameters": {"vendor_id": "EXAMPLE.TPE"},
    "documentation": "written for this test",
    "setup_guide": "# Example\n",
}


def write(directory: Path, name: str, content: dict[str, Any] | list[Any] | str) -> Path:
    path = directory / name
    text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def dialect_with(**changes: Any) -> dict[str, Any]:
    dialect = copy.deepcopy(GOOD_DIALECT)
    dialect.update(changes)
    return dialect


def message_with(**changes: Any) -> dict[str, Any]:
    message = copy.deepcopy(GOOD_DIALECT["messages"][0])
    message.update(changes)
    return message


def entry_with(**changes: Any) -> dict[str, Any]:
    entry = copy.deepcopy(GOOD_ENTRY)
    entry.update(changes)
    return entry


def dialect_refusal(path: Path) -> str:
    with pytest.raises(DialectError) as refused:
        load_dialect(path)
    return str(refused.value)


def catalog_refusal(directory: Path) -> str:
    """Load the built-in catalog plus the entries in `directory`; the error it gives."""
    with pytest.raises(DialectError) as refused:
        Catalog.load(DialectSet.load(), extra_dirs=[directory])
    return str(refused.value)


# -- the built-in files ------------------------------------------------------------------------------


def test_the_builtin_dialects_load() -> None:
    assert {d.id for d in DialectSet.load()} == BUILTIN_DIALECTS


def test_the_builtin_catalog_loads_with_one_file_per_entry() -> None:
    catalog = Catalog.load(DialectSet.load())
    assert {e.id for e in catalog} == BUILTIN_ENTRIES
    assert {p.stem for p in builtin_dir("catalog").glob("*.yaml")} == BUILTIN_ENTRIES


def test_the_test_examples_themselves_load(tmp_path: Path) -> None:
    assert load_dialect(write(tmp_path, "good.yaml", GOOD_DIALECT)).id == "example.report"
    assert load_entry(write(tmp_path, "entry.yaml", GOOD_ENTRY)).id == GOOD_ENTRY["id"]
    extra = tmp_path / "catalog"
    extra.mkdir()
    write(extra, "entry.yaml", GOOD_ENTRY)
    assert Catalog.load(DialectSet.load(), extra_dirs=[extra]).get(GOOD_ENTRY["id"]) is not None


def test_every_offered_entry_names_a_dialect_that_exists_and_speaks_its_ocpp_versions() -> None:
    dialects = DialectSet.load()
    for entry in Catalog.load(dialects):
        if entry.dialect is None:
            assert entry.status == "requested", entry.id
            continue
        dialect = dialects.get(entry.dialect)
        assert dialect is not None, f"{entry.id} names unknown dialect {entry.dialect}"
        assert set(entry.ocpp_versions) <= set(dialect.ocpp_versions), entry.id
        assert set(entry.parameters) <= set(dialect.parameters), entry.id


def test_requested_entries_say_plainly_that_no_documentation_was_found() -> None:
    for entry in Catalog.load(DialectSet.load()):
        if entry.status == "requested":
            assert entry.dialect is None
            assert "No public technical documentation was found" in entry.documentation
            assert "ocpay assess" in entry.setup_guide
            assert "message log" in entry.setup_guide


def test_every_setup_guide_has_the_sections_an_operator_needs() -> None:
    for entry in Catalog.load(DialectSet.load()):
        for section in ("## Station settings", "## Terminal portal settings", "## CSMS settings", "## How to check"):
            assert section in entry.setup_guide, f"{entry.id}: no {section!r}"
        if entry.dialect is not None:
            assert f"--integration {entry.id}" in entry.setup_guide, entry.id


def test_the_sicharge_entry_marks_card_sessions_by_the_emvs_prefix() -> None:
    dialects = DialectSet.load()
    entry = Catalog.load(dialects).get("siemens-sicharge-d-ccv")
    assert entry is not None and entry.status == "available"
    dialect = dialects.get("org.openchargealliance.costmsg")
    assert dialect is not None
    assert dialect.resolve(dialect.card_sessions[0].value, entry.parameters) == "EMVS"
    keys = {c.key for c in entry.configuration}
    assert {"PaymentCardIdTagPrefix", "PaymentTXMaxAmount", "PaymentCurrency", "CustomDisplayCostAndPrice"} <= keys
    assert "AdhocPayment" in entry.documentation


# -- matching a booting station -------------------------------------------------------------------------


def test_a_siemens_sicharge_d_boot_finds_the_sicharge_entry() -> None:
    catalog = Catalog.load(DialectSet.load())
    entry = catalog.match("Siemens", "Sicharge D")
    assert entry is not None and entry.id == "siemens-sicharge-d-ccv"
    assert catalog.match("SIEMENS AG", "SICHARGE D 300kW") is entry


def test_an_alpitronic_hyc_300_boot_finds_the_valina_entry() -> None:
    entry = Catalog.load(DialectSet.load()).match("alpitronic", "HYC300")
    assert entry is not None and entry.id == "alpitronic-hyc-worldline-valina"


def test_an_unknown_vendor_finds_no_entry() -> None:
    assert Catalog.load(DialectSet.load()).match("VendorX", "Sicharge D") is None


def test_a_requested_pair_is_not_matched_because_no_dialect_covers_it() -> None:
    assert Catalog.load(DialectSet.load()).match("Circontrol", "eVolve") is None


# -- dialect files that are refused -----------------------------------------------------------------------


def test_invalid_yaml_is_refused_with_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", "id: example.report\ntitle: Example\n  version: 1\n")
    error = dialect_refusal(path)
    assert str(path) in error
    assert "not valid YAML" in error
    assert "line 3" in error


def test_a_list_instead_of_a_mapping_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "list.yaml", [GOOD_DIALECT])
    error = dialect_refusal(path)
    assert str(path) in error
    assert "is a mapping" in error


def test_an_unknown_field_is_refused_with_its_place_in_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "colour.yaml", dialect_with(messages=[message_with(colour="blue")]))
    error = dialect_refusal(path)
    assert str(path) in error
    assert "messages.0.colour" in error
    assert "Extra inputs are not permitted" in error


def test_a_data_transfer_message_without_message_id_is_refused(tmp_path: Path) -> None:
    message = message_with()
    del message["message_id"]
    path = write(tmp_path, "no-message-id.yaml", dialect_with(messages=[message]))
    error = dialect_refusal(path)
    assert str(path) in error
    assert "messages.0" in error
    assert "needs vendor_id and message_id" in error


def test_a_schema_that_is_not_a_json_schema_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "schema.yaml", dialect_with(messages=[message_with(schema={"type": "nonsense"})]))
    error = dialect_refusal(path)
    assert str(path) in error
    assert "messages.0" in error
    assert "not a valid JSON Schema" in error


@pytest.mark.parametrize(
    "schema",
    [
        {"properties": 5},  # fastjsonschema raises AttributeError
        {"type": "string", "pattern": "["},  # re.error
        {"$ref": "http://127.0.0.1:9/schema.json"},  # fastjsonschema fetches the URL: URLError
    ],
    ids=["properties-not-a-mapping", "pattern-not-a-regex", "remote-ref"],
)
def test_any_broken_schema_is_refused_as_a_bad_file_not_a_crash(tmp_path: Path, schema: dict[str, Any]) -> None:
    path = write(tmp_path, "schema.yaml", dialect_with(messages=[message_with(schema=schema)]))
    error = dialect_refusal(path)
    assert str(path) in error
    assert "messages.0" in error
    assert "schema" in error


def test_an_unknown_template_is_refused(tmp_path: Path) -> None:
    message = message_with(reply={"status": "Accepted", "data": {"tagId": "$bogus.x"}})
    path = write(tmp_path, "template.yaml", dialect_with(messages=[message]))
    error = dialect_refusal(path)
    assert str(path) in error
    assert "messages.0" in error
    assert "'$bogus.x'" in error


def test_a_reference_to_an_undeclared_parameter_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "param.yaml", dialect_with(messages=[message_with(vendor_id="$param.missing")]))
    error = dialect_refusal(path)
    assert str(path) in error
    assert "'missing'" in error
    assert "does not declare" in error


def test_mapping_a_field_that_is_dropped_as_a_payment_identifier_is_refused(tmp_path: Path) -> None:
    message = message_with(map={"amount": "payment.total"}, payment_identifiers={"drop": ["payment"]})
    path = write(tmp_path, "drop.yaml", dialect_with(messages=[message]))
    error = dialect_refusal(path)
    assert str(path) in error
    assert "messages.0" in error
    assert "map.amount reads 'payment.total', which payment_identifiers.drop removes" in error


def test_two_messages_with_the_same_name_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "twice.yaml", dialect_with(messages=[message_with(), message_with()]))
    error = dialect_refusal(path)
    assert str(path) in error
    assert "message names must be unique: ['Report']" in error


def test_two_dialect_files_with_the_same_id_are_refused_naming_both_files(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", GOOD_DIALECT)
    second = write(tmp_path, "b.yaml", GOOD_DIALECT)
    with pytest.raises(DialectError) as refused:
        DialectSet.load(extra_dirs=[tmp_path])
    error = str(refused.value)
    assert "two dialects have the id 'example.report'" in error
    assert str(first) in error and str(second) in error


# -- catalog entries that are refused ---------------------------------------------------------------------


def test_an_entry_file_that_is_a_list_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "list.yaml", [GOOD_ENTRY])
    with pytest.raises(DialectError) as refused:
        load_entry(path)
    assert str(path) in str(refused.value)
    assert "a catalog entry is a mapping" in str(refused.value)


def test_an_entry_naming_an_unknown_dialect_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "unknown.yaml", entry_with(dialect="com.example.nothing", parameters={}))
    error = catalog_refusal(tmp_path)
    assert "unknown dialect 'com.example.nothing'" in error
    assert str(path) in error


def test_an_available_entry_without_a_dialect_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "no-dialect.yaml", entry_with(dialect=None, status="available", parameters={}))
    with pytest.raises(DialectError) as refused:
        load_entry(path)
    error = str(refused.value)
    assert str(path) in error
    assert "an available or beta entry needs a dialect" in error


def test_an_entry_setting_a_parameter_its_dialect_does_not_declare_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "param.yaml", entry_with(parameters={"colour": "blue"}))
    error = catalog_refusal(tmp_path)
    assert "['colour'] are not declared by com.dbt.cardtxreport" in error
    assert str(path) in error


def test_an_entry_with_a_bad_regular_expression_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "regex.yaml", entry_with(match={"vendor": "Example(", "model": ".*"}))
    with pytest.raises(DialectError) as refused:
        load_entry(path)
    error = str(refused.value)
    assert str(path) in error
    assert "at match" in error
    assert "'Example(' is not a regular expression" in error


def test_an_entry_claiming_an_ocpp_version_its_dialect_does_not_speak_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "version.yaml", entry_with(ocpp_versions=["1.6", "2.1"]))  # the DBT dialect is 1.6 only
    error = catalog_refusal(tmp_path)
    assert "2.1" in error
    assert str(path) in error
