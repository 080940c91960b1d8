"""Enrollment: one click, idempotent, recorded as the xAPI ``registered`` statement (DESIGN.md)."""
