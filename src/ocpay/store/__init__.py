"""Storage: SQLAlchemy 2 models, Alembic migrations, SQLite (default) and PostgreSQL engines."""
