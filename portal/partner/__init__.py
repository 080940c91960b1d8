"""Partner pages: upload packages (with a progress bar), read the validation report, publish, edit catalog data."""
