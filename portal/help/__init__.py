"""Help: the FAQ page (admin-editable) and the support contact shown where people get stuck."""
