"""The SQLAlchemy implementation of the LRS (SQLite and PostgreSQL)."""
