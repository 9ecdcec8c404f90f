"""How domain errors become HTTP answers: one table, read by the API's exception handlers."""

from __future__ import annotations

from ocpay.integration_requests import (
    DocumentTooLarge,
    IllegalTransition,
    RequestError,
    UnknownRequest,
    UnsupportedDocument,
)

# The first class in an error's method resolution order that is listed here decides its status.
REQUEST_ERROR_STATUS: dict[type[RequestError], int] = {
    UnknownRequest: 404,
    IllegalTransition: 409,
    DocumentTooLarge: 413,
    UnsupportedDocument: 415,
    RequestError: 422,
}


def status_of(exc: RequestError) -> int:
    """The HTTP status an API answers a refused request with."""
    for cls in type(exc).__mro__:
        if cls in REQUEST_ERROR_STATUS:
            return REQUEST_ERROR_STATUS[cls]
    return 422
