"""/dial-batches: outbound dial campaigns (hub.domain.campaigns) — accepted in seconds, worked
through SQS, watched through their progress.

A batch of up to 100,000 records comes in pages of up to 10,000 (each ~1 MB of JSON, far under
Lambda's 6 MB and answered in well under API Gateway's 30 s): the first with POST, the rest with
PUT .../pages/{n}, each idempotent. Records are only stored here; the workers check, de-duplicate and
send them, and the batch's progress and rejections tell the outcome row by row."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from hub.api import paging
from hub.api.campaign_schemas import (
    DialBatchIn,
    DialBatchList,
    DialBatchOut,
    DialChunkList,
    DialPageIn,
    RejectionList,
)
from hub.api.common import PREFIX, Cursor, IdempotencyKey, Limit, created_by, documented, services, tenant
from hub.domain.campaigns import BatchSpec, CampaignService, ContactFilter
from hub.errors import BadRequest
from hub.models.campaign import MAX_PAGES, DialChunk

logger = Logger()
router = Router()
TAGS = ["dial batches"]
BatchId = Annotated[str, Path(max_length=64, pattern=r"^[0-9a-f]{24}$")]
ChunkNumber = Annotated[int, Path(ge=0, le=100_000)]
NOT_RECALLED = "Chunks already sent stay sent: a dialer's queued job cannot be recalled through its API."


def campaigns() -> CampaignService:
    found = services(router).campaigns
    assert found is not None  # the REST API's handler always builds it
    return found


def accepted(body: DialBatchOut | DialChunk, status: int = 202) -> Response:
    location = body.progress_url if isinstance(body, DialBatchOut) else None
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers={"Location": location} if location else None,
    )


@router.post(
    "/dial-batches",
    tags=TAGS,
    responses=documented(
        202, "Accepted: its records are checked and sent by the workers; watch `progress_url`", 409, 415
    ),
)
def create_batch(
    batch: Annotated[DialBatchIn, Body()], idempotency_key: IdempotencyKey = None
) -> DialBatchOut:
    """Requires an Idempotency-Key: a retried request must never start a second campaign. 409
    `idempotency_key_reused` when the key named another request."""
    if idempotency_key is None:
        raise BadRequest(
            "a dial batch needs an Idempotency-Key header, so a retry cannot dial anyone twice",
            code="idempotency_key_required",
        )
    found = batch.contact_filter
    spec = BatchSpec(
        provider=batch.provider,
        window=batch.window,
        max_attempts=batch.max_attempts,
        scenario=batch.scenario,
        base_id=batch.base_id,
        pages=batch.pages,
        contact_filter=ContactFilter(
            contact_type=found.type.value if found.type else None,
            name=found.name,
            updated_since=found.updated_since,
        )
        if found
        else None,
    )
    records = [record.model_dump(exclude_none=True, exclude_defaults=True) for record in batch.records]
    made = campaigns().submit(tenant(router), spec, records, idempotency_key, created_by(router))
    logger.info(
        "dial batch accepted", extra={"batch": made.id, "received": made.counts.received, "pages": made.pages}
    )
    return accepted(DialBatchOut.of(made, PREFIX))  # type: ignore[return-value]


@router.put(
    "/dial-batches/<batch_id>/pages/<page>",
    tags=TAGS,
    responses=documented(
        202, "The page is stored (sent again with the same records, nothing changes)", 409, 415
    ),
)
def put_page(
    batch_id: BatchId, page: Annotated[int, Path(ge=1, le=MAX_PAGES)], records: Annotated[DialPageIn, Body()]
) -> DialBatchOut:
    """409 `page_reused` when the page was sent with other records, `batch_cancelled`,
    `batch_takes_no_pages` for a batch of a contact filter; 400 `page_out_of_range`."""
    rows = [record.model_dump(exclude_none=True, exclude_defaults=True) for record in records.records]
    made = campaigns().add_page(tenant(router), batch_id, page, rows)
    return accepted(DialBatchOut.of(made, PREFIX))  # type: ignore[return-value]


@router.get("/dial-batches", tags=TAGS, responses=documented(200, "The tenant's batches, newest first"))
def list_batches(limit: Limit = 20, cursor: Cursor = None) -> DialBatchList:
    context = tenant(router)
    items, next_cursor = paging.read(
        context,
        paging.scope("dial-batches"),
        cursor,
        lambda start: campaigns().batches(context, limit, start),
    )
    return DialBatchList(items=[DialBatchOut.of(batch, PREFIX) for batch in items], next_cursor=next_cursor)


@router.get("/dial-batches/<batch_id>", tags=TAGS, responses=documented(200, "The batch's progress", 404))
def get_batch(batch_id: BatchId) -> DialBatchOut:
    return DialBatchOut.of(campaigns().batch(tenant(router), batch_id), PREFIX)


@router.delete(
    "/dial-batches/<batch_id>",
    tags=TAGS,
    responses=documented(200, "Cancelled: what was not sent never will be; what was sent stays sent", 404),
)
def cancel_batch(batch_id: BatchId) -> DialBatchOut:
    cancelled = campaigns().cancel(tenant(router), batch_id, created_by(router))
    logger.info("dial batch cancelled", extra={"batch": batch_id, "chunks": cancelled.chunks})
    return DialBatchOut.of(cancelled, PREFIX, notice=NOT_RECALLED)


@router.get(
    "/dial-batches/<batch_id>/chunks",
    tags=TAGS,
    responses=documented(200, "The batch's chunks, in order", 404),
)
def list_chunks(batch_id: BatchId, limit: Limit = 50, cursor: Cursor = None) -> DialChunkList:
    context = tenant(router)
    items, next_cursor = paging.read(
        context,
        paging.scope("dial-chunks", batch=batch_id),
        cursor,
        lambda start: campaigns().chunks(context, batch_id, limit, start),
    )
    return DialChunkList(items=items, next_cursor=next_cursor)


@router.post(
    "/dial-batches/<batch_id>/chunks/<number>/resend",
    tags=TAGS,
    responses=documented(202, "Queued to be sent again", 404, 409),
)
def resend_chunk(batch_id: BatchId, number: ChunkNumber, idempotency_key: IdempotencyKey = None) -> DialChunk:
    """An operator's word that an uncertain or failed chunk was not queued (checked in the dialer's
    cabinet or cdr): it goes again. 409 `chunk_not_resendable` for a chunk in another state."""
    chunk = campaigns().resend(tenant(router), batch_id, number, created_by(router))
    logger.info("dial chunk resent by an operator", extra={"batch": batch_id, "chunk": number})
    return accepted(chunk)  # type: ignore[return-value]


@router.post(
    "/dial-batches/<batch_id>/chunks/<number>/done",
    tags=TAGS,
    responses=documented(200, "Counted as sent; never sent again", 404, 409),
)
def chunk_done(batch_id: BatchId, number: ChunkNumber, idempotency_key: IdempotencyKey = None) -> DialChunk:
    """An operator's word that an uncertain chunk was queued after all. 409 `chunk_not_uncertain`."""
    return campaigns().mark_done(tenant(router), batch_id, number, created_by(router))


@router.get(
    "/dial-batches/<batch_id>/rejections",
    tags=TAGS,
    responses=documented(200, "Every record left out, with its page, row and reason", 404),
)
def list_rejections(batch_id: BatchId, limit: Limit = 20, cursor: Cursor = None) -> RejectionList:
    """Pages hold the rejections of whole slices (up to 1000 rows each), so a page may have more
    than `limit` rows."""
    context = tenant(router)
    items, next_cursor = paging.read(
        context,
        paging.scope("dial-rejections", batch=batch_id),
        cursor,
        lambda start: campaigns().rejections(context, batch_id, limit, start),
    )
    return RejectionList(items=items, next_cursor=next_cursor)
