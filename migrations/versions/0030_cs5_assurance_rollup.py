"""satisfaction (客户满意): the five assurances' monthly roll-up (per store, month and measure: the counts)

Revision ID: 0030_cs5
Revises: 0029_perf2
Create Date: 2026-12-06 17:00:00

"""
from alembic import op
import sqlalchemy as sa
import dealer.database


# revision identifiers, used by Alembic.
revision = '0030_cs5'
down_revision = '0029_perf2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('satisfaction_rollup_months',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.Column('computed_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_satisfaction_rollup_months_store_id_stores')),
    sa.PrimaryKeyConstraint('store_id', 'month', name=op.f('pk_satisfaction_rollup_months'))
    )
    op.create_table('satisfaction_rollup_figures',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('measure', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['store_id', 'month'], ['satisfaction_rollup_months.store_id', 'satisfaction_rollup_months.month'], name=op.f('fk_satisfaction_rollup_figures_store_id_satisfaction_rollup_months'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('store_id', 'month', 'measure', name=op.f('pk_satisfaction_rollup_figures'))
    )


def downgrade():
    op.drop_table('satisfaction_rollup_figures')
    op.drop_table('satisfaction_rollup_months')
