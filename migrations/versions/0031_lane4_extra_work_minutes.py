"""Quick lane, fourth slice: each piece of extra work found in the bay (增项) keeps its own time impact (the
minutes it adds, as proposed to the owner) and the owner's answer; the lane order's one pending-minutes column
goes (the piece waiting is its row).

Revision ID: 0031_lane4
Revises: 0030_cs5
Create Date: 2026-12-06 17:40:00
"""
import sqlalchemy as sa
from alembic import op

import dealer.database

revision = '0031_lane4'
down_revision = '0030_cs5'
branch_labels = None
depends_on = None

BAY_WHERE = sa.text("stage = 'in_bay'")
PENDING_WHERE = sa.text("answer = 'pending'")


def upgrade():
    op.create_table(
        'quick_lane_extra_work',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('lane_order_id', sa.Integer(), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('minutes', sa.SmallInteger(), nullable=False),
        sa.Column('answer', sa.String(length=10), nullable=False),
        sa.Column('proposed_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('answered_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint('minutes BETWEEN 1 AND 480', name=op.f('ck_quick_lane_extra_work_minutes_in_range')),
        sa.CheckConstraint("answer IN ('pending', 'approved', 'declined')",
                           name=op.f('ck_quick_lane_extra_work_answer_known')),
        sa.ForeignKeyConstraint(['job_id'], ['repair_jobs.id'], name=op.f('fk_quick_lane_extra_work_job_id_repair_jobs')),
        sa.ForeignKeyConstraint(['lane_order_id'], ['quick_lane_orders.id'],
                                name=op.f('fk_quick_lane_extra_work_lane_order_id_quick_lane_orders')),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_quick_lane_extra_work_store_id_stores')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quick_lane_extra_work')),
        sa.UniqueConstraint('store_id', 'job_id', name=op.f('uq_quick_lane_extra_work_store_id_job_id')),
    )
    op.create_index('ix_quick_lane_extra_work_store_id_lane_order_id', 'quick_lane_extra_work',
                    ['store_id', 'lane_order_id'])
    op.create_index('ix_quick_lane_extra_work_store_id_proposed_at', 'quick_lane_extra_work',
                    ['store_id', 'proposed_at'])
    op.create_index('uq_quick_lane_extra_work_store_id_lane_order_id_pending', 'quick_lane_extra_work',
                    ['store_id', 'lane_order_id'], unique=True, sqlite_where=PENDING_WHERE,
                    postgresql_where=PENDING_WHERE)
    # The piece waiting for the owner now keeps its minutes in its own row.
    op.execute("INSERT INTO quick_lane_extra_work (store_id, lane_order_id, job_id, minutes, answer, proposed_at) "
               "SELECT store_id, id, extra_job_id, extra_pending_minutes, 'pending', COALESCE(in_bay_at, key_at) "
               "FROM quick_lane_orders WHERE extra_job_id IS NOT NULL AND extra_pending_minutes BETWEEN 1 AND 480")
    # SQLite rebuilds the table to drop a column: the partial index of the bays is taken off and put back as it
    # was (a rebuilt table could lose its WHERE).
    op.drop_index('uq_quick_lane_orders_store_id_bay', table_name='quick_lane_orders',
                  sqlite_where=BAY_WHERE, postgresql_where=BAY_WHERE)
    with op.batch_alter_table('quick_lane_orders', schema=None) as batch_op:
        batch_op.drop_column('extra_pending_minutes')
    op.create_index('uq_quick_lane_orders_store_id_bay', 'quick_lane_orders', ['store_id', 'bay'], unique=True,
                    sqlite_where=BAY_WHERE, postgresql_where=BAY_WHERE)


def downgrade():
    op.drop_index('uq_quick_lane_orders_store_id_bay', table_name='quick_lane_orders',
                  sqlite_where=BAY_WHERE, postgresql_where=BAY_WHERE)
    with op.batch_alter_table('quick_lane_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extra_pending_minutes', sa.SmallInteger(), server_default='0',
                                      nullable=False))
    op.create_index('uq_quick_lane_orders_store_id_bay', 'quick_lane_orders', ['store_id', 'bay'], unique=True,
                    sqlite_where=BAY_WHERE, postgresql_where=BAY_WHERE)
    op.execute("UPDATE quick_lane_orders SET extra_pending_minutes = (SELECT w.minutes FROM quick_lane_extra_work w "
               "WHERE w.store_id = quick_lane_orders.store_id AND w.lane_order_id = quick_lane_orders.id "
               "AND w.answer = 'pending') WHERE extra_job_id IS NOT NULL AND EXISTS (SELECT 1 FROM "
               "quick_lane_extra_work w WHERE w.store_id = quick_lane_orders.store_id "
               "AND w.lane_order_id = quick_lane_orders.id AND w.answer = 'pending')")
    op.drop_index('uq_quick_lane_extra_work_store_id_lane_order_id_pending', table_name='quick_lane_extra_work',
                  sqlite_where=PENDING_WHERE, postgresql_where=PENDING_WHERE)
    op.drop_index('ix_quick_lane_extra_work_store_id_proposed_at', table_name='quick_lane_extra_work')
    op.drop_index('ix_quick_lane_extra_work_store_id_lane_order_id', table_name='quick_lane_extra_work')
    op.drop_table('quick_lane_extra_work')
