"""Performance: a campaign's target counted from indexes alone (the store's owners, their paid visits, their cars'
last maintenance), not from the rows of every store (members.targeting).

Revision ID: 0029_perf2
Revises: 0028_rescue3
Create Date: 2026-12-06 17:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0029_perf2'
down_revision = '0028_rescue3'
branch_labels = None
depends_on = None

PAID = "state IN ('settled', 'delivered') AND reversal_of_id IS NULL"


def upgrade():
    op.create_index('ix_customers_store_id_targeting', 'customers',
                    ['store_id', 'id', 'created_at', 'marketing_consent'])
    op.create_index('ix_vehicles_store_id_last_maintenance', 'vehicles',
                    ['store_id', 'last_maintenance_date', 'owner_id'])
    op.create_index('ix_repair_orders_store_id_paid_visits', 'repair_orders',
                    ['store_id', 'settled_at', 'customer_id'],
                    postgresql_where=sa.text(PAID), sqlite_where=sa.text(PAID))


def downgrade():
    op.drop_index('ix_repair_orders_store_id_paid_visits', table_name='repair_orders')
    op.drop_index('ix_vehicles_store_id_last_maintenance', table_name='vehicles')
    op.drop_index('ix_customers_store_id_targeting', table_name='customers')
