"""One small handler per OCPP action: adapt the payload to the neutral model, call a port, adapt back."""
