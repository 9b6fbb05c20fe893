"""Quick lane, second slice: an owner's approval recorded in person at the desk (the lane's package price
and its extra work); extra work found in the bay, a car that left the lane for the ordinary workflow, and
closing the day (carried over, or closed with a reason).

Revision ID: 0019_lane2
Revises: 0018_cs2
Create Date: 2026-12-06 10:50:00
"""
import sqlalchemy as sa
from alembic import op

import dealer.database

revision = '0019_lane2'
down_revision = '0018_cs2'
branch_labels = None
depends_on = None

APPROVAL_METHODS_CHECK = "method IN ('signature', 'phone', 'online'%s)"
STAGES_CHECK = "stage IN ('waiting', 'in_bay', 'washing', 'ready', 'handed_over'%s)"
BAY_WHERE = sa.text("stage = 'in_bay'")


def upgrade():
    with op.batch_alter_table('repair_approvals', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_repair_approvals_method_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_repair_approvals_method_known'),
                                         APPROVAL_METHODS_CHECK % ", 'in_person'")
    # SQLite rebuilds the table to change its check: the partial index of the bays is taken off and put back
    # as it was (a rebuilt table could lose its WHERE).
    op.drop_index('uq_quick_lane_orders_store_id_bay', table_name='quick_lane_orders',
                  sqlite_where=BAY_WHERE, postgresql_where=BAY_WHERE)
    with op.batch_alter_table('quick_lane_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extra_job_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('extra_pending_minutes', sa.SmallInteger(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('left_at', dealer.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('new_promised_at', dealer.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('carried_over_at', dealer.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_at', dealer.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('close_reason', sa.String(length=200), server_default='', nullable=False))
        batch_op.drop_constraint(op.f('ck_quick_lane_orders_stage_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_quick_lane_orders_stage_known'),
                                         STAGES_CHECK % ", 'left_lane', 'closed'")
    op.create_index('uq_quick_lane_orders_store_id_bay', 'quick_lane_orders', ['store_id', 'bay'], unique=True,
                    sqlite_where=BAY_WHERE, postgresql_where=BAY_WHERE)


def downgrade():
    op.drop_index('uq_quick_lane_orders_store_id_bay', table_name='quick_lane_orders',
                  sqlite_where=BAY_WHERE, postgresql_where=BAY_WHERE)
    with op.batch_alter_table('quick_lane_orders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_quick_lane_orders_stage_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_quick_lane_orders_stage_known'), STAGES_CHECK % "")
        batch_op.drop_column('close_reason')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('carried_over_at')
        batch_op.drop_column('new_promised_at')
        batch_op.drop_column('left_at')
        batch_op.drop_column('extra_pending_minutes')
        batch_op.drop_column('extra_job_id')
    op.create_index('uq_quick_lane_orders_store_id_bay', 'quick_lane_orders', ['store_id', 'bay'], unique=True,
                    sqlite_where=BAY_WHERE, postgresql_where=BAY_WHERE)
    with op.batch_alter_table('repair_approvals', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_repair_approvals_method_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_repair_approvals_method_known'), APPROVAL_METHODS_CHECK % "")
