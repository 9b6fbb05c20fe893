"""booking: the owner's progress links (透明度), online decisions on extra work (费用安心), the booking's
reminder and overbooking reason, and the store's change deadline

Revision ID: 0020_booking2
Revises: 0019_lane2
Create Date: 2026-12-06 10:55:00.000000

"""
from alembic import op
import sqlalchemy as sa
import dealer.database


# revision identifiers, used by Alembic.
revision = '0020_booking2'
down_revision = '0019_lane2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('booking_progress_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_opened_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_opened_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('opens', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['repair_orders.id'], name=op.f('fk_booking_progress_links_order_id_repair_orders')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_booking_progress_links_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_progress_links')),
    sa.UniqueConstraint('store_id', 'order_id', name=op.f('uq_booking_progress_links_store_id_order_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_booking_progress_links_token_hash'))
    )
    op.create_table('booking_online_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=False),
    sa.Column('estimate_version', sa.SmallInteger(), nullable=False),
    sa.Column('approved_total_fen', sa.BigInteger(), nullable=False),
    sa.Column('decided_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision IN ('approved', 'declined')", name=op.f('ck_booking_online_decisions_decision_known')),
    sa.ForeignKeyConstraint(['job_id'], ['repair_jobs.id'], name=op.f('fk_booking_online_decisions_job_id_repair_jobs')),
    sa.ForeignKeyConstraint(['order_id'], ['repair_orders.id'], name=op.f('fk_booking_online_decisions_order_id_repair_orders')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_booking_online_decisions_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_online_decisions')),
    sa.UniqueConstraint('store_id', 'job_id', name=op.f('uq_booking_online_decisions_store_id_job_id'))
    )
    with op.batch_alter_table('booking_online_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_booking_online_decisions_store_id_order_id', ['store_id', 'order_id'], unique=False)

    with op.batch_alter_table('booking_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_hours_before', sa.SmallInteger(), server_default='2', nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_booking_settings_change_hours_range'), 'change_hours_before BETWEEN 0 AND 168')

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', dealer.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('overbook_reason', sa.String(length=200), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('overbook_reason')
        batch_op.drop_column('reminded_at')

    with op.batch_alter_table('booking_settings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_booking_settings_change_hours_range'), type_='check')
        batch_op.drop_column('change_hours_before')

    with op.batch_alter_table('booking_online_decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_online_decisions_store_id_order_id')

    op.drop_table('booking_online_decisions')
    op.drop_table('booking_progress_links')
