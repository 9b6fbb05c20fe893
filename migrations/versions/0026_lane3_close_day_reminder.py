"""Quick lane, third slice: the reminder to close the lane's day (the store's close-by time, the SMS to the
manager on duty) and the record of each reminder, once per store and day; the lounge screen's name and language.

Revision ID: 0026_lane3
Revises: 0025_members3
Create Date: 2026-12-06 14:10:00
"""
import sqlalchemy as sa
from alembic import op

import dealer.database

revision = '0026_lane3'
down_revision = '0025_members3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quick_lane_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('close_by', sa.String(length=5), server_default='19:00', nullable=False))
        batch_op.add_column(sa.Column('close_reminder_sms', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('duty_manager_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('lounge_name', sa.String(length=60), server_default='', nullable=False))
        batch_op.add_column(sa.Column('lounge_locale', sa.String(length=10), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_quick_lane_settings_duty_manager_id_users'), 'users',
                                    ['duty_manager_id'], ['id'])
    op.create_table(
        'quick_lane_day_reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('cars', sa.SmallInteger(), nullable=False),
        sa.Column('reminded_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('sms_message_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_quick_lane_day_reminders_store_id_stores')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quick_lane_day_reminders')),
        sa.UniqueConstraint('store_id', 'day', name=op.f('uq_quick_lane_day_reminders_store_id_day')),
    )


def downgrade():
    op.drop_table('quick_lane_day_reminders')
    with op.batch_alter_table('quick_lane_settings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_quick_lane_settings_duty_manager_id_users'), type_='foreignkey')
        batch_op.drop_column('lounge_locale')
        batch_op.drop_column('lounge_name')
        batch_op.drop_column('duty_manager_id')
        batch_op.drop_column('close_reminder_sms')
        batch_op.drop_column('close_by')
