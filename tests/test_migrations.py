"""The migrations build exactly the tables ``plaza.storage.schema`` declares: a database made by
``plaza db upgrade`` and the code that reads it agree, column for column and index for index."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from plaza.storage.migrate import upgrade
from plaza.storage.schema import metadata


def test_a_migrated_database_has_the_declared_schema(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'plaza.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    # search's FTS5 tables are made by the migration itself, outside the declared metadata
    assert [d for d in differences if "search_fts" not in str(d)] == []
