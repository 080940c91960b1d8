"""Domain-free plumbing shared by packages, player, certificates and portal."""
