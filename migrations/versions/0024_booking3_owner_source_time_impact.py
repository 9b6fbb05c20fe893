"""booking (网上预约) 3: where a customer file was opened (customers.source: desk, online_booking, rescue,
member_join); the files rescue opened are marked as such; an online decision on extra work keeps its time impact
(labor minutes, the ready time if approved); declined extra work comes back as a reminder (kind declined_work)

Revision ID: 0024_booking3
Revises: 0023_rescue2
Create Date: 2026-12-06 14:15:00

"""
from alembic import op
import sqlalchemy as sa
import dealer.database


# revision identifiers, used by Alembic.
revision = '0024_booking3'
down_revision = '0023_rescue2'
branch_labels = None
depends_on = None

OLD_KINDS = "'inspection', 'insurance', 'maintenance'"
NEW_KINDS = OLD_KINDS + ", 'declined_work'"


def upgrade():
    with op.batch_alter_table('customers') as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=20), server_default='desk', nullable=False))
    op.execute("UPDATE customers SET source = 'rescue' WHERE id IN "
               "(SELECT customer_id FROM rescue_calls WHERE customer_created_by_rescue AND customer_id IS NOT NULL)")
    with op.batch_alter_table('booking_online_decisions') as batch_op:
        batch_op.add_column(sa.Column('labor_minutes', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('ready_at', dealer.database.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_reminders_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', sa.text(f"kind IN ({NEW_KINDS})"))


def downgrade():
    op.execute("DELETE FROM reminders WHERE kind = 'declined_work'")
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_reminders_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', sa.text(f"kind IN ({OLD_KINDS})"))
    with op.batch_alter_table('booking_online_decisions') as batch_op:
        batch_op.drop_column('ready_at')
        batch_op.drop_column('labor_minutes')
    with op.batch_alter_table('customers') as batch_op:
        batch_op.drop_column('source')
