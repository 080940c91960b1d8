"""Admin pages (role admin): users, partners, site settings, catalog."""
