"""Access requests and their decisions (the approval flow).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "requester_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_access_requests_requester_id"),
            nullable=False,
        ),
        sa.Column(
            "camera_id",
            sa.Integer(),
            sa.ForeignKey("cameras.id", ondelete="CASCADE", name="fk_access_requests_camera_id"),
            nullable=False,
        ),
        sa.Column("operation", sa.String(16), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("valid_until", sa.DateTime(), nullable=True),
        sa.CheckConstraint("start_at < end_at", name="ck_access_requests_range"),
        sa.CheckConstraint(
            "operation IN ('playback', 'export')", name="ck_access_requests_operation"
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'approved', 'rejected', 'expired', 'withdrawn')",
            name="ck_access_requests_state",
        ),
    )
    op.create_index(
        "ix_access_requests_requester_camera",
        "access_requests",
        ["requester_id", "camera_id", "state"],
    )
    op.create_index("ix_access_requests_state", "access_requests", ["state"])
    op.create_index("ix_access_requests_camera_id", "access_requests", ["camera_id"])
    op.create_table(
        "access_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey(
                "access_requests.id", ondelete="CASCADE", name="fk_access_decisions_request_id"
            ),
            nullable=False,
        ),
        sa.Column(
            "approver_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL", name="fk_access_decisions_approver_id"),
            nullable=True,
        ),
        sa.Column("approver", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("request_id", "approver_id", name="uq_access_decisions_approver"),
        sa.CheckConstraint(
            "decision IN ('approve', 'reject')", name="ck_access_decisions_decision"
        ),
    )
    op.create_index("ix_access_decisions_request_id", "access_decisions", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_access_decisions_request_id", table_name="access_decisions")
    op.drop_table("access_decisions")
    op.drop_index("ix_access_requests_camera_id", table_name="access_requests")
    op.drop_index("ix_access_requests_state", table_name="access_requests")
    op.drop_index("ix_access_requests_requester_camera", table_name="access_requests")
    op.drop_table("access_requests")
