"""One storage layer (SQLAlchemy 2 Core + Alembic) that runs the same code on SQLite and PostgreSQL."""
