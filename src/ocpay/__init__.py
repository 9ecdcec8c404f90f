"""ocpay: an OCPP central system for chargers with payment terminals."""

__version__ = "0.1.0"
