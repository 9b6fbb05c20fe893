"""membership, session 3: how a member joined (front desk, online, online with a new customer file); the
campaign rule "declined recommended work within N months"; a campaign's percentages on given catalogue items or
labor categories; free check packages (once per invited car)

Revision ID: 0025_members3
Revises: 0024_booking3
Create Date: 2026-12-06 14:05:00

"""
from alembic import op
import sqlalchemy as sa
import dealer.database


# revision identifiers, used by Alembic.
revision = '0025_members3'
down_revision = '0024_booking3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('member_campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declined_within_months', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('offer_items', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column('offer_categories', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column('free_operations', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
    op.create_table('member_campaign_free_checks',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('used_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['member_campaigns.id'], name=op.f('fk_member_campaign_free_checks_campaign_id_member_campaigns')),
    sa.ForeignKeyConstraint(['order_id'], ['repair_orders.id'], name=op.f('fk_member_campaign_free_checks_order_id_repair_orders')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_member_campaign_free_checks_store_id_stores')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicles.id'], name=op.f('fk_member_campaign_free_checks_vehicle_id_vehicles')),
    sa.PrimaryKeyConstraint('store_id', 'campaign_id', 'vehicle_id', name=op.f('pk_member_campaign_free_checks'))
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=16), server_default='front_desk', nullable=False))
        batch_op.create_check_constraint(op.f('ck_members_origin_known'),
                                         "origin IN ('front_desk', 'online', 'online_new_file')")


def downgrade():
    op.drop_table('member_campaign_free_checks')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_members_origin_known'), type_='check')
        batch_op.drop_column('origin')
    with op.batch_alter_table('member_campaigns', schema=None) as batch_op:
        batch_op.drop_column('free_operations')
        batch_op.drop_column('offer_categories')
        batch_op.drop_column('offer_items')
        batch_op.drop_column('declined_within_months')
