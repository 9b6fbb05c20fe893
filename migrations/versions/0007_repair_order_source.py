"""repair order source: where an order came from (front desk, booking, rescue, quick lane)

An order opened from a booking's check-in, a rescue's tow-in or a quick-lane package names it
(`source_kind`, `source_ref`); the front desk's orders (all existing ones) name nothing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

KNOWN = "source_kind IN ('front_desk', 'booking', 'rescue', 'quick_lane')"


def upgrade():
    with op.batch_alter_table('repair_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_kind', sa.String(length=12), server_default='front_desk',
                                      nullable=False))
        batch_op.add_column(sa.Column('source_ref', sa.BigInteger(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_repair_orders_source_kind_known'), KNOWN)
        batch_op.create_index('ix_repair_orders_store_id_source_kind_source_ref',
                              ['store_id', 'source_kind', 'source_ref'], unique=False)


def downgrade():
    with op.batch_alter_table('repair_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_repair_orders_store_id_source_kind_source_ref')
        batch_op.drop_constraint(op.f('ck_repair_orders_source_kind_known'), type_='check')
        batch_op.drop_column('source_ref')
        batch_op.drop_column('source_kind')
