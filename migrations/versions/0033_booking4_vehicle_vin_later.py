"""booking (网上预约) 4: a car booked online is filed with its plate and model, its VIN filled in at check-in
(vehicles.vin nullable, its unique key per store a partial index on the VINs given; vehicles.source says who
filed the car: desk, online_booking, rescue, member_join)

Revision ID: 0033_booking4
Revises: 0032_members4
Create Date: 2026-12-06 17:00:00

"""
from alembic import op
import sqlalchemy as sa
import dealer.database


# revision identifiers, used by Alembic.
revision = '0033_booking4'
down_revision = '0032_members4'
branch_labels = None
depends_on = None

VIN_GIVEN = sa.text("vin IS NOT NULL")


def upgrade():
    with op.batch_alter_table('vehicles') as batch_op:
        batch_op.drop_constraint(op.f('uq_vehicles_store_id_vin'), type_='unique')
        batch_op.alter_column('vin', existing_type=dealer.database.SearchKey, nullable=True)
        batch_op.alter_column('vin_reversed', existing_type=dealer.database.SearchKey, nullable=True)
        batch_op.add_column(sa.Column('source', sa.String(length=20), server_default='desk', nullable=False))
    op.create_index('uq_vehicles_store_id_vin', 'vehicles', ['store_id', 'vin'], unique=True,
                    postgresql_where=VIN_GIVEN, sqlite_where=VIN_GIVEN)


def downgrade():
    # A car still waiting for its VIN cannot stay without one: it goes (with what hangs on it, refused by the
    # foreign keys if it has orders) before the column is NOT NULL again.
    op.execute("DELETE FROM odometer_readings WHERE vehicle_id IN (SELECT id FROM vehicles WHERE vin IS NULL)")
    op.execute("DELETE FROM vehicle_ownerships WHERE vehicle_id IN (SELECT id FROM vehicles WHERE vin IS NULL)")
    op.execute("UPDATE bookings SET vehicle_id = NULL WHERE vehicle_id IN (SELECT id FROM vehicles WHERE vin IS NULL)")
    op.execute("DELETE FROM vehicles WHERE vin IS NULL")
    op.drop_index('uq_vehicles_store_id_vin', table_name='vehicles')
    with op.batch_alter_table('vehicles') as batch_op:
        batch_op.drop_column('source')
        batch_op.alter_column('vin_reversed', existing_type=dealer.database.SearchKey, nullable=False)
        batch_op.alter_column('vin', existing_type=dealer.database.SearchKey, nullable=False)
        batch_op.create_unique_constraint(op.f('uq_vehicles_store_id_vin'), ['store_id', 'vin'])
