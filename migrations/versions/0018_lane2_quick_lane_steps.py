"""Quick lane, second slice: an owner's approval recorded in person at the desk (the lane's package price
and its extra work).

Revision ID: 0018_lane2_quick_lane_steps
Revises: 0017
Create Date: 2026-12-06 10:50:00
"""
from alembic import op

revision = '0018_lane2_quick_lane_steps'
down_revision = '0017'
branch_labels = None
depends_on = None

APPROVAL_METHODS_CHECK = "method IN ('signature', 'phone', 'online'%s)"


def upgrade():
    with op.batch_alter_table('repair_approvals', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_repair_approvals_method_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_repair_approvals_method_known'),
                                         APPROVAL_METHODS_CHECK % ", 'in_person'")


def downgrade():
    with op.batch_alter_table('repair_approvals', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_repair_approvals_method_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_repair_approvals_method_known'), APPROVAL_METHODS_CHECK % "")
