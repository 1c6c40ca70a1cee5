"""Alembic environment: always run on a connection handed over by `review.db.Database.upgrade()`."""

from __future__ import annotations

from alembic import context

from review.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through review.db.Database(url).upgrade(), which passes a connection")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
