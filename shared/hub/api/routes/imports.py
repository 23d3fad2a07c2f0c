"""/imports: the status and per-row results of a contacts import accepted as a background job.

The import itself is submitted at POST /contacts/import (the contacts router): this router is
included before it so the OpenAPI document keeps its order."""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from hub.api import paging
from hub.api.common import PREFIX, Cursor, IdempotencyKey, created_by, documented, services, tenant
from hub.api.schemas import ImportJob, ImportRow
from hub.domain.imports import job_status
from hub.domain.tenants import TenantContext
from hub.errors import NotFound

router = Router()

JOB_ID = re.compile(r"[0-9a-f]{24,32}")
IMPORT_RESULT_ITEMS = 5  # result items per page of an import's rows: each holds a chunk (<= 100 rows)
# The handler may set another in the context ("import_result_items"): a test pages through a small job.


@router.post(
    "/imports/phonet-contacts",
    tags=["contacts"],
    responses=documented(
        202, "The import job, reading the tenant's Phonet contact book in the background", 409
    ),
)
def import_phonet_contacts(idempotency_key: IdempotencyKey = None) -> ImportJob:
    """Every contact of the tenant's Phonet contact book merged into the hub's contacts by its
    `phonet` external code (a second import updates, or leaves unchanged, what the first made).
    The book is read page by page in the import worker; follow `status_url` for the counts and the
    per-row results (each with `ref`, the Phonet id). An Idempotency-Key names the job."""
    context = tenant(router)
    job = services(router).imports.submit_source(context, "phonet", idempotency_key, created_by(router))
    accepted = import_job(context, job)
    return Response(  # type: ignore[return-value]
        status_code=202,
        content_type=content_types.APPLICATION_JSON,
        body=accepted,
        headers={"Location": accepted.status_url},
    )


@router.get(
    "/imports/<job_id>",
    tags=["contacts"],
    responses=documented(200, "The import's status and counts, and a page of its per-row results", 404),
)
def get_import(job_id: str, cursor: Cursor = None) -> ImportJob:
    context = tenant(router)
    service = services(router).imports
    per_page = IMPORT_RESULT_ITEMS
    if not JOB_ID.fullmatch(job_id):  # not an id this API gives: nobody's job (and no odd key for DynamoDB)
        raise NotFound("no such import")
    job = service.job(context, job_id)
    rows, next_cursor = paging.read(
        context,
        paging.scope("imports", job=job_id),
        cursor,
        lambda start: service.results(context, job_id, per_page, start),
    )
    return import_job(context, job, [ImportRow.model_validate(row) for row in rows], next_cursor)


def import_job(
    context: TenantContext,
    job: dict[str, Any],
    rows: list[ImportRow] | None = None,
    next_cursor: str | None = None,
) -> ImportJob:
    return ImportJob(
        **{name: job[name] for name in ("job_id", "merge", "total", "created", "updated", "failed")},
        unchanged=job.get("unchanged", 0),
        skipped=job.get("skipped", 0),
        source=job.get("source"),
        chunks=job["chunks"],
        chunks_done=job["chunks_done"],
        status=job_status(job),
        status_url=f"{PREFIX}/imports/{job['job_id']}",
        submitted_at=job["created_at"],
        finished_at=job.get("finished_at"),
        rows=rows or [],
        next_cursor=next_cursor,
    )
