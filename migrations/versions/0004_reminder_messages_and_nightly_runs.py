"""reminder scan: messages name their reminder, partial indexes, nightly runs per store

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:58:27.024938

Generated with `flask db revision --autogenerate --rev-id 0004`, then reviewed: the link between a
reminder and its SMS moves to the message (sms_messages.reminder_id, filled from reminders.message_id
before that column goes); the indexes on columns most messages leave empty become partial; the two
tables the nightly scan fills lose their foreign keys (each key check locks the row it names: two
thirds of the scan's time, see docs/sms-and-reminders.md).
"""
from alembic import op
import sqlalchemy as sa
import dealer.database


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('nightly_runs',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=40), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('finished_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_nightly_runs_store_id_stores')),
    sa.PrimaryKeyConstraint('store_id', 'task', name=op.f('pk_nightly_runs'))
    )
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_id', BIGINT, nullable=True))

    # Every linked reminder names its message; the message now names the reminder.
    op.execute("UPDATE sms_messages SET reminder_id = (SELECT r.id FROM reminders r WHERE r.message_id = sms_messages.id) "
               "WHERE id IN (SELECT message_id FROM reminders WHERE message_id IS NOT NULL)")

    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_sms_messages_store_id_dedupe_key'), type_='unique')
        batch_op.drop_index('ix_sms_messages_provider_id')
        batch_op.create_index('uq_sms_messages_store_id_dedupe_key', ['store_id', 'dedupe_key'], unique=True, postgresql_where=sa.text('dedupe_key IS NOT NULL'), sqlite_where=sa.text('dedupe_key IS NOT NULL'))
        batch_op.create_index('uq_sms_messages_reminder_id', ['reminder_id'], unique=True, postgresql_where=sa.text('reminder_id IS NOT NULL'), sqlite_where=sa.text('reminder_id IS NOT NULL'))
        batch_op.create_index('ix_sms_messages_provider_id', ['provider_id'], unique=False, postgresql_where=sa.text('provider_id IS NOT NULL'), sqlite_where=sa.text('provider_id IS NOT NULL'))
        batch_op.drop_constraint(batch_op.f('fk_sms_messages_customer_id_customers'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_sms_messages_vehicle_id_vehicles'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_sms_messages_store_id_stores'), type_='foreignkey')

    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index('ix_reminders_message_id')
        batch_op.drop_constraint(batch_op.f('fk_reminders_message_id_sms_messages'), type_='foreignkey')
        batch_op.drop_column('message_id')
        batch_op.drop_constraint(batch_op.f('fk_reminders_advisor_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_reminders_customer_id_customers'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_reminders_vehicle_id_vehicles'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_reminders_store_id_stores'), type_='foreignkey')
        batch_op.drop_index('ix_reminders_store_id_advisor_id_state')
        batch_op.create_index('ix_reminders_store_id_due_date', ['store_id', 'due_date'], unique=False)


def downgrade():
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', BIGINT, nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reminders_store_id_stores'), 'stores', ['store_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_reminders_vehicle_id_vehicles'), 'vehicles', ['vehicle_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_reminders_customer_id_customers'), 'customers', ['customer_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_reminders_advisor_id_users'), 'users', ['advisor_id'], ['id'])

    op.execute("UPDATE reminders SET message_id = (SELECT m.id FROM sms_messages m WHERE m.reminder_id = reminders.id) "
               "WHERE id IN (SELECT reminder_id FROM sms_messages WHERE reminder_id IS NOT NULL)")

    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_reminders_message_id_sms_messages'), 'sms_messages', ['message_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_reminders_message_id', ['message_id'], unique=False)
        batch_op.drop_index('ix_reminders_store_id_due_date')
        batch_op.create_index('ix_reminders_store_id_advisor_id_state', ['store_id', 'advisor_id', 'state'], unique=False)

    # What the foreign keys' ON DELETE SET NULL would have done while there were none.
    for column, table in (('customer_id', 'customers'), ('vehicle_id', 'vehicles')):
        op.execute(f"UPDATE sms_messages SET {column} = NULL WHERE {column} IS NOT NULL "
                   f"AND {column} NOT IN (SELECT id FROM {table})")

    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_sms_messages_store_id_stores'), 'stores', ['store_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_sms_messages_vehicle_id_vehicles'), 'vehicles', ['vehicle_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_sms_messages_customer_id_customers'), 'customers', ['customer_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_index('ix_sms_messages_provider_id')
        batch_op.drop_index('uq_sms_messages_reminder_id')
        batch_op.drop_index('uq_sms_messages_store_id_dedupe_key')
        batch_op.create_index('ix_sms_messages_provider_id', ['provider_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_sms_messages_store_id_dedupe_key'), ['store_id', 'dedupe_key'])
        batch_op.drop_column('reminder_id')

    op.drop_table('nightly_runs')
