"""rescue (24小时救援): accident claims (代办理赔), the owner's signature at hand-over, the board's map settings

Revision ID: 0028_rescue3
Revises: 0027_perf
Create Date: 2026-12-06 14:10:00

"""
from alembic import op
import sqlalchemy as sa
import dealer.database


# revision identifiers, used by Alembic.
revision = '0028_rescue3'
down_revision = '0027_perf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rescue_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('insurer', sa.String(length=60), nullable=False),
    sa.Column('policy_number', sa.String(length=40), nullable=False),
    sa.Column('report_number', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('reported_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reported_by', sa.String(length=60), nullable=False),
    sa.Column('surveyed_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('surveyed_by', sa.String(length=60), nullable=False),
    sa.Column('approved_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.String(length=60), nullable=False),
    sa.Column('approved_fen', sa.BigInteger(), nullable=True),
    sa.Column('paid_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paid_by', sa.String(length=60), nullable=False),
    sa.Column('paid_fen', sa.BigInteger(), nullable=True),
    sa.Column('refused_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('refused_by', sa.String(length=60), nullable=False),
    sa.Column('refusal_reason', sa.String(length=300), nullable=False),
    sa.CheckConstraint("state IN ('reported', 'surveyed', 'approved', 'paid', 'refused')", name=op.f('ck_rescue_claims_state_known')),
    sa.CheckConstraint('approved_fen IS NULL OR approved_fen >= 0', name=op.f('ck_rescue_claims_approved_not_negative')),
    sa.CheckConstraint('paid_fen IS NULL OR paid_fen >= 0', name=op.f('ck_rescue_claims_paid_not_negative')),
    sa.ForeignKeyConstraint(['call_id'], ['rescue_calls.id'], name=op.f('fk_rescue_claims_call_id_rescue_calls')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_rescue_claims_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rescue_claims')),
    sa.UniqueConstraint('store_id', 'call_id', name=op.f('uq_rescue_claims_store_id_call_id'))
    )
    with op.batch_alter_table('rescue_claims', schema=None) as batch_op:
        batch_op.create_index('ix_rescue_claims_store_id_state', ['store_id', 'state'], unique=False)
    with op.batch_alter_table('rescue_calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signature', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('owner_absent_reason', sa.String(length=300), nullable=False, server_default=''))
    with op.batch_alter_table('rescue_calls', schema=None) as batch_op:
        batch_op.alter_column('owner_absent_reason', server_default=None)
    with op.batch_alter_table('rescue_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('map_tile_url', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('map_tile_system', sa.String(length=6), nullable=False, server_default='wgs84'))
        batch_op.create_check_constraint('map_tile_system_known', sa.text("map_tile_system IN ('wgs84', 'gcj02')"))
    with op.batch_alter_table('rescue_settings', schema=None) as batch_op:
        batch_op.alter_column('map_tile_url', server_default=None)
        batch_op.alter_column('map_tile_system', server_default=None)


def downgrade():
    with op.batch_alter_table('rescue_settings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_rescue_settings_map_tile_system_known'), type_='check')
        batch_op.drop_column('map_tile_system')
        batch_op.drop_column('map_tile_url')
    with op.batch_alter_table('rescue_calls', schema=None) as batch_op:
        batch_op.drop_column('owner_absent_reason')
        batch_op.drop_column('signature')
    with op.batch_alter_table('rescue_claims', schema=None) as batch_op:
        batch_op.drop_index('ix_rescue_claims_store_id_state')
    op.drop_table('rescue_claims')
