"""Views: plain records in, the dicts the API, the console and the CLI answer with out."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from ocpay.api import views
from ocpay.integrations.catalog import Catalog
from ocpay.integrations.dialects import DialectSet
from ocpay.store.models import ApiToken, ChargingSession, CommandRecord, Connector, PaymentEvent, Station

AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def _session(**values: object) -> ChargingSession:
    defaults: dict[str, object] = {
        "id": 7, "station_id": "CP-1", "transaction_id": "T-1", "evse_id": 1, "connector_id": 1, "id_token": "RFID-1",
        "status": "completed", "started_at": AT, "stopped_at": AT, "meter_start_wh": 0, "meter_stop_wh": 12_500,
        "energy_wh": 12_500, "billing": "csms",
    }  # fmt: skip
    return ChargingSession(**{**defaults, **values})


def test_a_station_says_whether_it_has_a_password_never_which() -> None:
    station = Station(id="CP-1", vendor="Acme", model="Fast", connected=True, password_hash="pbkdf2$secret")
    view = views.station_view(station)
    assert view["id"] == "CP-1" and view["connected"] is True and view["has_password"] is True
    assert "pbkdf2$secret" not in repr(view)


def test_a_csms_billed_session_has_no_payment_summary() -> None:
    view = views.session_view(_session())
    assert view["payment"] is None and view["energy_wh"] == 12_500


def test_a_card_session_shows_a_neutral_payment_summary_with_float_amounts() -> None:
    session = _session(
        billing="terminal", dialect="oca", payment_status="settled", authorized_amount=Decimal("50.00"),
        final_amount=Decimal("12.34"), currency="EUR", card_brand="VISA",
    )  # fmt: skip
    assert views.session_view(session)["payment"] == {
        "method": "terminal", "dialect": "oca", "status": "settled", "authorized_amount": 50.0,
        "final_amount": 12.34, "currency": "EUR", "brand": "VISA",
    }  # fmt: skip


def test_a_payment_event_names_its_masked_reference_transaction_id() -> None:
    event = PaymentEvent(
        id=1, session_id=7, dialect="oca", message="CardTxReport", kind="settled", at=AT, status="settled",
        amount=Decimal("12.34"), currency="EUR", brand="VISA", transaction_ref="****8901",
    )  # fmt: skip
    view = views.payment_event_view(event)
    assert view["amount"] == 12.34 and view["transaction_id"] == "****8901"
    assert "transaction_ref" not in view


def test_an_api_token_view_never_holds_the_secret_or_its_hash() -> None:
    token = ApiToken(id=1, name="ops", role="admin", hint="abcd", secret_hash="f00d" * 16, created_at=AT)
    view = views.api_token_view(token)
    assert view == {"name": "ops", "role": "admin", "hint": "abcd...", "created_at": AT, "revoked_at": None,
                    "active": True}  # fmt: skip


def test_a_command_record_reads_as_it_was_kept() -> None:
    record = CommandRecord(id=3, station_id="CP-1", command="reset", arguments={"hard": True}, outcome="answered",
                           answer={"status": "Accepted"}, actor="ops", at=AT)  # fmt: skip
    view = views.command_view(record)
    assert view["id"] == 3 and view["answer"] == {"status": "Accepted"} and view["error"] is None


def test_the_cli_shows_a_connector_in_four_fields() -> None:
    connector = Connector(station_id="CP-1", evse_id=1, connector_id=2, status="Available", error_code="NoError")
    assert views.connector_brief_view(connector, online=True) == {"evse": 1, "connector": 2, "status": "Available",
                                                                  "error": "NoError"}  # fmt: skip
    assert views.connector_view(connector, online=True)["connector_id"] == 2


def test_a_connector_of_an_offline_station_is_unknown_and_keeps_its_last_status() -> None:
    connector = Connector(station_id="CP-1", evse_id=1, connector_id=1, status="Charging", updated_at=AT)
    view = views.connector_view(connector, online=False)
    assert (view["status"], view["last_status"]) == ("Unknown", "Charging")
    assert views.connector_brief_view(connector, online=False)["status"] == "Unknown"
    assert views.connector_view(connector, online=True)["status"] == "Charging"


def test_an_active_session_has_no_meter_stop_yet() -> None:
    active = views.session_view(_session(status="active", stopped_at=None, meter_stop_wh=4_000, energy_wh=4_000))
    assert active["meter_stop_wh"] is None and active["energy_wh"] == 4_000
    assert views.session_view(_session())["meter_stop_wh"] == 12_500


def test_a_card_session_without_a_currency_is_in_the_currency_of_the_station_price() -> None:
    direct = _session(billing="terminal", dialect="ocpp21.direct-payment", final_amount=Decimal("7.5"), currency=None)
    assert views.session_view(direct, "EUR")["payment"]["currency"] == "EUR"
    assert views.session_view(direct)["payment"]["currency"] is None
    named = _session(billing="terminal", currency="CHF")
    assert views.session_view(named, "EUR")["payment"]["currency"] == "CHF"  # what the payment said wins


def test_health_shows_its_last_card_session_as_a_session_view() -> None:
    health = {"status": "ok", "last_card_session": _session(billing="terminal", payment_status="settled")}
    view = views.health_view(health)
    assert view["status"] == "ok" and view["last_card_session"]["payment"]["status"] == "settled"
    assert views.health_view({"last_card_session": None})["last_card_session"] is None


def test_the_csv_export_puts_terminal_paid_sessions_first_and_says_who_bills() -> None:
    card = _session(id=1, billing="terminal", payment_status="settled", final_amount=Decimal("9.5"), currency="EUR")
    export = views.sessions_export_view({"terminal_paid": [card], "csms_billed": [_session(id=2)]})
    rows = list(csv.DictReader(io.StringIO(views.sessions_csv(export))))
    assert [(r["id"], r["billing"]) for r in rows] == [("1", "terminal"), ("2", "csms")]
    assert rows[0]["final_amount"] == "9.5" and rows[0]["started_at"] == AT.isoformat()
    assert rows[1]["payment_status"] == ""


def test_dialects_and_catalog_entries_list_in_one_line_each() -> None:
    dialects = DialectSet.load()
    dialect = next(iter(dialects))
    view = views.dialect_view(dialect)
    assert view["id"] == dialect.id and len(view["messages"]) == len(dialect.messages)
    entry = next(iter(Catalog.load(dialects)))
    assert views.catalog_entry_view(entry)["dialect"] == entry.dialect
    assert views.catalog_entry_detail_view(entry)["title"] == entry.title
