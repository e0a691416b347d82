"""Alembic environment: runs Plaza's migrations on the connection :mod:`plaza.storage.migrate` passes."""

from __future__ import annotations

from alembic import context

from plaza.storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic` run by hand: use PLAZA_DATABASE_URL
    from plaza.config import load_settings
    from plaza.storage.engine import make_engine

    with make_engine(load_settings()).connect() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
