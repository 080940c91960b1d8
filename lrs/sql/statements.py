"""Statements in SQL: storage, voiding, retrieval and queries (to be written)."""
