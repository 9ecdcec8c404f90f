"""The REST API's routes, one module per resource; `ocpay.api.app` puts them together."""
