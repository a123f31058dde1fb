"""Alembic migrations of the pledgeflow database."""
