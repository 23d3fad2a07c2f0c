"""What every router of the REST API shares: the prefix, the documented answers, what the handler puts
in the resolver's context before any route runs (the tenant the API key authenticated, the key, the
use cases the routes call), paging and header parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Query

from hub.api.idempotency import IDEMPOTENCY_KEY_PATTERN
from hub.api.schemas import MAX_PAGE_SIZE, ErrorBody
from hub.domain.call_log import CallLog
from hub.domain.calls import CallService
from hub.domain.campaigns import CampaignService
from hub.domain.contacts import ContactService
from hub.domain.dialing import Dialing
from hub.domain.do_not_call import DoNotCallList
from hub.domain.imports import ImportService
from hub.domain.sync import SyncBoard
from hub.domain.tenants import TenantContext, TenantService
from hub.errors import BadRequest
from hub.models.contact import Contact

PREFIX = "/api/v1"
_ERRORS = {
    400: "The request is not valid (a field, a limit, the body's size): see error.code and details",
    401: "No valid API key",
    404: "No such object for this tenant",
    409: "Conflict: a stale version, a taken login, extension or code, or a reused Idempotency-Key",
    412: "If-Match names a version that is no longer current",
    415: "The body is not sent as application/json",
    502: "The vendor refused the request, or its answer leaves the outcome unknown: see error.code",
    503: "Storage is busy; retry shortly",
}
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page (at most 100)")]
Cursor = Annotated[str | None, Query(max_length=4096, description="`next_cursor` of the previous page")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="Retries with the same key (per tenant and route, for 24 h) return the first result",
    ),
]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match", pattern=r'^(W/)?"?[0-9]{1,15}"?$', description="The contact's ETag (its version)"
    ),
]


def documented(success: int, description: str, *errors: int) -> dict[int, Any]:
    """The route's answers for the OpenAPI document: its success and every error it can give."""
    answers: dict[int, Any] = {success: {"description": description}}
    if success == 204:
        answers[204]["content"] = {}
    for status in sorted({400, 401, 404, 503, *errors}):
        answers[status] = {
            "description": _ERRORS[status],
            "content": {content_types.APPLICATION_JSON: {"model": ErrorBody}},
        }
    return answers


@dataclass(frozen=True)
class Services:
    """The use cases the routes call. The handler builds them (hub.wiring) and passes them in the
    resolver's context, so a router never looks up a store or a service itself."""

    contacts: ContactService
    imports: ImportService
    calls: CallService
    call_log: CallLog
    tenants: TenantService
    dialing: Dialing
    do_not_call: DoNotCallList
    # The sync status and runs on demand (/sync); the only routes that need the sync queue.
    sync: SyncBoard | None = None
    # Dial campaigns (/dial-batches).
    campaigns: CampaignService | None = None


def services(router: Router) -> Services:
    return router.context["services"]


def tenant(router: Router) -> TenantContext:
    """The API key's tenant: the handler puts it in the resolver's context, which an included router
    reads as its own."""
    return router.context["tenant"]


def created_by(router: Router) -> str:
    return f"api:{router.context['api_key']}"


def expected_version(if_match: str | None) -> int | None:
    """`If-Match: "3"` (an ETag as GET gave it) or `If-Match: 3`."""
    if if_match is None:
        return None
    try:
        return int(if_match.strip().removeprefix("W/").strip('"'))
    except ValueError as exc:
        raise BadRequest("If-Match must be a contact version, as the ETag header gave it") from exc


def with_etag(contact: Contact, status: int = 200) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=contact,
        headers={"ETag": f'"{contact.version}"'},
    )
