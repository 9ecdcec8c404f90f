"""Payments: the dialect engine, station bindings, payment events, redaction of payment identifiers."""
