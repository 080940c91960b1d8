"""Alembic environment for the app's own tables (core.db.Base)."""

from core.db import Base, migration_env

migration_env(Base.metadata)
