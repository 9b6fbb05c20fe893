"""repair (终检): an order keeps its quality checks' outcome (qc_failed: none, all passed, one failed)

QC first pass (质量安心) counted two probes of the checks per settled order (checked? failed?); the five assurances
of a group's month read tens of thousands. The outcome is set as each check is signed; backfilled from the checks.

Revision ID: 0036_qc
Revises: 0035_cs6
Create Date: 2026-12-06 23:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0036_qc'
down_revision = '0035_cs6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('repair_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('qc_failed', sa.Boolean(), nullable=True))
    if op.get_context().dialect.name == 'postgresql':
        op.execute("UPDATE repair_orders AS o SET qc_failed = q.failed FROM ("
                   "SELECT store_id, order_id, bool_or(NOT passed) AS failed FROM repair_quality_checks "
                   "GROUP BY store_id, order_id) AS q WHERE o.store_id = q.store_id AND o.id = q.order_id")
    else:
        op.execute("UPDATE repair_orders SET qc_failed = (SELECT max(CASE WHEN q.passed THEN 0 ELSE 1 END) "
                   "FROM repair_quality_checks AS q WHERE q.order_id = repair_orders.id) "
                   "WHERE EXISTS (SELECT 1 FROM repair_quality_checks AS q WHERE q.order_id = repair_orders.id)")


def downgrade():
    with op.batch_alter_table('repair_orders', schema=None) as batch_op:
        batch_op.drop_column('qc_failed')
