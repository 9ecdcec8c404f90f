"""/healthz and /metrics: open to everyone (load balancers, scrapers), no identifiers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ocpay import __version__
from ocpay.api.deps import GatewayDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(gateway: GatewayDep) -> dict[str, Any]:
    return {
        "status": "ok",
        "version": __version__,
        "stations_connected": len(gateway.connections) if gateway else 0,
    }


@router.get("/metrics", response_class=Response)
async def metrics() -> Response:
    """Prometheus metrics: counts and timings only, no identifiers; open like /healthz for scrapers."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
