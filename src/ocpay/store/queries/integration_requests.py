"""Queries of the integration requests domain: requests, their documents, history and feature requests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ocpay.store.models import FeatureRequest, IntegrationRequest, RequestDocument, RequestHistoryEntry


async def request(s: AsyncSession, request_id: int, *, for_update: bool = False) -> IntegrationRequest | None:
    """The request with that id, or None; locked for the rest of the transaction when `for_update`."""
    if for_update:
        return await s.get(IntegrationRequest, request_id, with_for_update=True)
    return await s.get(IntegrationRequest, request_id)


async def feature_of(s: AsyncSession, request_id: int) -> FeatureRequest | None:
    """The feature request opened for that request, or None."""
    return await s.scalar(select(FeatureRequest).where(FeatureRequest.request_id == request_id))


async def requests_page(s: AsyncSession, *, status: str | None, offset: int, limit: int) -> list[IntegrationRequest]:
    """Requests newest first (only those in `status` when given), `limit` of them from `offset`."""
    query = select(IntegrationRequest).order_by(IntegrationRequest.id.desc()).offset(offset).limit(limit)
    if status is not None:
        query = query.where(IntegrationRequest.status == status)
    return list(await s.scalars(query))


async def document_counts(s: AsyncSession, request_ids: list[int]) -> dict[int, int]:
    """How many documents each of these requests has (requests without any are left out)."""
    counted = await s.execute(
        select(RequestDocument.request_id, func.count())
        .where(RequestDocument.request_id.in_(request_ids))
        .group_by(RequestDocument.request_id)
    )
    return {request_id: count for request_id, count in counted}


async def document_listing(s: AsyncSession, request_id: int) -> list[Row[Any]]:
    """The request's documents in upload order, without content: id, name, media_type, size, sha256, uploaded_at."""
    return list(
        await s.execute(
            select(
                RequestDocument.id, RequestDocument.name, RequestDocument.media_type, RequestDocument.size,
                RequestDocument.sha256, RequestDocument.uploaded_at,
            ).where(RequestDocument.request_id == request_id).order_by(RequestDocument.id)
        )
    )  # fmt: skip


async def document(s: AsyncSession, document_id: int) -> RequestDocument | None:
    """The stored document with that id (its masked copy included), or None."""
    return await s.get(RequestDocument, document_id)


async def history(s: AsyncSession, request_id: int) -> list[RequestHistoryEntry]:
    """The request's history, oldest entry first."""
    query = (
        select(RequestHistoryEntry).where(RequestHistoryEntry.request_id == request_id).order_by(RequestHistoryEntry.id)
    )
    return list(await s.scalars(query))


async def feature_requests_page(
    s: AsyncSession, *, status: str | None, offset: int, limit: int
) -> list[FeatureRequest]:
    """Feature requests newest first (only those in `status` when given), `limit` of them from `offset`."""
    query = select(FeatureRequest).order_by(FeatureRequest.id.desc()).offset(offset).limit(limit)
    if status is not None:
        query = query.where(FeatureRequest.status == status)
    return list(await s.scalars(query))
