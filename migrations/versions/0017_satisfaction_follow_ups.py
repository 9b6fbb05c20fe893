"""customer satisfaction: follow-ups (回访), feedback forms, calls, cases, complaints (投诉), signed month sheets

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 08:20:00.000000

"""
from alembic import op
import sqlalchemy as sa
import dealer.database


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('month_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('version', sa.SmallInteger(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('net_fen', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_month_assessments_signed_by_id_users')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_month_assessments_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_month_assessments')),
    sa.UniqueConstraint('store_id', 'month', 'version', name=op.f('uq_month_assessments_store_id_month_version'))
    )
    op.create_table('satisfaction_settings',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('follow_up_days', sa.SmallInteger(), nullable=False),
    sa.Column('link_valid_days', sa.SmallInteger(), nullable=False),
    sa.Column('verify_share_pct', sa.SmallInteger(), nullable=False),
    sa.Column('thin_month_minimum', sa.SmallInteger(), nullable=False),
    sa.Column('case_days', sa.SmallInteger(), nullable=False),
    sa.Column('complaint_ack_hours', sa.SmallInteger(), nullable=False),
    sa.Column('complaint_days', sa.SmallInteger(), nullable=False),
    sa.Column('case_words', sa.String(length=300), nullable=False),
    sa.Column('reward_fen', sa.BigInteger(), nullable=False),
    sa.Column('penalty_fen', sa.BigInteger(), nullable=False),
    sa.Column('extra_reward_fen', sa.BigInteger(), nullable=False),
    sa.Column('extra_penalty_fen', sa.BigInteger(), nullable=False),
    sa.Column('complaints_none_fen', sa.BigInteger(), nullable=False),
    sa.Column('complaints_low_max', sa.SmallInteger(), nullable=False),
    sa.Column('complaints_low_fen', sa.BigInteger(), nullable=False),
    sa.Column('complaints_mid_max', sa.SmallInteger(), nullable=False),
    sa.Column('complaints_mid_fen', sa.BigInteger(), nullable=False),
    sa.Column('complaints_high_max', sa.SmallInteger(), nullable=False),
    sa.Column('complaints_high_fen', sa.BigInteger(), nullable=False),
    sa.Column('complaints_top_fen', sa.BigInteger(), nullable=False),
    sa.Column('complaints_action_at', sa.SmallInteger(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('complaints_low_max < complaints_mid_max AND complaints_mid_max < complaints_high_max', name=op.f('ck_satisfaction_settings_bands_ascending')),
    sa.CheckConstraint('verify_share_pct BETWEEN 0 AND 100', name=op.f('ck_satisfaction_settings_verify_share_range')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_satisfaction_settings_store_id_stores')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_satisfaction_settings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('store_id', name=op.f('pk_satisfaction_settings'))
    )
    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('category', sa.String(length=12), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('contact_name', sa.String(length=50), nullable=False),
    sa.Column('contact_phone', sa.String(length=20), nullable=False),
    sa.Column('order_number', sa.String(length=30), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('received_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ack_due_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deadline_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('paused_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('pause_reason', sa.String(length=200), nullable=False),
    sa.Column('paused_seconds', sa.Integer(), nullable=False),
    sa.Column('resolution', sa.String(length=1000), nullable=False),
    sa.Column('owner_confirmed', sa.Boolean(), nullable=False),
    sa.Column('resolved_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('root_cause', sa.String(length=24), nullable=False),
    sa.Column('closed_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('received', 'acknowledged', 'investigating', 'resolved', 'closed')", name=op.f('ck_complaints_state_known')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_complaints_customer_id_customers')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_complaints_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['responsible_id'], ['users.id'], name=op.f('fk_complaints_responsible_id_users')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_complaints_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints'))
    )
    op.create_index('ix_complaints_store_id_received_at', 'complaints', ['store_id', 'received_at'], unique=False)
    op.create_index('ix_complaints_store_id_state_deadline_at', 'complaints', ['store_id', 'state', 'deadline_at'], unique=False)
    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('source_kind', sa.String(length=20), nullable=False),
    sa.Column('source_ref', sa.BigInteger(), nullable=False),
    sa.Column('source_number', sa.String(length=30), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('served_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('service_month', sa.Date(), nullable=False),
    sa.Column('due_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('link_expires_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('tries', sa.SmallInteger(), nullable=False),
    sa.Column('verify_state', sa.String(length=12), nullable=False),
    sa.Column('verified_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('waiting', 'answered', 'unreachable')", name=op.f('ck_follow_ups_state_known')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_follow_ups_customer_id_customers')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_follow_ups_handled_by_id_users')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_follow_ups_store_id_stores')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicles.id'], name=op.f('fk_follow_ups_vehicle_id_vehicles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups')),
    sa.UniqueConstraint('store_id', 'source_kind', 'source_ref', name=op.f('uq_follow_ups_store_id_source_kind_source_ref')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_follow_ups_token_hash'))
    )
    op.create_index('ix_follow_ups_store_id_service_month', 'follow_ups', ['store_id', 'service_month'], unique=False)
    op.create_index('ix_follow_ups_store_id_state_due_at', 'follow_ups', ['store_id', 'state', 'due_at'], unique=False)
    op.create_table('call_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('follow_up_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=12), nullable=False),
    sa.Column('reached', sa.Boolean(), nullable=False),
    sa.Column('timeliness', sa.SmallInteger(), nullable=True),
    sa.Column('quality', sa.SmallInteger(), nullable=True),
    sa.Column('attitude', sa.SmallInteger(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('called_by_id', sa.Integer(), nullable=True),
    sa.Column('called_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("purpose IN ('follow_up', 'verification')", name=op.f('ck_call_attempts_purpose_known')),
    sa.ForeignKeyConstraint(['called_by_id'], ['users.id'], name=op.f('fk_call_attempts_called_by_id_users')),
    sa.ForeignKeyConstraint(['follow_up_id'], ['follow_ups.id'], name=op.f('fk_call_attempts_follow_up_id_follow_ups')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_call_attempts_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_attempts'))
    )
    op.create_index('ix_call_attempts_store_id_follow_up_id', 'call_attempts', ['store_id', 'follow_up_id'], unique=False)
    op.create_table('feedback_forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('follow_up_id', sa.Integer(), nullable=False),
    sa.Column('timeliness', sa.SmallInteger(), nullable=False),
    sa.Column('quality', sa.SmallInteger(), nullable=False),
    sa.Column('attitude', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=False),
    sa.Column('may_call', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('link', 'phone')", name=op.f('ck_feedback_forms_channel_known')),
    sa.CheckConstraint('timeliness BETWEEN -2 AND 2 AND quality BETWEEN -2 AND 2 AND attitude BETWEEN -2 AND 2', name=op.f('ck_feedback_forms_grades_range')),
    sa.ForeignKeyConstraint(['follow_up_id'], ['follow_ups.id'], name=op.f('fk_feedback_forms_follow_up_id_follow_ups')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_feedback_forms_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_feedback_forms_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_forms')),
    sa.UniqueConstraint('follow_up_id', name=op.f('uq_feedback_forms_follow_up_id'))
    )
    op.create_index('ix_feedback_forms_store_id_follow_up_id', 'feedback_forms', ['store_id', 'follow_up_id'], unique=False)
    op.create_table('satisfaction_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('follow_up_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=12), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=True),
    sa.Column('deadline_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('outcome', sa.String(length=500), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', dealer.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('opened_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_satisfaction_cases_closed_by_id_users')),
    sa.ForeignKeyConstraint(['follow_up_id'], ['follow_ups.id'], name=op.f('fk_satisfaction_cases_follow_up_id_follow_ups')),
    sa.ForeignKeyConstraint(['form_id'], ['feedback_forms.id'], name=op.f('fk_satisfaction_cases_form_id_feedback_forms')),
    sa.ForeignKeyConstraint(['responsible_id'], ['users.id'], name=op.f('fk_satisfaction_cases_responsible_id_users')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_satisfaction_cases_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction_cases')),
    sa.UniqueConstraint('form_id', name=op.f('uq_satisfaction_cases_form_id'))
    )
    op.create_index('ix_satisfaction_cases_store_id_follow_up_id', 'satisfaction_cases', ['store_id', 'follow_up_id'], unique=False)
    op.create_index('ix_satisfaction_cases_store_id_state_deadline_at', 'satisfaction_cases', ['store_id', 'state', 'deadline_at'], unique=False)


def downgrade():
    op.drop_index('ix_satisfaction_cases_store_id_state_deadline_at', table_name='satisfaction_cases')
    op.drop_index('ix_satisfaction_cases_store_id_follow_up_id', table_name='satisfaction_cases')
    op.drop_table('satisfaction_cases')
    op.drop_index('ix_feedback_forms_store_id_follow_up_id', table_name='feedback_forms')
    op.drop_table('feedback_forms')
    op.drop_index('ix_call_attempts_store_id_follow_up_id', table_name='call_attempts')
    op.drop_table('call_attempts')
    op.drop_index('ix_follow_ups_store_id_state_due_at', table_name='follow_ups')
    op.drop_index('ix_follow_ups_store_id_service_month', table_name='follow_ups')
    op.drop_table('follow_ups')
    op.drop_index('ix_complaints_store_id_state_deadline_at', table_name='complaints')
    op.drop_index('ix_complaints_store_id_received_at', table_name='complaints')
    op.drop_table('complaints')
    op.drop_table('satisfaction_settings')
    op.drop_table('month_assessments')
