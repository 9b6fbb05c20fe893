"""membership, session 4: a campaign's gift counted out of a stock and handed over once per invited owner; the
group's campaigns over several stores; a free item given back by its order's reversal

Revision ID: 0032_members4
Revises: 0031_lane4
Create Date: 2026-12-06 16:50:00

"""
from alembic import op
import sqlalchemy as sa
import dealer.database


# revision identifiers, used by Alembic.
revision = '0032_members4'
down_revision = '0031_lane4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('member_group_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('season', sa.String(length=8), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('launched_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('launched_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("season IN ('spring', 'autumn', 'other')", name=op.f('ck_member_group_campaigns_season_known')),
    sa.CheckConstraint("state IN ('draft', 'launched')", name=op.f('ck_member_group_campaigns_state_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_member_group_campaigns_created_by_id_users')),
    sa.ForeignKeyConstraint(['launched_by_id'], ['users.id'], name=op.f('fk_member_group_campaigns_launched_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_group_campaigns'))
    )
    with op.batch_alter_table('member_campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gift_name', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('gift_stock', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('gifts_given', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('group_campaign_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_member_campaigns_group_campaign_id_member_group_campaigns'),
                                    'member_group_campaigns', ['group_campaign_id'], ['id'])
        batch_op.create_index('ix_member_campaigns_group_campaign_id', ['group_campaign_id'], unique=False)
        batch_op.create_check_constraint(op.f('ck_member_campaigns_gifts_within_stock'),
                                         'gifts_given >= 0 AND gifts_given <= gift_stock')
    op.create_table('member_campaign_gifts',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('given_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_member_campaign_gifts_actor_id_users')),
    sa.ForeignKeyConstraint(['campaign_id'], ['member_campaigns.id'], name=op.f('fk_member_campaign_gifts_campaign_id_member_campaigns')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_member_campaign_gifts_customer_id_customers')),
    sa.ForeignKeyConstraint(['order_id'], ['repair_orders.id'], name=op.f('fk_member_campaign_gifts_order_id_repair_orders')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_member_campaign_gifts_store_id_stores')),
    sa.PrimaryKeyConstraint('store_id', 'campaign_id', 'customer_id', name=op.f('pk_member_campaign_gifts'))
    )
    with op.batch_alter_table('free_item_uses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('given_back_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_free_item_uses_given_back_by_id_repair_orders'), 'repair_orders',
                                    ['given_back_by_id'], ['id'])
        batch_op.create_index('ix_free_item_uses_store_id_order_id', ['store_id', 'order_id'], unique=False)


def downgrade():
    with op.batch_alter_table('free_item_uses', schema=None) as batch_op:
        batch_op.drop_index('ix_free_item_uses_store_id_order_id')
        batch_op.drop_constraint(op.f('fk_free_item_uses_given_back_by_id_repair_orders'), type_='foreignkey')
        batch_op.drop_column('given_back_by_id')
    op.drop_table('member_campaign_gifts')
    with op.batch_alter_table('member_campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_member_campaigns_gifts_within_stock'), type_='check')
        batch_op.drop_index('ix_member_campaigns_group_campaign_id')
        batch_op.drop_constraint(op.f('fk_member_campaigns_group_campaign_id_member_group_campaigns'),
                                 type_='foreignkey')
        batch_op.drop_column('group_campaign_id')
        batch_op.drop_column('gifts_given')
        batch_op.drop_column('gift_stock')
        batch_op.drop_column('gift_name')
    op.drop_table('member_group_campaigns')
