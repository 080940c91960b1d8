"""Rollcall certificates."""
