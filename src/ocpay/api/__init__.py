"""The HTTP side: REST API under /api, health, metrics."""
