"""Rollcall player."""
