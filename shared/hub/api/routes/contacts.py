"""/contacts: list, search, create, import, read, change and delete the tenant's contacts."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from hub.api import paging
from hub.api.common import (
    Cursor,
    IdempotencyKey,
    IfMatch,
    Limit,
    created_by,
    documented,
    expected_version,
    services,
    tenant,
    with_etag,
)
from hub.api.routes.imports import import_job
from hub.api.schemas import (
    MAX_PAGE_SIZE,
    ContactCreate,
    ContactList,
    ContactPatch,
    ImportJob,
    ImportRequest,
    ImportResult,
    ImportRow,
    Moment,
)
from hub.domain.contacts import ContactInput
from hub.errors import Conflict, NotFound, PreconditionFailed
from hub.models.contact import EXTERNAL_SYSTEM, PHONE_LENGTH, Contact, ContactType

logger = Logger()
router = Router()


@router.get("/contacts", tags=["contacts"], responses=documented(200, "A page of contacts"))
def list_contacts(
    limit: Limit = 50,
    cursor: Cursor = None,
    phone: Annotated[
        str | None, Query(max_length=PHONE_LENGTH, description="Holders of this number, any form")
    ] = None,
    name: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Each word starts a word of the name or company; any case, ё as е",
        ),
    ] = None,
    external_code: Annotated[
        str | None, Query(max_length=150, pattern=rf"^{EXTERNAL_SYSTEM}:.+$", description="`system:code`")
    ] = None,
    contact_type: Annotated[ContactType | None, Query(alias="type")] = None,
    updated_since: Annotated[
        Moment | None, Query(description="Changed at or after; oldest change first")
    ] = None,
) -> ContactList:
    context, since, contacts = tenant(router), updated_since, services(router).contacts
    if phone or external_code:  # a key lookup: a handful of contacts, one page
        system, _, code = (external_code or "").partition(":")
        found = contacts.find(
            context,
            limit=limit,
            phone=phone,
            external_code=(system, code) if external_code else None,
            name=name,
            contact_type=contact_type,
            updated_since=since,
        )
        return ContactList(items=found)
    items, next_cursor = paging.read(
        context,
        paging.scope("contacts", name=name, type=contact_type, since=since),
        cursor,
        lambda start: contacts.page(
            context, limit=limit, start=start, name=name, contact_type=contact_type, updated_since=since
        ),
    )
    return ContactList(items=items, next_cursor=next_cursor)


@router.post(
    "/contacts",
    tags=["contacts"],
    status_code=201,
    responses=documented(201, "The new contact", 409, 415),
)
def create_contact(
    contact: Annotated[ContactCreate, Body()], idempotency_key: IdempotencyKey = None
) -> Contact:
    data = ContactInput.model_validate(contact.model_dump(exclude_unset=True))
    return services(router).contacts.create(tenant(router), data, created_by=created_by(router))


@router.post(
    "/contacts/import",
    tags=["contacts"],
    responses={
        **documented(200, "Up to 100 rows: applied; one result per row, in the rows' order", 409, 415),
        202: {
            "description": "More rows: accepted as a job, applied in the background; poll `status_url`",
            "content": {content_types.APPLICATION_JSON: {"model": ImportJob}},
        },
    },
)
def import_rows(
    request: Annotated[ImportRequest, Body()], idempotency_key: IdempotencyKey = None
) -> ImportResult | ImportJob:
    context = tenant(router)
    service = services(router).imports
    job = service.submit(context, request.rows, request.merge, idempotency_key, created_by(router))
    if job["mode"] == "async":
        accepted = import_job(context, job)
        logger.info("contacts import queued", extra={"job": job["job_id"], "rows": job["total"]})
        return Response(  # type: ignore[return-value]
            status_code=202,  # the body is checked against the annotation: ImportJob, not ImportResult
            content_type=content_types.APPLICATION_JSON,
            body=accepted,
            headers={"Location": accepted.status_url},
        )
    rows: list[ImportRow] = []
    start: dict[str, str] | None = None
    while True:  # a small import's results are one or two items
        page = service.results(context, job["job_id"], MAX_PAGE_SIZE, start)
        rows += [ImportRow.model_validate(row) for row in page.items]
        if (start := page.next_start) is None:
            break
    rows.sort(key=lambda row: row.row)
    counts = {
        status: job.get(status, 0) for status in ("created", "updated", "unchanged", "skipped", "failed")
    }
    logger.info("contacts imported", extra={f"rows_{status}": count for status, count in counts.items()})
    return ImportResult(**counts, rows=rows, job_id=job["job_id"])


@router.get(
    "/contacts/by-external-code/<system>/<code>",
    tags=["contacts"],
    responses=documented(200, "The contact holding this code", 404),
)
def contact_by_external_code(system: str, code: str) -> Contact:
    found = services(router).contacts.find_by_external_code(tenant(router), system, unquote(code).strip())
    if found is None:
        raise NotFound("no contact holds this external code")
    return found


@router.get("/contacts/<contact_id>", tags=["contacts"], responses=documented(200, "The contact", 404))
def get_contact(contact_id: str) -> Contact:
    return with_etag(services(router).contacts.get(tenant(router), contact_id))  # type: ignore[return-value]


@router.patch(
    "/contacts/<contact_id>",
    tags=["contacts"],
    responses=documented(200, "The changed contact", 404, 409, 412, 415),
)
def update_contact(
    contact_id: str,
    patch: Annotated[ContactPatch, Body()],
    if_match: IfMatch = None,
) -> Contact:
    changes = patch.model_dump(exclude_unset=True, exclude={"version"})
    header_version = expected_version(if_match)
    try:
        updated = services(router).contacts.update(
            tenant(router), contact_id, changes, expected_version=header_version or patch.version
        )
    except Conflict as exc:
        if header_version is not None and exc.code == "version_mismatch":
            raise PreconditionFailed("the contact changed since the version If-Match names") from exc
        raise
    return with_etag(updated)  # type: ignore[return-value]


@router.delete(
    "/contacts/<contact_id>",
    tags=["contacts"],
    responses=documented(204, "Deleted; its calls stay, as records of what happened", 404, 409, 412),
)
def delete_contact(contact_id: str, if_match: IfMatch = None) -> None:
    version = expected_version(if_match)
    try:
        services(router).contacts.delete(tenant(router), contact_id, expected_version=version)
    except Conflict as exc:
        if version is not None and exc.code == "version_mismatch":
            raise PreconditionFailed("the contact changed since the version If-Match names") from exc
        raise
    return Response(status_code=204)  # type: ignore[return-value]
