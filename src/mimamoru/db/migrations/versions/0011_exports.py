"""Signed evidence exports, the provision register, and the per-camera approval exemption.

``provision_register`` has no foreign keys on purpose: an entry must outlive the footage,
the export's package and the camera (APPI Arts. 29-30: kept three years).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
# After the access requests (0010), merged into this branch.
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN, not a batch rebuild: rebuilding ``cameras`` on SQLite would fire
    # the ON DELETE CASCADE of the tables that point at it.
    op.add_column(
        "cameras",
        sa.Column(
            "export_without_approval", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    op.create_table(
        "exports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "camera_id",
            sa.Integer(),
            sa.ForeignKey("cameras.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("camera_name", sa.String(100), nullable=False),
        sa.Column("start_time", sa.DateTime(), nullable=False),
        sa.Column("end_time", sa.DateTime(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.String(16), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("requester", sa.String(64), nullable=False),
        sa.Column("approvers", sa.Text(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("gaps", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("download_count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "legal_basis IN ('consent', 'law', 'protection', 'internal')", name="ck_exports_basis"
        ),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed', 'expired')", name="ck_exports_state"
        ),
    )
    op.create_index("ix_exports_camera", "exports", ["camera_id"])
    op.create_index("ix_exports_expires", "exports", ["expires_at"])
    op.create_table(
        "provision_register",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provided_at", sa.DateTime(), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.String(16), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("camera_name", sa.String(100), nullable=False),
        sa.Column("start_time", sa.DateTime(), nullable=False),
        sa.Column("end_time", sa.DateTime(), nullable=False),
        sa.Column("export_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("keep_until", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_provision_register_provided_at", "provision_register", ["provided_at"])


def downgrade() -> None:
    op.drop_index("ix_provision_register_provided_at", table_name="provision_register")
    op.drop_table("provision_register")
    op.drop_index("ix_exports_expires", table_name="exports")
    op.drop_index("ix_exports_camera", table_name="exports")
    op.drop_table("exports")
    op.drop_column("cameras", "export_without_approval")
