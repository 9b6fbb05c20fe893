"""membership, session 3: how a member joined (front desk, online, online with a new customer file); the
campaign rule "declined recommended work within N months"; a campaign's percentages on given catalogue items or
labor categories

Revision ID: 0024_members3
Revises: 0023_rescue2
Create Date: 2026-12-06 14:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_members3'
down_revision = '0023_rescue2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('member_campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declined_within_months', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('offer_items', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column('offer_categories', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=16), server_default='front_desk', nullable=False))
        batch_op.create_check_constraint(op.f('ck_members_origin_known'),
                                         "origin IN ('front_desk', 'online', 'online_new_file')")


def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_members_origin_known'), type_='check')
        batch_op.drop_column('origin')
    with op.batch_alter_table('member_campaigns', schema=None) as batch_op:
        batch_op.drop_column('offer_categories')
        batch_op.drop_column('offer_items')
        batch_op.drop_column('declined_within_months')
