"""/sync: the tenant's scheduled syncs, their status and a run on demand.

A run on demand is queued for the sync worker, not run in the request: a first history run backfills
days of calls, far beyond the 29 s API Gateway waits for an answer, and the worker's queue already
gives retries, a DLQ and one run at a time per message. So POST answers 202 with where to watch it."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from hub.api.common import PREFIX, IdempotencyKey, documented, services, tenant
from hub.api.sync_schemas import SyncRequested, SyncRunOut, SyncSourceOut, SyncStatus
from hub.domain.sync import Source

logger = Logger()
router = Router()
SourceName = Annotated[
    str,
    Path(description="One of " + ", ".join(s.value for s in Source) + "; another is a 404 `unknown_source`"),
]


@router.get("/sync", tags=["sync"], responses=documented(200, "Each source's cursor, lag and last run"))
def get_sync() -> SyncStatus:
    board = services(router).sync
    items = [
        SyncSourceOut(
            source=status.source,
            vendor=status.source.vendor.value,
            credentials=status.credentials,
            cursor=status.cursor,
            lag_ms=status.lag_ms,
            last_run=SyncRunOut.model_validate(status.last_run) if status.last_run else None,
        )
        for status in board.status(tenant(router))
    ]
    return SyncStatus(items=items)


@router.post(
    "/sync/<source>",
    tags=["sync"],
    responses={
        **documented(202, "Queued for the sync worker; watch `status_url`", 409),
    },
)
def post_sync(source: SourceName, idempotency_key: IdempotencyKey = None) -> SyncRequested:
    request = services(router).sync.request(tenant(router), source)
    logger.info("sync requested", extra={"source": request.source})
    accepted = SyncRequested(
        source=request.source, requested_at=request.requested_at, status_url=f"{PREFIX}/sync"
    )
    return Response(  # type: ignore[return-value]
        status_code=202,
        content_type=content_types.APPLICATION_JSON,
        body=accepted,
        headers={"Location": accepted.status_url},
    )
