"""customer satisfaction, third slice: the technician a complaint concerns (technician_id), counted per technician

Revision ID: 0022_cs3
Revises: 0021_members2
Create Date: 2026-12-06 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_cs3'
down_revision = '0021_members2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('technician_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_complaints_technician_id_users'), 'users', ['technician_id'],
                                    ['id'])
        batch_op.create_index('ix_complaints_store_id_technician_id', ['store_id', 'technician_id'], unique=False)


def downgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_store_id_technician_id')
        batch_op.drop_constraint(batch_op.f('fk_complaints_technician_id_users'), type_='foreignkey')
        batch_op.drop_column('technician_id')
