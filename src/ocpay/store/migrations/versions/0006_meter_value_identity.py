"""meter values are kept once per reading; a session's meter start and stop say whether they are exact

A reading is the same reading with the same time, measurand, phase, location and context in the same
session (outside any session: at the same station and EVSE). Readings stored twice before (a retried
MeterValues, the periodic readings a station repeats in its Ended event) are removed, the first row of
each kept, before the unique indexes are made. 1.6 sessions already have exact starts (meterStart) and,
once stopped, exact stops (meterStop); 2.x sessions keep the start and stop they have as estimates.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# As in store/models.py (a migration keeps its own copy: the models may change after it).
SAME_READING = ("at", "measurand", "coalesce(phase, '')", "coalesce(location, '')", "coalesce(context, '')")
IDENTITIES = {  # index -> (its columns, the rows it covers)
    "uq_meter_value_in_session": (("session_id", *SAME_READING), "session_id IS NOT NULL"),
    "uq_meter_value_outside_session": (("station_id", "coalesce(evse_id, -1)", *SAME_READING), "session_id IS NULL"),
}


def upgrade() -> None:
    # Plain ALTER TABLE, never a batch copy: on SQLite a copy drops the old table, and with foreign keys on
    # that deletes every row that refers to it (ON DELETE CASCADE: the sessions' meter values).
    op.add_column("meter_values", sa.Column("location", sa.String(length=10), nullable=True))
    op.add_column("sessions", sa.Column("meter_start_exact", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("sessions", sa.Column("meter_stop_exact", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        "UPDATE sessions SET meter_start_exact = (meter_start_wh IS NOT NULL),"
        " meter_stop_exact = (status = 'completed' AND meter_stop_wh IS NOT NULL)"
        " WHERE ocpp_version = '1.6'"
    )
    for name, (columns, rows) in IDENTITIES.items():
        identity = ", ".join(columns)
        op.execute(  # the first row of each reading stays
            f"DELETE FROM meter_values WHERE {rows} AND id NOT IN"
            f" (SELECT MIN(id) FROM meter_values WHERE {rows} GROUP BY {identity})"
        )
        op.create_index(
            name,
            "meter_values",
            [sa.text(c) for c in columns],
            unique=True,
            sqlite_where=sa.text(rows),
            postgresql_where=sa.text(rows),
        )
    # uq_meter_value_in_session leads with session_id: it finds a session's readings (and serves the
    # cascade from sessions), so the plain index on session_id is one index too many to keep up per row.
    op.drop_index("ix_meter_values_session_id", table_name="meter_values")


def downgrade() -> None:
    op.create_index("ix_meter_values_session_id", "meter_values", ["session_id"], unique=False)
    for name in IDENTITIES:
        op.drop_index(name, table_name="meter_values")
    op.drop_column("sessions", "meter_stop_exact")  # ALTER TABLE DROP COLUMN: SQLite 3.35 or later
    op.drop_column("sessions", "meter_start_exact")
    op.drop_column("meter_values", "location")
