"""service operations (服务运营): the dashboard's days rolled up by the night

The dashboard aggregated the month's settled orders, their lines, crews and clocks on every request (about 8 ms of
SQL on the 7th of a month at 50,000 orders a store, growing with the month). The night now writes each closed day's
revenue by line kind and payer, orders by kind, and hours sold and clocked per technician; the dashboard counts the
days since `satisfaction_operation_runs.through` live. No backfill here: a store's first night counts its history.

Revision ID: 0040_cs8
Revises: 0039_members7
Create Date: 2026-12-07 07:50:00

"""
import sqlalchemy as sa
from alembic import op

import dealer.database

# revision identifiers, used by Alembic.
revision = '0040_cs8'
down_revision = '0039_members7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'satisfaction_operation_runs',
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('through', sa.Date(), nullable=False),
        sa.Column('computed_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_satisfaction_operation_runs_store_id_stores')),
        sa.PrimaryKeyConstraint('store_id', name=op.f('pk_satisfaction_operation_runs')))
    op.create_table(
        'satisfaction_operation_revenue',
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('payer', sa.String(length=20), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('discount_fen', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'],
                                name=op.f('fk_satisfaction_operation_revenue_store_id_stores')),
        sa.PrimaryKeyConstraint('store_id', 'day', 'kind', 'payer', name=op.f('pk_satisfaction_operation_revenue')))
    op.create_table(
        'satisfaction_operation_orders',
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('orders', sa.Integer(), nullable=False),
        sa.Column('paid_fen', sa.BigInteger(), nullable=False),
        sa.Column('paying', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'],
                                name=op.f('fk_satisfaction_operation_orders_store_id_stores')),
        sa.PrimaryKeyConstraint('store_id', 'day', 'kind', name=op.f('pk_satisfaction_operation_orders')))
    op.create_table(
        'satisfaction_operation_hours',
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('technician_id', sa.Integer(), nullable=False),
        sa.Column('sold', sa.Double(), nullable=False),
        sa.Column('clocked', sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_satisfaction_operation_hours_store_id_stores')),
        sa.ForeignKeyConstraint(['technician_id'], ['users.id'],
                                name=op.f('fk_satisfaction_operation_hours_technician_id_users')),
        sa.PrimaryKeyConstraint('store_id', 'day', 'technician_id', name=op.f('pk_satisfaction_operation_hours')))


def downgrade():
    op.drop_table('satisfaction_operation_hours')
    op.drop_table('satisfaction_operation_orders')
    op.drop_table('satisfaction_operation_revenue')
    op.drop_table('satisfaction_operation_runs')
