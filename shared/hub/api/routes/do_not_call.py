"""/do-not-call: the numbers the tenant's campaigns must never dial; list, add, remove, import."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from hub.api import paging
from hub.api.common import Cursor, IdempotencyKey, Limit, created_by, documented, services, tenant
from hub.api.do_not_call_schemas import (
    DoNotCallImportIn,
    DoNotCallImportOut,
    DoNotCallIn,
    DoNotCallOut,
    DoNotCallPage,
)
from hub.models.do_not_call import ListedBy

logger = Logger()
router = Router()
TAGS = ["do-not-call"]


@router.get("/do-not-call", tags=TAGS, responses=documented(200, "A page of listed numbers, by number"))
def list_numbers(limit: Limit = 50, cursor: Cursor = None) -> DoNotCallPage:
    context = tenant(router)
    entries, next_cursor = paging.read(
        context,
        paging.scope("do-not-call"),
        cursor,
        lambda start: services(router).do_not_call.page(context, limit, start),
    )
    return DoNotCallPage(items=[DoNotCallOut.of(entry) for entry in entries], next_cursor=next_cursor)


@router.post(
    "/do-not-call/imports",
    tags=TAGS,
    responses=documented(200, "Counts, and each invalid row with its index", 409, 415),
)
def import_numbers(
    request: Annotated[DoNotCallImportIn, Body()], idempotency_key: IdempotencyKey = None
) -> DoNotCallImportOut:
    outcome = services(router).do_not_call.import_numbers(
        tenant(router), request.phones, created_by(router), request.reason
    )
    answer = DoNotCallImportOut.of(outcome)
    logger.info(
        "do-not-call import",
        extra={"added": answer.added, "already_listed": answer.already_listed, "invalid": answer.invalid},
    )
    return answer


@router.get(
    "/do-not-call/<phone>",
    tags=TAGS,
    responses=documented(200, "The number's entry (any form of the number, URL-encoded)", 404),
)
def get_number(phone: str) -> DoNotCallOut:
    return DoNotCallOut.of(services(router).do_not_call.get(tenant(router), unquote(phone)))


@router.put(
    "/do-not-call/<phone>",
    tags=TAGS,
    responses={
        **documented(201, "Listed now", 415),
        200: {
            "description": "Listed already: its first entry, unchanged",
            "content": {content_types.APPLICATION_JSON: {"model": DoNotCallOut}},
        },
    },
)
def put_number(phone: str, request: Annotated[DoNotCallIn | None, Body()] = None) -> DoNotCallOut:
    entry, added = services(router).do_not_call.add(
        tenant(router),
        unquote(phone),
        created_by(router),
        ListedBy.API,
        reason=request.reason if request else None,
    )
    return Response(  # type: ignore[return-value]
        status_code=201 if added else 200,
        content_type=content_types.APPLICATION_JSON,
        body=DoNotCallOut.of(entry),
    )


@router.delete(
    "/do-not-call/<phone>",
    tags=TAGS,
    responses=documented(204, "Not listed (any more, or never was)"),
)
def delete_number(phone: str) -> None:
    services(router).do_not_call.remove(tenant(router), unquote(phone))
    return Response(status_code=204)  # type: ignore[return-value]
