"""five assurances (月度汇总): the current month rolled up as far as the night (satisfaction_rollup_months.until)

The group's ranking and each store's trend counted the current month's ready and settled orders live: two grouped
reads of the month so far (8 and 16 ms for a group on the 7th, growing with the month). The night now also writes
the current month's order counts up to the store's midnight (`until`), and the pages add the orders since. A row
with `until` set is partial: never read as a closed month.

Revision ID: 0038_cs7
Revises: 0037_members6
Create Date: 2026-12-07 04:30:00

"""
import sqlalchemy as sa
from alembic import op

import dealer.database

# revision identifiers, used by Alembic.
revision = '0038_cs7'
down_revision = '0037_members6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('satisfaction_rollup_months', schema=None) as batch_op:
        batch_op.add_column(sa.Column('until', dealer.database.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    op.execute("DELETE FROM satisfaction_rollup_months WHERE until IS NOT NULL")
    with op.batch_alter_table('satisfaction_rollup_months', schema=None) as batch_op:
        batch_op.drop_column('until')
