"""OCPP layer: schemas, version adapters and one small handler per action.

It maps 1.6 / 2.0.1 / 2.1 payloads to the version-neutral model in `model` and calls the ports in
`ports`, which the services implement. It imports neither the gateway nor the services.
"""

VERSIONS = ("1.6", "2.0.1", "2.1")
SUBPROTOCOLS = {"ocpp1.6": "1.6", "ocpp2.0.1": "2.0.1", "ocpp2.1": "2.1"}
