"""rescue (24小时救援): store settings (SLA targets, station acceptance), station coverage, the learned ETA,
the figures' and the closed-call search's indexes, shift handovers (交班)

Revision ID: 0023_rescue2
Revises: 0022_cs3
Create Date: 2026-12-06 10:40:00

"""
from alembic import op
import sqlalchemy as sa
import dealer.database


# revision identifiers, used by Alembic.
revision = '0023_rescue2'
down_revision = '0022_cs3'
branch_labels = None
depends_on = None

OLD_KINDS = ("'received', 'dispatched', 'en_route', 'on_scene', 'towing', 'completed', 'cancelled', 'released', "
             "'told_emergency', 'sent_to_12122', 'handed_over', 'tow_in_opened'")
NEW_KINDS = OLD_KINDS + ", 'accepted', 'eta_slipped'"


def upgrade():
    op.create_table('rescue_settings',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('dispatch_target_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('arrival_town_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('arrival_outside_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('station_accept_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('stale_position_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('eta_slip_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('updated_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('learned_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('dispatch_target_minutes BETWEEN 1 AND 240', name=op.f('ck_rescue_settings_dispatch_target_range')),
    sa.CheckConstraint('arrival_town_minutes BETWEEN 1 AND 600', name=op.f('ck_rescue_settings_arrival_town_range')),
    sa.CheckConstraint('arrival_outside_minutes BETWEEN 1 AND 600', name=op.f('ck_rescue_settings_arrival_outside_range')),
    sa.CheckConstraint('station_accept_minutes BETWEEN 1 AND 120', name=op.f('ck_rescue_settings_station_accept_range')),
    sa.CheckConstraint('stale_position_minutes BETWEEN 1 AND 1440', name=op.f('ck_rescue_settings_stale_position_range')),
    sa.CheckConstraint('eta_slip_minutes BETWEEN 1 AND 240', name=op.f('ck_rescue_settings_eta_slip_range')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_rescue_settings_store_id_stores')),
    sa.PrimaryKeyConstraint('store_id', name=op.f('pk_rescue_settings'))
    )
    op.create_table('rescue_station_coverage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('radius_km', sa.Float(), nullable=False),
    sa.Column('opens_minute', sa.SmallInteger(), nullable=True),
    sa.Column('closes_minute', sa.SmallInteger(), nullable=True),
    sa.CheckConstraint('radius_km > 0 AND radius_km <= 500', name=op.f('ck_rescue_station_coverage_radius_range')),
    sa.CheckConstraint('(opens_minute IS NULL AND closes_minute IS NULL) OR (opens_minute BETWEEN 0 AND 1439 AND closes_minute BETWEEN 0 AND 1439 AND opens_minute <> closes_minute)', name=op.f('ck_rescue_station_coverage_hours_range')),
    sa.ForeignKeyConstraint(['station_id'], ['partner_stations.id'], name=op.f('fk_rescue_station_coverage_station_id_partner_stations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_rescue_station_coverage_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rescue_station_coverage')),
    sa.UniqueConstraint('store_id', 'station_id', name=op.f('uq_rescue_station_coverage_store_id_station_id'))
    )
    op.create_table('rescue_learned_eta',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('measure', sa.String(length=16), nullable=False),
    sa.Column('area', sa.String(length=8), nullable=False),
    sa.Column('band', sa.String(length=8), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('samples', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_rescue_learned_eta_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rescue_learned_eta')),
    sa.UniqueConstraint('store_id', 'measure', 'area', 'band', name=op.f('uq_rescue_learned_eta_store_id_measure_area_band'))
    )
    op.create_table('rescue_handovers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('written_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('written_by_id', sa.Integer(), nullable=True),
    sa.Column('written_by', sa.String(length=60), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=False),
    sa.Column('open_calls', sa.JSON(), nullable=False),
    sa.Column('units_out', sa.JSON(), nullable=False),
    sa.Column('acknowledged_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_by', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_rescue_handovers_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_rescue_handovers_store_id_stores')),
    sa.ForeignKeyConstraint(['written_by_id'], ['users.id'], name=op.f('fk_rescue_handovers_written_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rescue_handovers'))
    )
    with op.batch_alter_table('rescue_handovers', schema=None) as batch_op:
        batch_op.create_index('ix_rescue_handovers_store_id_written_at', ['store_id', 'written_at'], unique=False)
    with op.batch_alter_table('rescue_calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leg_dispatched_at', dealer.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('accepted_at', dealer.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('set_off_at', dealer.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('estimate_minutes', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('estimate_distance_km', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('estimate_kind', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('estimate_band', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('eta_slips', sa.SmallInteger(), nullable=False, server_default='0'))
        batch_op.create_index('ix_rescue_calls_store_id_received_at', ['store_id', 'received_at'], unique=False)
        batch_op.create_index('ix_rescue_calls_store_id_plate', ['store_id', 'plate'], unique=False)
    with op.batch_alter_table('rescue_calls', schema=None) as batch_op:
        batch_op.alter_column('eta_slips', server_default=None)  # the existing calls got their 0; the model sets it
    with op.batch_alter_table('rescue_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_rescue_events_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', sa.text(f"kind IN ({NEW_KINDS})"))


def downgrade():
    with op.batch_alter_table('rescue_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_rescue_events_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', sa.text(f"kind IN ({OLD_KINDS})"))
    with op.batch_alter_table('rescue_calls', schema=None) as batch_op:
        batch_op.drop_index('ix_rescue_calls_store_id_plate')
        batch_op.drop_index('ix_rescue_calls_store_id_received_at')
        for column in ('eta_slips', 'estimate_band', 'estimate_kind', 'estimate_distance_km', 'estimate_minutes', 'set_off_at',
                       'accepted_at', 'leg_dispatched_at'):
            batch_op.drop_column(column)
    op.drop_table('rescue_handovers')
    op.drop_table('rescue_learned_eta')
    op.drop_table('rescue_station_coverage')
    op.drop_table('rescue_settings')
