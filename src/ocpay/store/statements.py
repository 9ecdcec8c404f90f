"""Plain SQL for the journal (see journal.py): portable between SQLite and PostgreSQL, `:name` parameters."""

UPSERT_CONNECTOR = """
INSERT INTO connectors (station_id, evse_id, connector_id, status, error_code, info, updated_at)
VALUES (:station_id, :evse_id, :connector_id, :status, :error_code, :info, :updated_at)
ON CONFLICT (station_id, evse_id, connector_id) DO UPDATE SET
    status = excluded.status, error_code = excluded.error_code, info = excluded.info,
    updated_at = excluded.updated_at
"""

TOUCH_STATION = "UPDATE stations SET last_seen_at = :at WHERE id = :station_id"
STATION_CONNECTED = (
    "UPDATE stations SET connected = TRUE, ocpp_version = :version, last_seen_at = :at WHERE id = :station_id"
)
STATION_DISCONNECTED = "UPDATE stations SET connected = FALSE WHERE id = :station_id"
STATION_BOOTED = """
UPDATE stations SET vendor = :vendor, model = :model, serial = :serial, firmware = :firmware,
    ocpp_version = :version, last_boot_at = :at, last_seen_at = :at
WHERE id = :station_id
"""
INSERT_BOOT_RECORD = """
INSERT INTO boot_history (station_id, at, ocpp_version, vendor, model, serial, firmware, reason)
VALUES (:station_id, :at, :version, :vendor, :model, :serial, :firmware, :reason)
"""

# The session is found by its transaction id; samples outside a session keep session_id NULL. A reading
# kept already (the same reading sent again: models.SAME_READING) is skipped.
INSERT_METER_VALUE = """
INSERT INTO meter_values (station_id, session_id, evse_id, at, measurand, value, unit, phase, location, context)
VALUES (
    :station_id,
    (SELECT id FROM sessions WHERE station_id = CAST(:station_id AS VARCHAR) AND transaction_id = :transaction_id),
    :evse_id, :at, :measurand, :value, :unit, :phase, :location, :context
)
ON CONFLICT DO NOTHING
"""

# The session's meter start and stop as a message's register readings say (charging.sessions.READING_CONTEXTS):
# an exact start (:begin) or stop (:end) is taken unless one is kept already; otherwise the start is lowered
# to :low and the stop raised to :high while they are not exact. Any parameter may be NULL. CASTs tell
# PostgreSQL the type of a parameter; right-hand sides read the old values.
UPDATE_SESSION_METER = """
UPDATE sessions SET
    meter_start_wh = CASE
        WHEN meter_start_exact THEN meter_start_wh
        WHEN CAST(:begin AS FLOAT) IS NOT NULL THEN CAST(:begin AS FLOAT)
        WHEN meter_start_wh IS NULL OR meter_start_wh > CAST(:low AS FLOAT) THEN CAST(:low AS FLOAT)
        ELSE meter_start_wh END,
    meter_start_exact = (meter_start_exact OR CAST(:begin AS FLOAT) IS NOT NULL),
    meter_stop_wh = CASE
        WHEN meter_stop_exact THEN meter_stop_wh
        WHEN CAST(:end AS FLOAT) IS NOT NULL THEN CAST(:end AS FLOAT)
        WHEN meter_stop_wh IS NULL OR meter_stop_wh < CAST(:high AS FLOAT) THEN CAST(:high AS FLOAT)
        ELSE meter_stop_wh END,
    meter_stop_exact = (meter_stop_exact OR CAST(:end AS FLOAT) IS NOT NULL)
WHERE station_id = :station_id AND transaction_id = :transaction_id
"""

# The session's energy between its meter start and stop (after UPDATE_SESSION_METER).
UPDATE_SESSION_ENERGY = """
UPDATE sessions SET energy_wh = meter_stop_wh - meter_start_wh
WHERE station_id = :station_id AND transaction_id = :transaction_id
    AND meter_start_wh IS NOT NULL AND meter_stop_wh IS NOT NULL
"""

# The newest session of the station with this transaction id, or else with this (hashed) id token.
_PAYMENT_SESSION = """COALESCE(
        (SELECT id FROM sessions WHERE station_id = CAST(:station_id AS VARCHAR)
            AND transaction_id = :transaction_ref ORDER BY id DESC LIMIT 1),
        (SELECT id FROM sessions WHERE station_id = CAST(:station_id AS VARCHAR)
            AND id_token = :reference_hash ORDER BY id DESC LIMIT 1)
    )"""

# A payment event on its session; once per dedupe key (events without one are all kept).
INSERT_PAYMENT_EVENT = f"""
INSERT INTO payment_events (
    station_id, session_id, dialect, message, kind, at, status, amount, currency, brand,
    transaction_ref, reference_hash, issued_token, terminal_id, receipt_url, dedupe_key
) VALUES (
    :station_id, {_PAYMENT_SESSION},
    :dialect, :message, :kind, :at, :status, :amount, :currency, :brand,
    :transaction_ref, :reference_hash, :issued_token, :terminal_id, :receipt_url, :dedupe_key
)
ON CONFLICT (station_id, dedupe_key) DO NOTHING
"""

# The session's neutral payment summary; a terminal took the payment, so the CSMS never bills it.
# The status only moves forward (authorized, then declined / canceled / failed, then settled): a
# late or retried message never takes a settled session back.
UPDATE_SESSION_PAYMENT = f"""
UPDATE sessions SET
    billing = 'terminal',
    dialect = COALESCE(dialect, :dialect),
    payment_status = CASE
        WHEN CAST(:status AS VARCHAR) IS NULL THEN payment_status
        WHEN payment_status IS NULL THEN :status
        WHEN CAST(:rank AS INTEGER) >= CASE payment_status WHEN 'settled' THEN 3 WHEN 'authorized' THEN 1 ELSE 2 END
            THEN :status
        ELSE payment_status
    END,
    authorized_amount = COALESCE(:authorized_amount, authorized_amount),
    final_amount = COALESCE(:final_amount, final_amount),
    currency = COALESCE(:currency, currency),
    card_brand = COALESCE(:brand, card_brand)
WHERE id = {_PAYMENT_SESSION}
"""

# The unrecognised inbox (payments.custom_messages): a kind seen before is counted; a new kind is added
# with its masked sample (:sample, JSON text), or counted when another node added it meanwhile.
COUNT_UNRECOGNISED = """
UPDATE unrecognised_messages SET count = count + 1, last_seen_at = :at, ocpp_version = :version
WHERE station_id = :station_id AND vendor_id = :vendor_id AND message_id = :message_id
"""
ADD_UNRECOGNISED = """
INSERT INTO unrecognised_messages (
    station_id, ocpp_version, vendor_id, message_id, first_seen_at, last_seen_at, count, sample
) VALUES (:station_id, :version, :vendor_id, :message_id, :at, :at, 1, :sample)
ON CONFLICT (station_id, vendor_id, message_id) DO UPDATE SET
    count = unrecognised_messages.count + 1, last_seen_at = excluded.last_seen_at,
    ocpp_version = excluded.ocpp_version
"""
