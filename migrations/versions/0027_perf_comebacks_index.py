"""Performance: a store's comebacks (返修) as a set, for the quality measures of the five assurances and the
repair figures (a partial index on the jobs that are comebacks).

Revision ID: 0027_perf
Revises: 0026_lane3
Create Date: 2026-12-06 15:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0027_perf'
down_revision = '0026_lane3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_repair_jobs_store_id_comebacks', 'repair_jobs', ['store_id', 'comeback_of_id'],
                    postgresql_where=sa.text('comeback_of_id IS NOT NULL'),
                    sqlite_where=sa.text('comeback_of_id IS NOT NULL'))


def downgrade():
    op.drop_index('ix_repair_jobs_store_id_comebacks', table_name='repair_jobs')
