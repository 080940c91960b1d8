"""State, Activity Profile and Agent Profile documents in SQL (to be written)."""
