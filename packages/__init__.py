"""Rollcall packages."""
