"""Alembic environment: migrations always run on the engine the app hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from mimamoru.db.tables import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("mimamoru migrations run through mimamoru.db.migrate, not the alembic CLI")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
