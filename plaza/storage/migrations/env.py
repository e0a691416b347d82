"""Alembic environment: runs Plaza's migrations on the connection :mod:`plaza.storage.migrate` passes."""

from __future__ import annotations

from alembic import context

from plaza.storage.schema import metadata

#: Objects the migrations create by hand that autogenerate must not propose to drop.
_HAND_MADE = ("search_fts", "lexemes", "ix_search_documents_lexemes")


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    return not (name or "").startswith(_HAND_MADE)


connection = context.config.attributes.get("connection")
if connection is None:  # `alembic` run by hand: use PLAZA_DATABASE_URL
    from plaza.config import load_settings
    from plaza.storage.engine import make_engine

    with make_engine(load_settings()).connect() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True,
                          include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                          include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()
