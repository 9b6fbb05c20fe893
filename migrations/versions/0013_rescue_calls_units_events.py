"""rescue (24小时救援): calls, their timeline, the store's rescue units

Coordinates are WGS-84 degrees (columns *_wgs84). One migration for the module's tables.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 07:51:07.548293

"""
from alembic import op
import sqlalchemy as sa
import dealer.database


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rescue_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('crew', sa.String(length=60), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('capabilities', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('current_call_id', sa.Integer(), nullable=True),
    sa.Column('latitude_wgs84', sa.Float(), nullable=True),
    sa.Column('longitude_wgs84', sa.Float(), nullable=True),
    sa.Column('position_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('service_van', 'flatbed', 'wheel_lift')", name=op.f('ck_rescue_units_kind_known')),
    sa.CheckConstraint("status IN ('available', 'on_job', 'off_shift')", name=op.f('ck_rescue_units_status_known')),
    sa.CheckConstraint('latitude_wgs84 IS NULL OR latitude_wgs84 BETWEEN -90 AND 90', name=op.f('ck_rescue_units_latitude_range')),
    sa.CheckConstraint('longitude_wgs84 IS NULL OR longitude_wgs84 BETWEEN -180 AND 180', name=op.f('ck_rescue_units_longitude_range')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_rescue_units_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rescue_units')),
    sa.UniqueConstraint('store_id', 'current_call_id', name=op.f('uq_rescue_units_store_id_current_call_id')),
    sa.UniqueConstraint('store_id', 'name', name=op.f('uq_rescue_units_store_id_name'))
    )
    op.create_table('rescue_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('intake_key', sa.String(length=36), nullable=False),
    sa.Column('caller_phone', sa.String(length=20), nullable=False),
    sa.Column('caller_name', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('vehicle_id', sa.Integer(), nullable=True),
    sa.Column('customer_created_by_rescue', sa.Boolean(), nullable=False),
    sa.Column('plate', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('latitude_wgs84', sa.Float(), nullable=True),
    sa.Column('longitude_wgs84', sa.Float(), nullable=True),
    sa.Column('area', sa.String(length=8), nullable=False),
    sa.Column('fault_type', sa.String(length=16), nullable=True),
    sa.Column('concern', sa.String(length=500), nullable=False),
    sa.Column('drivable', sa.Boolean(), nullable=True),
    sa.Column('tow_needed', sa.Boolean(), nullable=False),
    sa.Column('needs_flatbed', sa.Boolean(), nullable=False),
    sa.Column('injuries', sa.Boolean(), nullable=False),
    sa.Column('told_emergency_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('on_expressway', sa.Boolean(), nullable=False),
    sa.Column('sent_to_12122_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handed_over_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('children_waiting', sa.Boolean(), nullable=False),
    sa.Column('ev_low_charge', sa.Boolean(), nullable=False),
    sa.Column('priority', sa.SmallInteger(), nullable=False),
    sa.Column('priority_reasons', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('received_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('dispatched_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('arrived_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('leg', sa.SmallInteger(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('eta_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('eta_approximate', sa.Boolean(), nullable=False),
    sa.Column('crew_token_hash', sa.String(length=64), nullable=True),
    sa.Column('crew_token_expires_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('repair_order_id', sa.Integer(), nullable=True),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("area IN ('town', 'outside')", name=op.f('ck_rescue_calls_area_known')),
    sa.CheckConstraint("fault_type IS NULL OR fault_type IN ('no_start', 'flat_tyre', 'accident', 'out_of_fuel', 'locked_out', 'overheating', 'ev_no_charge', 'other')", name=op.f('ck_rescue_calls_fault_type_known')),
    sa.CheckConstraint("state IN ('received', 'dispatched', 'en_route', 'on_scene', 'towing', 'completed', 'cancelled')", name=op.f('ck_rescue_calls_state_known')),
    sa.CheckConstraint('latitude_wgs84 IS NULL OR latitude_wgs84 BETWEEN -90 AND 90', name=op.f('ck_rescue_calls_latitude_range')),
    sa.CheckConstraint('longitude_wgs84 IS NULL OR longitude_wgs84 BETWEEN -180 AND 180', name=op.f('ck_rescue_calls_longitude_range')),
    sa.CheckConstraint('priority BETWEEN 1 AND 3', name=op.f('ck_rescue_calls_priority_range')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_rescue_calls_customer_id_customers')),
    sa.ForeignKeyConstraint(['received_by_id'], ['users.id'], name=op.f('fk_rescue_calls_received_by_id_users')),
    sa.ForeignKeyConstraint(['repair_order_id'], ['repair_orders.id'], name=op.f('fk_rescue_calls_repair_order_id_repair_orders')),
    sa.ForeignKeyConstraint(['station_id'], ['partner_stations.id'], name=op.f('fk_rescue_calls_station_id_partner_stations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_rescue_calls_store_id_stores')),
    sa.ForeignKeyConstraint(['unit_id'], ['rescue_units.id'], name=op.f('fk_rescue_calls_unit_id_rescue_units')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicles.id'], name=op.f('fk_rescue_calls_vehicle_id_vehicles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rescue_calls')),
    sa.UniqueConstraint('crew_token_hash', name=op.f('uq_rescue_calls_crew_token_hash')),
    sa.UniqueConstraint('store_id', 'intake_key', name=op.f('uq_rescue_calls_store_id_intake_key'))
    )
    with op.batch_alter_table('rescue_calls', schema=None) as batch_op:
        batch_op.create_index('ix_rescue_calls_store_id_caller_phone', ['store_id', 'caller_phone'], unique=False)
        batch_op.create_index('ix_rescue_calls_store_id_state_received_at', ['store_id', 'state', 'received_at'], unique=False)

    op.create_table('rescue_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('leg', sa.SmallInteger(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('by', sa.String(length=60), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('photo', sa.String(length=80), nullable=True),
    sa.CheckConstraint("kind IN ('received', 'dispatched', 'en_route', 'on_scene', 'towing', 'completed', 'cancelled', 'released', 'told_emergency', 'sent_to_12122', 'handed_over', 'tow_in_opened')", name=op.f('ck_rescue_events_kind_known')),
    sa.ForeignKeyConstraint(['call_id'], ['rescue_calls.id'], name=op.f('fk_rescue_events_call_id_rescue_calls')),
    sa.ForeignKeyConstraint(['station_id'], ['partner_stations.id'], name=op.f('fk_rescue_events_station_id_partner_stations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_rescue_events_store_id_stores')),
    sa.ForeignKeyConstraint(['unit_id'], ['rescue_units.id'], name=op.f('fk_rescue_events_unit_id_rescue_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_rescue_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rescue_events')),
    sa.UniqueConstraint('store_id', 'call_id', 'leg', 'kind', name=op.f('uq_rescue_events_store_id_call_id_leg_kind'))
    )


def downgrade():
    op.drop_table('rescue_events')
    with op.batch_alter_table('rescue_calls', schema=None) as batch_op:
        batch_op.drop_index('ix_rescue_calls_store_id_state_received_at')
        batch_op.drop_index('ix_rescue_calls_store_id_caller_phone')

    op.drop_table('rescue_calls')
    op.drop_table('rescue_units')
