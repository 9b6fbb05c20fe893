"""customer loss (客户流失): the list's figures in the night's member_owner_seen rows

A page of the loss list read its 50 owners' last visit and lifetime spend from their orders (a grouped read of
every paid order of theirs, 4 ms, the page's largest statement). The night now keeps them with each owner's
`seen_at`: the last paid visit, the cars' last maintenance, and the spend of the orders settled before its cut;
the list adds the orders settled since. Rows counted before this revision have none of it: they are dropped, and
the lists count live until the store's next night.

Revision ID: 0039_members7
Revises: 0038_cs7
Create Date: 2026-12-07 07:10:00

"""
import sqlalchemy as sa
from alembic import op

import dealer.database

# revision identifiers, used by Alembic.
revision = '0039_members7'
down_revision = '0038_cs7'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM member_owner_seen_runs")
    op.execute("DELETE FROM member_owner_seen")
    with op.batch_alter_table('member_owner_seen', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_order_at', dealer.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_service_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('spend_fen', sa.BigInteger(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('member_owner_seen', schema=None) as batch_op:
        batch_op.drop_column('spend_fen')
        batch_op.drop_column('last_service_on')
        batch_op.drop_column('last_order_at')
