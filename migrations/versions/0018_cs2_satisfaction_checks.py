"""customer satisfaction, second slice: the top-marks check's thresholds

Revision ID: 0018_cs2
Revises: 0017
Create Date: 2026-12-06 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_cs2'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('satisfaction_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('top_marks_min_forms', sa.SmallInteger(), server_default='5', nullable=False))
        batch_op.add_column(sa.Column('on_the_spot_minutes', sa.SmallInteger(), server_default='30', nullable=False))
        batch_op.add_column(sa.Column('on_the_spot_share_pct', sa.SmallInteger(), server_default='50',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('satisfaction_settings', schema=None) as batch_op:
        batch_op.drop_column('on_the_spot_share_pct')
        batch_op.drop_column('on_the_spot_minutes')
        batch_op.drop_column('top_marks_min_forms')
