"""repair (返修): a comeback job keeps the earlier job's order, so "came back" reads an index, not the jobs

Satisfaction's five assurances and repair's figures count an order as not fixed the first time when a confirmed
comeback points at one of its jobs; with the earlier order beside the link, a month's orders read only their own
comebacks. Backfilled from the links already made. Satisfaction's call list: the forms drawn for a verification call, by a
partial index (the list no longer reads every follow-up of the store); the follow-ups list by service time; a
follow-up keeps its form's time and points (backfilled), so the after-repair figures read the follow-ups alone.

Revision ID: 0035_cs6
Revises: 0034_members5
Create Date: 2026-12-06 19:40:00

"""
from alembic import op
import sqlalchemy as sa
import dealer.database


# revision identifiers, used by Alembic.
revision = '0035_cs6'
down_revision = '0034_members5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('repair_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comeback_of_order_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_repair_jobs_comeback_of_order_id_repair_orders'), 'repair_orders',
                                    ['comeback_of_order_id'], ['id'])
    op.execute("UPDATE repair_jobs SET comeback_of_order_id = (SELECT earlier.order_id FROM repair_jobs AS earlier "
               "WHERE earlier.id = repair_jobs.comeback_of_id) WHERE comeback_of_id IS NOT NULL")
    with op.batch_alter_table('repair_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_repair_jobs_store_id_came_back', ['store_id', 'comeback_of_order_id'], unique=False,
                              postgresql_where=sa.text("comeback_state = 'confirmed'"),
                              sqlite_where=sa.text("comeback_state = 'confirmed'"))
        batch_op.create_index('ix_repair_jobs_store_id_order_id_comeback', ['store_id', 'order_id'], unique=False,
                              postgresql_where=sa.text("comeback_state = 'confirmed'"),
                              sqlite_where=sa.text("comeback_state = 'confirmed'"))
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_at', dealer.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('points', sa.SmallInteger(), nullable=True))
    op.execute("UPDATE follow_ups SET "
               "answered_at = (SELECT f.submitted_at FROM feedback_forms AS f WHERE f.follow_up_id = follow_ups.id), "
               "points = (SELECT f.timeliness + f.quality + f.attitude FROM feedback_forms AS f "
               "WHERE f.follow_up_id = follow_ups.id) "
               "WHERE EXISTS (SELECT 1 FROM feedback_forms AS f WHERE f.follow_up_id = follow_ups.id)")
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_follow_ups_store_id_served_at', ['store_id', 'served_at'], unique=False)
        batch_op.create_index('ix_follow_ups_store_id_verify_pending', ['store_id', 'state', 'due_at'], unique=False,
                              postgresql_where=sa.text("verify_state = 'pending'"),
                              sqlite_where=sa.text("verify_state = 'pending'"))


def downgrade():
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_ups_store_id_verify_pending',
                            postgresql_where=sa.text("verify_state = 'pending'"),
                            sqlite_where=sa.text("verify_state = 'pending'"))
        batch_op.drop_index('ix_follow_ups_store_id_served_at')
        batch_op.drop_column('points')
        batch_op.drop_column('answered_at')
    with op.batch_alter_table('repair_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_repair_jobs_store_id_order_id_comeback',
                            postgresql_where=sa.text("comeback_state = 'confirmed'"),
                            sqlite_where=sa.text("comeback_state = 'confirmed'"))
        batch_op.drop_index('ix_repair_jobs_store_id_came_back',
                            postgresql_where=sa.text("comeback_state = 'confirmed'"),
                            sqlite_where=sa.text("comeback_state = 'confirmed'"))
        batch_op.drop_constraint(batch_op.f('fk_repair_jobs_comeback_of_order_id_repair_orders'), type_='foreignkey')
        batch_op.drop_column('comeback_of_order_id')
