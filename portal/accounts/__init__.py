"""Portal accounts: users, partner organizations, sign-up, log-in, and account settings."""
