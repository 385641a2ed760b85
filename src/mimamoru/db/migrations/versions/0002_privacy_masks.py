"""Privacy masks: current masks per camera, their history, and the version per segment.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cameras") as batch:
        batch.add_column(sa.Column("masks", sa.Text(), nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("mask_version", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("segments") as batch:
        batch.add_column(
            sa.Column("mask_version", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "mask_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "camera_id",
            sa.Integer(),
            sa.ForeignKey("cameras.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("masks", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("camera_id", "version"),
    )


def downgrade() -> None:
    op.drop_table("mask_versions")
    with op.batch_alter_table("segments") as batch:
        batch.drop_column("mask_version")
    with op.batch_alter_table("cameras") as batch:
        batch.drop_column("mask_version")
        batch.drop_column("masks")
