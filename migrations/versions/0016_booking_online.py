"""booking: opening hours, closed days, service kinds, capacity, slot buckets, check-in quarters, holds,
SMS verification codes and bookings (网上预约)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 07:51:41.228694

"""
from alembic import op
import sqlalchemy as sa
import dealer.database


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('booking_buckets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('day_part', sa.String(length=10), nullable=False),
    sa.Column('service_kind', sa.String(length=20), nullable=False),
    sa.Column('capacity_minutes', sa.Integer(), nullable=False),
    sa.Column('bays', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('capacity_minutes >= 0 AND bays >= 0', name=op.f('ck_booking_buckets_capacity_positive')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_booking_buckets_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_buckets')),
    sa.UniqueConstraint('store_id', 'day', 'day_part', 'service_kind', name=op.f('uq_booking_buckets_store_id_day_day_part_service_kind'))
    )
    op.create_table('booking_capacity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('day_part', sa.String(length=10), nullable=False),
    sa.Column('service_kind', sa.String(length=20), nullable=False),
    sa.Column('capacity_minutes', sa.Integer(), nullable=False),
    sa.Column('bays', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('capacity_minutes >= 0 AND bays >= 0', name=op.f('ck_booking_capacity_capacity_positive')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_booking_capacity_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_capacity')),
    sa.UniqueConstraint('store_id', 'day_part', 'service_kind', name=op.f('uq_booking_capacity_store_id_day_part_service_kind'))
    )
    op.create_table('booking_closed_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_booking_closed_days_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_closed_days')),
    sa.UniqueConstraint('store_id', 'day', name=op.f('uq_booking_closed_days_store_id_day'))
    )
    op.create_table('booking_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=11), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('voided_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('verified_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('proof_hash', sa.String(length=64), nullable=True),
    sa.Column('proof_used_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_booking_codes_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_codes'))
    )
    with op.batch_alter_table('booking_codes', schema=None) as batch_op:
        batch_op.create_index('ix_booking_codes_address_created_at', ['address', 'created_at'], unique=False)
        batch_op.create_index('ix_booking_codes_phone_created_at', ['phone', 'created_at'], unique=False)
        batch_op.create_index('ix_booking_codes_proof_hash', ['proof_hash'], unique=True)
        batch_op.create_index('ix_booking_codes_store_id_created_at', ['store_id', 'created_at'], unique=False)

    op.create_table('booking_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('day_part', sa.String(length=10), nullable=False),
    sa.Column('opens_minute', sa.SmallInteger(), nullable=False),
    sa.Column('closes_minute', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint("day_part IN ('morning', 'afternoon', 'evening')", name=op.f('ck_booking_hours_day_part_known')),
    sa.CheckConstraint('opens_minute < closes_minute AND opens_minute >= 0 AND closes_minute <= 1440', name=op.f('ck_booking_hours_hours_order')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_booking_hours_weekday_range')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_booking_hours_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_hours')),
    sa.UniqueConstraint('store_id', 'weekday', 'day_part', name=op.f('uq_booking_hours_store_id_weekday_day_part'))
    )
    op.create_table('booking_quarters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cap', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('cap >= 1', name=op.f('ck_booking_quarters_cap_positive')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_booking_quarters_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_quarters')),
    sa.UniqueConstraint('store_id', 'starts_at', name=op.f('uq_booking_quarters_store_id_starts_at'))
    )
    op.create_table('booking_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('labor_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('maintenance', 'repair', 'quick_lane', 'body_paint', 'inspection')", name=op.f('ck_booking_services_kind_known')),
    sa.CheckConstraint('labor_minutes BETWEEN 5 AND 1440', name=op.f('ck_booking_services_labor_minutes_range')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_booking_services_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_services')),
    sa.UniqueConstraint('store_id', 'kind', name=op.f('uq_booking_services_store_id_kind'))
    )
    op.create_table('booking_settings',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('checkins_per_quarter', sa.SmallInteger(), nullable=False),
    sa.Column('hold_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('daily_code_ceiling', sa.Integer(), nullable=False),
    sa.CheckConstraint('checkins_per_quarter >= 1', name=op.f('ck_booking_settings_checkins_positive')),
    sa.CheckConstraint('daily_code_ceiling >= 0', name=op.f('ck_booking_settings_code_ceiling_positive')),
    sa.CheckConstraint('hold_minutes BETWEEN 1 AND 30', name=op.f('ck_booking_settings_hold_minutes_range')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_booking_settings_store_id_stores')),
    sa.PrimaryKeyConstraint('store_id', name=op.f('pk_booking_settings'))
    )
    op.create_table('booking_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('bucket_id', sa.Integer(), nullable=False),
    sa.Column('quarter_id', sa.Integer(), nullable=False),
    sa.Column('holder', sa.String(length=64), nullable=False),
    sa.Column('service_kind', sa.String(length=20), nullable=False),
    sa.Column('starts_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('minutes', sa.SmallInteger(), nullable=False),
    sa.Column('expires_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bucket_id'], ['booking_buckets.id'], name=op.f('fk_booking_holds_bucket_id_booking_buckets')),
    sa.ForeignKeyConstraint(['quarter_id'], ['booking_quarters.id'], name=op.f('fk_booking_holds_quarter_id_booking_quarters')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_booking_holds_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_holds'))
    )
    with op.batch_alter_table('booking_holds', schema=None) as batch_op:
        batch_op.create_index('ix_booking_holds_store_id_bucket_id_expires_at', ['store_id', 'bucket_id', 'expires_at'], unique=False)
        batch_op.create_index('ix_booking_holds_store_id_holder', ['store_id', 'holder'], unique=False)
        batch_op.create_index('ix_booking_holds_store_id_quarter_id_expires_at', ['store_id', 'quarter_id', 'expires_at'], unique=False)

    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('vehicle_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('phone', sa.String(length=11), nullable=False),
    sa.Column('plate', sa.String(length=10), nullable=False),
    sa.Column('model', sa.String(length=60), nullable=False),
    sa.Column('service_kind', sa.String(length=20), nullable=False),
    sa.Column('bucket_id', sa.Integer(), nullable=False),
    sa.Column('quarter_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('minutes', sa.SmallInteger(), nullable=False),
    sa.Column('advisor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('created_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("source IN ('online', 'phone', 'api')", name=op.f('ck_bookings_source_known')),
    sa.CheckConstraint("state IN ('booked', 'checked_in', 'cancelled', 'no_show')", name=op.f('ck_bookings_state_known')),
    sa.ForeignKeyConstraint(['advisor_id'], ['users.id'], name=op.f('fk_bookings_advisor_id_users')),
    sa.ForeignKeyConstraint(['bucket_id'], ['booking_buckets.id'], name=op.f('fk_bookings_bucket_id_booking_buckets')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_bookings_customer_id_customers')),
    sa.ForeignKeyConstraint(['order_id'], ['repair_orders.id'], name=op.f('fk_bookings_order_id_repair_orders')),
    sa.ForeignKeyConstraint(['quarter_id'], ['booking_quarters.id'], name=op.f('fk_bookings_quarter_id_booking_quarters')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_bookings_store_id_stores')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicles.id'], name=op.f('fk_bookings_vehicle_id_vehicles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    sa.UniqueConstraint('code', name=op.f('uq_bookings_code')),
    sa.UniqueConstraint('store_id', 'idempotency_key', name=op.f('uq_bookings_store_id_idempotency_key'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_store_id_advisor_id_starts_at', ['store_id', 'advisor_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_bookings_store_id_bucket_id', ['store_id', 'bucket_id'], unique=False)
        batch_op.create_index('ix_bookings_store_id_quarter_id', ['store_id', 'quarter_id'], unique=False)
        batch_op.create_index('ix_bookings_store_id_starts_at', ['store_id', 'starts_at'], unique=False)



def downgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_store_id_starts_at')
        batch_op.drop_index('ix_bookings_store_id_quarter_id')
        batch_op.drop_index('ix_bookings_store_id_bucket_id')
        batch_op.drop_index('ix_bookings_store_id_advisor_id_starts_at')

    op.drop_table('bookings')
    with op.batch_alter_table('booking_holds', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_holds_store_id_quarter_id_expires_at')
        batch_op.drop_index('ix_booking_holds_store_id_holder')
        batch_op.drop_index('ix_booking_holds_store_id_bucket_id_expires_at')

    op.drop_table('booking_holds')
    op.drop_table('booking_settings')
    op.drop_table('booking_services')
    op.drop_table('booking_quarters')
    op.drop_table('booking_hours')
    with op.batch_alter_table('booking_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_codes_store_id_created_at')
        batch_op.drop_index('ix_booking_codes_proof_hash')
        batch_op.drop_index('ix_booking_codes_phone_created_at')
        batch_op.drop_index('ix_booking_codes_address_created_at')

    op.drop_table('booking_codes')
    op.drop_table('booking_closed_days')
    op.drop_table('booking_capacity')
    op.drop_table('booking_buckets')
