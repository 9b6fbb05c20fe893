"""repair settings: the final inspection (终检) is signed by someone other than the job's technicians

On by default, for every store (existing rows too): a store that lets its technicians sign their own
work switches it off in its repair settings.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 04:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('repair_settings', sa.Column('independent_final_inspection', sa.Boolean(), nullable=False,
                                               server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('repair_settings', schema=None) as batch_op:
        batch_op.drop_column('independent_final_inspection')
