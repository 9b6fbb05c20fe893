"""sms message expiry: a message that is no longer true is cancelled, not sent

A car-ready notice, a rescue ETA or a booking code means nothing once its moment has passed (the gateway
may have been down for days): `expires_at` is when the sender stops trying and cancels it as expired.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 03:20:00.000000

"""
from alembic import op
import sqlalchemy as sa
import dealer.database


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on both databases (SQLite needs no table copy for a nullable column).
    op.add_column('sms_messages', sa.Column('expires_at', dealer.database.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
