"""Named installation secrets wrapped by the master key (the audit chain's HMAC key).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wrapped_secrets",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("master_fingerprint", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("wrapped_secrets")
