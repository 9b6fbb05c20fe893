"""membership, session 5: customer loss's closed months rolled up nightly (member_loss_months); when each owner
was last seen, counted nightly (member_owner_seen, member_owner_seen_runs); an index of a store's marketing SMS by day

Revision ID: 0034_members5
Revises: 0033_booking4
Create Date: 2026-12-06 19:45:00

"""
from alembic import op
import sqlalchemy as sa
import dealer.database


# revision identifiers, used by Alembic.
revision = '0034_members5'
down_revision = '0033_booking4'
branch_labels = None
depends_on = None


def upgrade():
    # No backfill: the loss page counts every month live until the store's first night writes its rows.
    op.create_table('member_loss_months',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('at_risk_months', sa.SmallInteger(), nullable=False),
    sa.Column('lost_months', sa.SmallInteger(), nullable=False),
    sa.Column('active', sa.Integer(), nullable=False),
    sa.Column('newly_at_risk', sa.Integer(), nullable=False),
    sa.Column('newly_lost', sa.Integer(), nullable=False),
    sa.Column('won_back', sa.Integer(), nullable=False),
    sa.Column('computed_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_member_loss_months_store_id_stores')),
    sa.PrimaryKeyConstraint('store_id', 'month', name=op.f('pk_member_loss_months'))
    )
    # No backfill either: without a run of tonight the lists count live.
    op.create_table('member_owner_seen',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_member_owner_seen_store_id_stores')),
    sa.PrimaryKeyConstraint('store_id', 'customer_id', name=op.f('pk_member_owner_seen'))
    )
    op.create_index('ix_member_owner_seen_store_id_seen_at', 'member_owner_seen', ['store_id', 'seen_at', 'customer_id'],
                    unique=False)
    # the month's marketing messages of a store (a campaign's monthly limit in every preview): sms's table, one index
    op.create_index('ix_sms_messages_store_id_marketing_created_at', 'sms_messages',
                    ['store_id', 'created_at', 'customer_id'], unique=False,
                    postgresql_where=sa.text("category = 'marketing'"), sqlite_where=sa.text("category = 'marketing'"))
    op.create_table('member_owner_seen_runs',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('computed_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_member_owner_seen_runs_store_id_stores')),
    sa.PrimaryKeyConstraint('store_id', name=op.f('pk_member_owner_seen_runs'))
    )


def downgrade():
    op.drop_index('ix_sms_messages_store_id_marketing_created_at', table_name='sms_messages',
                  postgresql_where=sa.text("category = 'marketing'"), sqlite_where=sa.text("category = 'marketing'"))
    op.drop_table('member_owner_seen_runs')
    op.drop_index('ix_member_owner_seen_store_id_seen_at', table_name='member_owner_seen')
    op.drop_table('member_owner_seen')
    op.drop_table('member_loss_months')
