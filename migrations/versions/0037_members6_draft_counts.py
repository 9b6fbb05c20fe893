"""membership (集团活动): a draft campaign keeps its target's last count and when it was taken (counted_at)

A group campaign's page counted every store's target live (20 counts of 50,000 owners each: 200 ms a view). The
counts are now taken when the campaign is saved, each night and on request, and the page reads them.

Revision ID: 0037_members6
Revises: 0036_qc
Create Date: 2026-12-07 01:40:00

"""
import sqlalchemy as sa
from alembic import op

import dealer.database

# revision identifiers, used by Alembic.
revision = '0037_members6'
down_revision = '0036_qc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('member_campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted_at', dealer.database.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE member_campaigns SET counted_at = launched_at WHERE state = 'launched'")


def downgrade():
    with op.batch_alter_table('member_campaigns', schema=None) as batch_op:
        batch_op.drop_column('counted_at')
