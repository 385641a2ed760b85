"""Groups of users and groups of cameras; grants to a group and on a camera group.

Existing grants (one user, one camera) are kept as they are. On SQLite the grants table
is rebuilt (batch mode) because SQLite cannot relax NOT NULL or add constraints in place.

Downgrading deletes every grant that names a group or a camera group, since the older
schema cannot hold them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_SUBJECT = (
    "(user_id IS NOT NULL AND group_id IS NULL) OR (user_id IS NULL AND group_id IS NOT NULL)"
)
ONE_TARGET = (
    "(camera_id IS NOT NULL AND camera_group_id IS NULL)"
    " OR (camera_id IS NULL AND camera_group_id IS NOT NULL)"
)


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "group_members",
        sa.Column(
            "group_id",
            sa.Integer(),
            sa.ForeignKey("groups.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_group_members_user_id", "group_members", ["user_id"])
    op.create_table(
        "camera_groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "camera_group_members",
        sa.Column(
            "camera_group_id",
            sa.Integer(),
            sa.ForeignKey("camera_groups.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "camera_id",
            sa.Integer(),
            sa.ForeignKey("cameras.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_camera_group_members_camera_id", "camera_group_members", ["camera_id"])
    with op.batch_alter_table("grants") as batch:
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("camera_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(
            sa.Column(
                "group_id",
                sa.Integer(),
                # Named: batch mode on SQLite can only add named constraints.
                sa.ForeignKey("groups.id", ondelete="CASCADE", name="fk_grants_group_id"),
                nullable=True,
            )
        )
        batch.add_column(
            sa.Column(
                "camera_group_id",
                sa.Integer(),
                sa.ForeignKey(
                    "camera_groups.id", ondelete="CASCADE", name="fk_grants_camera_group_id"
                ),
                nullable=True,
            )
        )
        batch.create_unique_constraint(
            "uq_grants_user_camera_group", ["user_id", "camera_group_id"]
        )
        batch.create_unique_constraint("uq_grants_group_camera", ["group_id", "camera_id"])
        batch.create_unique_constraint(
            "uq_grants_group_camera_group", ["group_id", "camera_group_id"]
        )
        batch.create_check_constraint("ck_grants_one_subject", ONE_SUBJECT)
        batch.create_check_constraint("ck_grants_one_target", ONE_TARGET)
        batch.create_index("ix_grants_camera_group_id", ["camera_group_id"])


def downgrade() -> None:
    op.execute("DELETE FROM grants WHERE group_id IS NOT NULL OR camera_group_id IS NOT NULL")
    with op.batch_alter_table("grants") as batch:
        batch.drop_index("ix_grants_camera_group_id")
        batch.drop_constraint("ck_grants_one_target", type_="check")
        batch.drop_constraint("ck_grants_one_subject", type_="check")
        batch.drop_constraint("uq_grants_group_camera_group", type_="unique")
        batch.drop_constraint("uq_grants_group_camera", type_="unique")
        batch.drop_constraint("uq_grants_user_camera_group", type_="unique")
        batch.drop_column("camera_group_id")
        batch.drop_column("group_id")
        batch.alter_column("camera_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("camera_group_members")
    op.drop_table("camera_groups")
    op.drop_table("group_members")
    op.drop_table("groups")
