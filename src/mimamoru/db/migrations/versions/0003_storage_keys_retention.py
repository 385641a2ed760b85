"""Encryption at rest, retention in hours, evidence holds and deletion records.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cameras") as batch:
        batch.add_column(
            sa.Column("retention_hours", sa.Integer(), nullable=False, server_default="72")
        )
        batch.add_column(sa.Column("retention_justification", sa.Text(), nullable=True))
    # Keep what was configured; longer than 72 h now needs a justification, which older
    # installations did not ask for, so it says where it came from.
    op.execute("UPDATE cameras SET retention_hours = retention_days * 24")
    op.execute(
        "UPDATE cameras SET retention_justification = "
        "'set before justifications were required; please review' "
        "WHERE retention_days * 24 > 72"
    )
    with op.batch_alter_table("cameras") as batch:
        batch.drop_column("retention_days")
    op.create_table(
        "master_keys",
        sa.Column("fingerprint", sa.String(16), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "data_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "camera_id",
            sa.Integer(),
            sa.ForeignKey("cameras.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("period_start", sa.DateTime(), nullable=False),
        sa.Column("period_end", sa.DateTime(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=True),
        sa.Column("master_fingerprint", sa.String(16), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("camera_id", "period_start"),
    )
    op.create_index("ix_data_keys_period_end", "data_keys", ["period_end"])
    op.create_index("ix_data_keys_master_fingerprint", "data_keys", ["master_fingerprint"])
    with op.batch_alter_table("segments") as batch:
        batch.add_column(
            sa.Column(
                "key_id",
                sa.Integer(),
                sa.ForeignKey(
                    "data_keys.id", name="fk_segments_key_id_data_keys", ondelete="RESTRICT"
                ),
                nullable=True,
            )
        )
        batch.add_column(
            sa.Column("stored_bytes", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("stored_sha256", sa.String(64), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="ok"))
    op.create_index("ix_segments_start", "segments", ["start_time"])
    op.create_index("ix_segments_key", "segments", ["key_id"])
    op.create_table(
        "holds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "camera_id",
            sa.Integer(),
            sa.ForeignKey("cameras.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("start_time", sa.DateTime(), nullable=False),
        sa.Column("end_time", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("released_by", sa.String(64), nullable=True),
    )
    op.create_index("ix_holds_camera_id", "holds", ["camera_id"])
    op.create_table(
        "deletion_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("period_start", sa.DateTime(), nullable=True),
        sa.Column("period_end", sa.DateTime(), nullable=True),
        sa.Column("segment_count", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("keys_destroyed", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_deletion_records_created_at", "deletion_records", ["created_at"])
    op.create_index("ix_deletion_records_camera_id", "deletion_records", ["camera_id"])


def downgrade() -> None:
    op.drop_table("deletion_records")
    op.drop_table("holds")
    op.drop_index("ix_segments_key", "segments")
    op.drop_index("ix_segments_start", "segments")
    with op.batch_alter_table("segments") as batch:
        batch.drop_constraint("fk_segments_key_id_data_keys", type_="foreignkey")
        batch.drop_column("status")
        batch.drop_column("stored_sha256")
        batch.drop_column("stored_bytes")
        batch.drop_column("key_id")
    op.drop_table("data_keys")
    op.drop_table("master_keys")
    with op.batch_alter_table("cameras") as batch:
        batch.add_column(
            sa.Column("retention_days", sa.Integer(), nullable=False, server_default="1")
        )
    op.execute("UPDATE cameras SET retention_days = (retention_hours + 23) / 24")
    with op.batch_alter_table("cameras") as batch:
        batch.drop_column("retention_justification")
        batch.drop_column("retention_hours")
