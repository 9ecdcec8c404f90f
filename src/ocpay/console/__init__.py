"""The operator console: server-rendered pages over the same services as the REST API."""
