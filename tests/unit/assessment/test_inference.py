"""JSON Schema inference: the narrowest schema every example of a message satisfies."""

from __future__ import annotations

import fastjsonschema

from ocpay.assessment import infer_schema


def test_schema_inference() -> None:
    schema = infer_schema(
        [
            {"a": 1, "when": "2025-01-01T00:00:00Z", "nested": {"x": "https://e.example/r"}, "list": [1, 2]},
            {"a": 2.5, "when": "2025-01-02T00:00:00+01:00", "nested": {"x": "https://e.example/s", "y": True}},
        ]
    )
    assert schema["type"] == "object"
    assert schema["required"] == ["a", "when", "nested"]
    assert schema["properties"]["a"]["type"] == "number"
    assert schema["properties"]["when"]["format"] == "date-time"
    assert schema["properties"]["nested"]["properties"]["x"]["format"] == "uri"
    assert schema["properties"]["nested"]["required"] == ["x"]
    assert schema["properties"]["list"]["items"]["type"] == "integer"


def test_no_example_gives_an_empty_schema() -> None:
    assert infer_schema([]) == {}


def test_scalars_give_their_json_type() -> None:
    assert infer_schema([1, 2]) == {"type": "integer"}
    assert infer_schema([True]) == {"type": "boolean"}
    assert infer_schema([None]) == {"type": "null"}
    assert infer_schema(["x"]) == {"type": "string"}


def test_integers_and_floats_together_are_numbers() -> None:
    assert infer_schema([1, 2.5]) == {"type": "number"}


def test_mixed_types_are_listed_in_a_fixed_order() -> None:
    assert infer_schema([None, "x", 3]) == {"type": ["string", "integer", "null"]}


def test_a_field_missing_from_one_example_is_optional() -> None:
    schema = infer_schema([{"amount": 5, "receiptUrl": "https://r.example/1"}, {"amount": 7}])
    assert schema["required"] == ["amount"]
    assert set(schema["properties"]) == {"amount", "receiptUrl"}


def test_formats_only_when_every_string_has_it() -> None:
    assert infer_schema(["2025-01-01T10:00:00Z", "2025-01-01 10:00"])["format"] == "date-time"
    assert "format" not in infer_schema(["2025-01-01T10:00:00Z", "yesterday"])
    assert infer_schema(["https://a.example/x"])["format"] == "uri"


def test_array_items_come_from_every_array() -> None:
    schema = infer_schema([[1, 2], [], [3.5]])
    assert schema == {"type": "array", "items": {"type": "number"}}


def test_every_example_satisfies_the_inferred_schema() -> None:
    examples = [
        {"tx": 1, "total": 9.5, "at": "2025-01-01T10:00:00Z", "items": [{"kWh": 3}], "card": {"brand": "VISA"}},
        {"tx": 2, "total": 4, "at": "2025-01-02T10:00:00+01:00", "items": [], "card": None},
    ]
    validate = fastjsonschema.compile(infer_schema(examples))
    for example in examples:
        validate(example)
