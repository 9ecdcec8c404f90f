"""A simulated charger with its payment terminal, built from the dialect files (no Python per dialect)."""
