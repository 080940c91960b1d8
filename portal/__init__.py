"""Rollcall portal."""
