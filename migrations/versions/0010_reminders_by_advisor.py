"""reminders by advisor: an advisor's call list read along (store_id, advisor_id, due_date, id)

The call list used to join the customers to find "my" reminders by the customer's advisor now, and
PostgreSQL hashed all that advisor's customers first (47 ms at the benchmark's size). A reminder still to
be called about now follows its customer's advisor (customers.advisor_changed), so the list reads the
reminders' own advisor_id in due order. Standing reminders take their customer's advisor of today.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 05:25:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(sa.text(
        "UPDATE reminders SET advisor_id = (SELECT customers.advisor_id FROM customers "
        "WHERE customers.id = reminders.customer_id) WHERE state IN ('open', 'called', 'booked', 'not_interested')"))
    op.create_index('ix_reminders_store_id_advisor_id_due_date_id', 'reminders', ['store_id', 'advisor_id', 'due_date', 'id'])


def downgrade():
    op.drop_index('ix_reminders_store_id_advisor_id_due_date_id', table_name='reminders')
