"""/xapi/statements (to be written)."""
