"""The store tests' database fixture: a real, empty SQLite database per test."""

from tests.unit.store.conftest import db  # noqa: F401
