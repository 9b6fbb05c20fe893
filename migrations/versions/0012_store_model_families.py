"""stores: the model families each store services (a subset of dealer.stores.families; NULL: every family)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('stores', sa.Column('model_families', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.drop_column('model_families')
