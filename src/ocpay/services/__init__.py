"""Services: the domain logic the CLI, the API and the OCPP handlers call."""
