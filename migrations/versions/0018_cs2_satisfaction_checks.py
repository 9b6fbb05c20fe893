"""customer satisfaction, second slice: the top-marks check's thresholds; complaints from the public form
(channel "site", was "web") and suggestions (kind); the order a complaint names (order_id); supervision notes (啄木鸟 observations, key-customer visits)

Revision ID: 0018_cs2
Revises: 0017
Create Date: 2026-12-06 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
import dealer.database


# revision identifiers, used by Alembic.
revision = '0018_cs2'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('satisfaction_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('top_marks_min_forms', sa.SmallInteger(), server_default='5', nullable=False))
        batch_op.add_column(sa.Column('on_the_spot_minutes', sa.SmallInteger(), server_default='30', nullable=False))
        batch_op.add_column(sa.Column('on_the_spot_share_pct', sa.SmallInteger(), server_default='50',
                                      nullable=False))
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=12), server_default='complaint', nullable=False))
        batch_op.add_column(sa.Column('order_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_complaints_order_id_repair_orders'), 'repair_orders', ['order_id'],
                                    ['id'])
    op.execute("UPDATE complaints SET channel = 'site' WHERE channel = 'web'")
    op.create_table('supervision_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('noted_on', sa.Date(), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('concerns_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.String(length=2000), nullable=False),
    sa.Column('needs_action', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', dealer.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('observation', 'visit')", name=op.f('ck_supervision_notes_kind_known')),
    sa.ForeignKeyConstraint(['concerns_id'], ['users.id'], name=op.f('fk_supervision_notes_concerns_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_supervision_notes_customer_id_customers')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_supervision_notes_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_supervision_notes_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_notes'))
    )
    with op.batch_alter_table('supervision_notes', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_notes_store_id_noted_on', ['store_id', 'noted_on'], unique=False)


def downgrade():
    op.drop_table('supervision_notes')
    op.execute("UPDATE complaints SET channel = 'web' WHERE channel = 'site'")
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_complaints_order_id_repair_orders'), type_='foreignkey')
        batch_op.drop_column('order_id')
        batch_op.drop_column('kind')
    with op.batch_alter_table('satisfaction_settings', schema=None) as batch_op:
        batch_op.drop_column('on_the_spot_share_pct')
        batch_op.drop_column('on_the_spot_minutes')
        batch_op.drop_column('top_marks_min_forms')
