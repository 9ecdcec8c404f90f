"""What a route gets from the running app: its services and its gateway (FastAPI dependencies)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ocpay.app.container import Services
from ocpay.gateway.server import Gateway


def services_of(request: Request) -> Services:
    """The services the app was created with."""
    services: Services = request.app.state.services
    return services


def gateway_of(request: Request) -> Gateway | None:
    """The gateway holding the station connections, or None in a process without one."""
    gateway: Gateway | None = request.app.state.gateway
    return gateway


ServicesDep = Annotated[Services, Depends(services_of)]
GatewayDep = Annotated[Gateway | None, Depends(gateway_of)]
