"""Integrations: the dialect and catalog file formats (the YAML files themselves are data)."""
