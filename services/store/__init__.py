"""Persistence: SQLModel tables, repositories (every SQL statement lives here) and Alembic migrations."""
