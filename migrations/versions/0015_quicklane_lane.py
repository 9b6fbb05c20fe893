"""quick lane (快修区): lane settings and roster, express packages (快保套餐) and their items, lane orders

A bay holds one car: a unique index on (store_id, bay) over the cars in a bay.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 07:51:52.312504

"""
from alembic import op
import sqlalchemy as sa
import dealer.database


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('quick_lane_packages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('price_fen', sa.Integer(), nullable=False),
    sa.Column('bay_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('wash_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('interval_km', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('price_fen >= 0 AND bay_minutes > 0 AND wash_minutes >= 0', name=op.f('ck_quick_lane_packages_in_range')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_quick_lane_packages_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quick_lane_packages')),
    sa.UniqueConstraint('store_id', 'code', name=op.f('uq_quick_lane_packages_store_id_code'))
    )
    op.create_table('quick_lane_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('bays', sa.SmallInteger(), nullable=False),
    sa.Column('cap_per_quarter', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('bays BETWEEN 1 AND 20 AND cap_per_quarter BETWEEN 1 AND 50', name=op.f('ck_quick_lane_settings_in_range')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_quick_lane_settings_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quick_lane_settings')),
    sa.UniqueConstraint('store_id', name=op.f('uq_quick_lane_settings_store_id'))
    )
    op.create_table('quick_lane_package_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.BigInteger(), nullable=True),
    sa.Column('operation_id', sa.Integer(), nullable=True),
    sa.Column('hours', sa.Integer(), nullable=True),
    sa.CheckConstraint("(kind = 'parts' AND part_id IS NOT NULL AND quantity > 0) OR (kind = 'labor' AND operation_id IS NOT NULL AND hours > 0)", name=op.f('ck_quick_lane_package_items_complete')),
    sa.ForeignKeyConstraint(['operation_id'], ['labor_operations.id'], name=op.f('fk_quick_lane_package_items_operation_id_labor_operations')),
    sa.ForeignKeyConstraint(['package_id'], ['quick_lane_packages.id'], name=op.f('fk_quick_lane_package_items_package_id_quick_lane_packages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_quick_lane_package_items_part_id_parts')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_quick_lane_package_items_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quick_lane_package_items'))
    )
    with op.batch_alter_table('quick_lane_package_items', schema=None) as batch_op:
        batch_op.create_index('ix_quick_lane_package_items_store_id_package_id', ['store_id', 'package_id'], unique=False)

    op.create_table('quick_lane_shifts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('on_shift', sa.Boolean(), nullable=False),
    sa.Column('created_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_quick_lane_shifts_store_id_stores')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_quick_lane_shifts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quick_lane_shifts')),
    sa.UniqueConstraint('store_id', 'user_id', name=op.f('uq_quick_lane_shifts_store_id_user_id'))
    )
    op.create_table('quick_lane_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('repair_order_id', sa.Integer(), nullable=True),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('plate', sa.String(length=20), nullable=False),
    sa.Column('package_name', sa.String(length=60), nullable=False),
    sa.Column('key_tag', sa.String(length=10), nullable=False),
    sa.Column('stage', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('package_job_id', sa.Integer(), nullable=True),
    sa.Column('package_price_fen', sa.Integer(), nullable=False),
    sa.Column('bay_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('wash_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('extra_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('bay', sa.SmallInteger(), nullable=True),
    sa.Column('technician_id', sa.Integer(), nullable=True),
    sa.Column('advisor_id', sa.Integer(), nullable=True),
    sa.Column('key_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('promised_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('estimate_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('in_bay_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('washing_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ready_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handed_over_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("stage IN ('waiting', 'in_bay', 'washing', 'ready', 'handed_over')", name=op.f('ck_quick_lane_orders_stage_known')),
    sa.ForeignKeyConstraint(['advisor_id'], ['users.id'], name=op.f('fk_quick_lane_orders_advisor_id_users')),
    sa.ForeignKeyConstraint(['package_id'], ['quick_lane_packages.id'], name=op.f('fk_quick_lane_orders_package_id_quick_lane_packages')),
    sa.ForeignKeyConstraint(['repair_order_id'], ['repair_orders.id'], name=op.f('fk_quick_lane_orders_repair_order_id_repair_orders')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_quick_lane_orders_store_id_stores')),
    sa.ForeignKeyConstraint(['technician_id'], ['users.id'], name=op.f('fk_quick_lane_orders_technician_id_users')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicles.id'], name=op.f('fk_quick_lane_orders_vehicle_id_vehicles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quick_lane_orders')),
    sa.UniqueConstraint('store_id', 'repair_order_id', name=op.f('uq_quick_lane_orders_store_id_repair_order_id'))
    )
    with op.batch_alter_table('quick_lane_orders', schema=None) as batch_op:
        batch_op.create_index('ix_quick_lane_orders_store_id_promised_at', ['store_id', 'promised_at'], unique=False)
        batch_op.create_index('ix_quick_lane_orders_store_id_stage_key_at', ['store_id', 'stage', 'key_at'], unique=False)
        batch_op.create_index('uq_quick_lane_orders_store_id_bay', ['store_id', 'bay'], unique=True, sqlite_where=sa.text("stage = 'in_bay'"), postgresql_where=sa.text("stage = 'in_bay'"))



def downgrade():
    with op.batch_alter_table('quick_lane_orders', schema=None) as batch_op:
        batch_op.drop_index('uq_quick_lane_orders_store_id_bay', sqlite_where=sa.text("stage = 'in_bay'"), postgresql_where=sa.text("stage = 'in_bay'"))
        batch_op.drop_index('ix_quick_lane_orders_store_id_stage_key_at')
        batch_op.drop_index('ix_quick_lane_orders_store_id_promised_at')

    op.drop_table('quick_lane_orders')
    op.drop_table('quick_lane_shifts')
    with op.batch_alter_table('quick_lane_package_items', schema=None) as batch_op:
        batch_op.drop_index('ix_quick_lane_package_items_store_id_package_id')

    op.drop_table('quick_lane_package_items')
    op.drop_table('quick_lane_settings')
    op.drop_table('quick_lane_packages')
