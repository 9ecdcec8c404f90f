"""payment events are stored once: a dedupe key per station

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 15:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint("uq_payment_event_once", ["station_id", "dedupe_key"])


def downgrade() -> None:
    with op.batch_alter_table("payment_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_payment_event_once", type_="unique")
        batch_op.drop_column("dedupe_key")
