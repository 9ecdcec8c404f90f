"""OCPP layer: schemas, version adapters and one small handler per action.

It maps 1.6 / 2.0.1 / 2.1 payloads to the version-neutral model in `model` and calls the ports in
`ports`, which the domains implement; after an observed action's handler has answered, the
payment port may amend the answer (`dispatch`). It uses the gateway's framing (the layer below)
and never imports the domains.
"""
