"""The gateway: WebSocket server, station identity, OCPP-J framing. Knows nothing of payments."""
