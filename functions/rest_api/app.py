"""The REST API for integrators: /api/v1 (contacts, calls, callbacks, employees, settings, API keys).

Authenticated by a tenant API key (`X-API-Key` header or `api_key` parameter) before anything else
runs; every read and write is scoped to that key's tenant, so another tenant's objects are 404.
Requests and answers are checked against the models in hub.api.schemas, which also make the OpenAPI
document served at /api/v1/openapi.json.
"""

from __future__ import annotations

import base64
import json
import re
from functools import cache
from typing import Annotated, Any
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from hub import wiring
from hub.api import paging
from hub.api.idempotency import IDEMPOTENCY_KEY_PATTERN, idempotent_posts, replay_instead
from hub.api.schemas import (
    LATEST_MS,
    MAX_PAGE_SIZE,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyList,
    CallbackList,
    CallbackOut,
    CallDetail,
    CallList,
    CallSummary,
    CloseCallback,
    ContactCreate,
    ContactList,
    ContactPatch,
    CredentialsState,
    EmployeeCreate,
    EmployeeList,
    EmployeeOut,
    EmployeePatch,
    ErrorBody,
    ImportJob,
    ImportRequest,
    ImportResult,
    ImportRow,
    Moment,
    SettingsOut,
    SettingsPatch,
)
from hub.domain.contacts import ContactInput, contact_name_words, matches_name, name_words
from hub.domain.imports import job_status
from hub.domain.tenants import (
    TenantContext,
    add_employee,
    create_api_key,
    deactivate_employee,
    live_api_key,
    update_employee,
    update_tenant,
)
from hub.errors import (
    BadRequest,
    Conflict,
    HubError,
    NotFound,
    PreconditionFailed,
    Unauthorized,
    UnsupportedMediaType,
)
from hub.http import json_resolver, proxy_error
from hub.ids import now_ms
from hub.models.call import Call, CallStatus, Direction
from hub.models.contact import Contact, ContactType
from hub.models.tenant import Employee, Vendor, VendorCredentials
from hub.phones import normalize_phone
from hub.store.dynamo import Page

logger = Logger()
app = json_resolver(logger, enable_validation=True)
app.use(middlewares=[idempotent_posts])

PREFIX = "/api/v1"
OPENAPI_PATH = f"{PREFIX}/openapi.json"
MAX_BODY_BYTES = 256 * 1024
MAX_IMPORT_BODY_BYTES = 6 * 1024 * 1024  # Lambda's own limit for a synchronous request
JOB_ID = re.compile(r"[0-9a-f]{24,32}")
IMPORT_RESULT_ITEMS = 5  # result items per page of an import's rows: each holds a chunk (<= 100 rows)
_ERRORS = {
    400: "The request is not valid (a field, a limit, the body's size): see error.code and details",
    401: "No valid API key",
    404: "No such object for this tenant",
    409: "Conflict: a stale version, a taken login, extension or code, or a reused Idempotency-Key",
    412: "If-Match names a version that is no longer current",
    415: "The body is not sent as application/json",
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


def tenant() -> TenantContext:
    return app.context["tenant"]


def created_by() -> str:
    return f"api:{app.context['api_key']}"


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


# -- contacts ------------------------------------------------------------------------------------


@app.get(f"{PREFIX}/contacts", tags=["contacts"], responses=documented(200, "A page of contacts"))
def list_contacts(
    limit: Limit = 50,
    cursor: Cursor = None,
    phone: Annotated[str | None, Query(max_length=64, description="Holders of this number, any form")] = None,
    name: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Each word starts a word of the name or company; any case, ё as е",
        ),
    ] = None,
    external_code: Annotated[
        str | None, Query(max_length=150, pattern=r"^[a-z0-9_-]{1,40}:.+$", description="`system:code`")
    ] = None,
    contact_type: Annotated[ContactType | None, Query(alias="type")] = None,
    updated_since: Annotated[
        Moment | None, Query(description="Changed at or after; oldest change first")
    ] = None,
) -> ContactList:
    context, since = tenant(), updated_since
    if phone or external_code:  # a key lookup: a handful of contacts, one page
        if external_code:
            vendor, code = external_code.split(":", 1)
            found = by_external_code(context, vendor, code)
            contacts = [found] if found else []
        else:
            contacts = wiring.contact_service().with_number(context, phone or "")
        query = name_words(name)
        matching = [
            c
            for c in contacts
            if (not name or (bool(query) and matches_name(contact_name_words(c), query)))
            and (contact_type is None or c.type == contact_type)
            and (since is None or c.updated_at >= since)
        ]
        return ContactList(items=matching[:limit])
    items, next_cursor = paging.read(
        context,
        paging.scope("contacts", name=name, type=contact_type, since=since),
        cursor,
        lambda start: wiring.contact_store().list_contacts(
            context.slug,
            limit=limit,
            start=start,
            name=name,
            contact_type=contact_type.value if contact_type else None,
            updated_since=since,
        ),
    )
    return ContactList(items=items, next_cursor=next_cursor)


def by_external_code(context: TenantContext, vendor: str, code: str) -> Contact | None:
    return wiring.contact_service().find_by_external_code(context, vendor, code.strip())


@app.post(
    f"{PREFIX}/contacts",
    tags=["contacts"],
    status_code=201,
    responses=documented(201, "The new contact", 409, 415),
)
def create_contact(
    contact: Annotated[ContactCreate, Body()], idempotency_key: IdempotencyKey = None
) -> Contact:
    data = ContactInput.model_validate(contact.model_dump(exclude_unset=True))
    return wiring.contact_service().create(tenant(), data, created_by=created_by())


@app.post(
    f"{PREFIX}/contacts/import",
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
    context = tenant()
    service = wiring.import_service()
    job = service.submit(context, request.rows, request.merge, idempotency_key, created_by())
    if job["mode"] == "async":
        accepted = _import_job(context, job)
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
    counts = {status: job[status] for status in ("created", "updated", "failed")}
    logger.info("contacts imported", extra={f"rows_{status}": count for status, count in counts.items()})
    return ImportResult(**counts, rows=rows, job_id=job["job_id"])


@app.get(
    f"{PREFIX}/imports/<job_id>",
    tags=["contacts"],
    responses=documented(200, "The import's status and counts, and a page of its per-row results", 404),
)
def get_import(job_id: str, cursor: Cursor = None) -> ImportJob:
    context = tenant()
    service = wiring.import_service()
    if not JOB_ID.fullmatch(job_id):  # not an id this API gives: nobody's job (and no odd key for DynamoDB)
        raise NotFound("no such import")
    job = service.job(context, job_id)
    rows, next_cursor = paging.read(
        context,
        paging.scope("imports", job=job_id),
        cursor,
        lambda start: service.results(context, job_id, IMPORT_RESULT_ITEMS, start),
    )
    return _import_job(context, job, [ImportRow.model_validate(row) for row in rows], next_cursor)


def _import_job(
    context: TenantContext,
    job: dict[str, Any],
    rows: list[ImportRow] | None = None,
    next_cursor: str | None = None,
) -> ImportJob:
    return ImportJob(
        **{name: job[name] for name in ("job_id", "merge", "total", "created", "updated", "failed")},
        chunks=job["chunks"],
        chunks_done=job["chunks_done"],
        status=job_status(job),
        status_url=f"{PREFIX}/imports/{job['job_id']}",
        submitted_at=job["created_at"],
        finished_at=job.get("finished_at"),
        rows=rows or [],
        next_cursor=next_cursor,
    )


@app.get(
    f"{PREFIX}/contacts/by-external-code/<system>/<code>",
    tags=["contacts"],
    responses=documented(200, "The contact holding this code", 404),
)
def contact_by_external_code(system: str, code: str) -> Contact:
    found = by_external_code(tenant(), system, unquote(code))
    if found is None:
        raise NotFound("no contact holds this external code")
    return found


@app.get(f"{PREFIX}/contacts/<contact_id>", tags=["contacts"], responses=documented(200, "The contact", 404))
def get_contact(contact_id: str) -> Contact:
    return with_etag(wiring.contact_service().get(tenant(), contact_id))  # type: ignore[return-value]


@app.patch(
    f"{PREFIX}/contacts/<contact_id>",
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
        updated = wiring.contact_service().update(
            tenant(), contact_id, changes, expected_version=header_version or patch.version
        )
    except Conflict as exc:
        if header_version is not None and exc.code == "version_mismatch":
            raise PreconditionFailed("the contact changed since the version If-Match names") from exc
        raise
    return with_etag(updated)  # type: ignore[return-value]


@app.delete(
    f"{PREFIX}/contacts/<contact_id>",
    tags=["contacts"],
    responses=documented(204, "Deleted; its calls stay, as records of what happened", 404, 409, 412),
)
def delete_contact(contact_id: str, if_match: IfMatch = None) -> None:
    version = expected_version(if_match)
    try:
        wiring.contact_service().delete(tenant(), contact_id, expected_version=version)
    except Conflict as exc:
        if version is not None and exc.code == "version_mismatch":
            raise PreconditionFailed("the contact changed since the version If-Match names") from exc
        raise
    return Response(status_code=204)  # type: ignore[return-value]


# -- calls ---------------------------------------------------------------------------------------


@app.get(f"{PREFIX}/calls", tags=["calls"], responses=documented(200, "A page of calls, newest first"))
def list_calls(
    limit: Limit = 50,
    cursor: Cursor = None,
    since: Annotated[Moment | None, Query(description="Dialed at or after")] = None,
    until: Annotated[Moment | None, Query(description="Dialed at or before")] = None,
    direction: Direction | None = None,
    status: CallStatus | None = None,
    contact_id: Annotated[str | None, Query(max_length=40)] = None,
    employee_id: Annotated[str | None, Query(max_length=40)] = None,
) -> CallList:
    context = tenant()
    start_ms, end_ms = since or 0, LATEST_MS if until is None else until
    filters = {"direction": direction, "status": status, "employee_id": employee_id}
    wanted = {name: str(value) for name, value in filters.items() if value}  # StrEnum: str() is the value
    store = wiring.call_store()

    def load(start: dict[str, str] | None) -> Page[Call]:
        if not contact_id:
            return store.list_calls(
                context.slug, since=start_ms, until=end_ms, limit=limit, start=start, filters=wanted
            )
        page = store.contact_call_page(
            context.slug, contact_id, since=start_ms, until=end_ms, limit=limit, start=start
        )
        return Page([call for call in page.items if _matches(call, wanted)], page.next_start)

    list_scope = paging.scope("calls", since=start_ms, until=end_ms, contact=contact_id, **wanted)
    calls, next_cursor = paging.read(context, list_scope, cursor, load)
    return CallList(items=[CallSummary.of(call) for call in calls], next_cursor=next_cursor)


def _matches(call: Call, wanted: dict[str, str]) -> bool:
    """The call's fields equal the wanted values (the filters the calls index applies otherwise)."""
    return all(
        getattr(call, name) is not None and str(getattr(call, name)) == value
        for name, value in wanted.items()
    )


@app.get(f"{PREFIX}/calls/<uuid>", tags=["calls"], responses=documented(200, "The call with its events", 404))
def get_call(uuid: str) -> CallDetail:
    call = wiring.call_store().get_call(tenant().slug, uuid)
    if call is None:
        raise NotFound("no such call")
    return CallDetail.of(call)


# -- callbacks -----------------------------------------------------------------------------------


@app.get(
    f"{PREFIX}/callbacks", tags=["callbacks"], responses=documented(200, "A page of callbacks, newest first")
)
def list_callbacks(
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Annotated[str, Query(pattern="^(open|closed)$")] = "open",
) -> CallbackList:
    context = tenant()
    callbacks, next_cursor = paging.read(
        context,
        paging.scope("callbacks", status=status),
        cursor,
        lambda start: wiring.call_store().list_callbacks(
            context.slug, closed=status == "closed", limit=limit, start=start
        ),
    )
    items = [CallbackOut.model_validate(callback.model_dump()) for callback in callbacks]
    return CallbackList(items=items, next_cursor=next_cursor)


@app.post(
    f"{PREFIX}/callbacks/<phone>/close",
    tags=["callbacks"],
    responses=documented(200, "The callback as closed", 404, 409, 415),
)
def close_callback(
    phone: str,
    request: Annotated[CloseCallback | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
) -> CallbackOut:
    context = tenant()
    employee = None
    if request and request.employee_id:
        employee = context.employees.get(request.employee_id)
        if employee is None:
            raise BadRequest("no such employee", code="unknown_employee")
    e164 = normalize_phone(unquote(phone), context.tenant.default_country)
    closed = wiring.call_service().close_callback(context, e164, employee.ext if employee else None)
    return CallbackOut.model_validate(closed.model_dump())


# -- employees -----------------------------------------------------------------------------------


@app.get(f"{PREFIX}/employees", tags=["employees"], responses=documented(200, "A page of employees"))
def list_employees(limit: Limit = 50, cursor: Cursor = None) -> EmployeeList:
    context = tenant()
    items, next_cursor = paging.read(
        context,
        paging.scope("employees"),
        cursor,
        lambda start: wiring.tenant_store().employee_page(context.slug, limit, start),
    )
    return EmployeeList(items=with_presence(items), next_cursor=next_cursor)


def with_presence(employees: list[Employee]) -> list[EmployeeOut]:
    """Each employee with the presence the PBX last reported for their extension (one BatchGetItem)."""
    found = wiring.tenant_store().presence_by_ext(tenant().slug, [e.ext for e in employees if e.ext])
    return [
        EmployeeOut.of(e, found.get(e.ext or "")) if e.active else EmployeeOut.of(e, None) for e in employees
    ]


@app.post(
    f"{PREFIX}/employees",
    tags=["employees"],
    status_code=201,
    responses=documented(201, "The new employee", 409, 415),
)
def create_employee(
    employee: Annotated[EmployeeCreate, Body()], idempotency_key: IdempotencyKey = None
) -> Employee:
    return add_employee(wiring.tenant_store(), tenant().tenant, **employee.model_dump())


@app.get(
    f"{PREFIX}/employees/<employee_id>", tags=["employees"], responses=documented(200, "The employee", 404)
)
def get_employee(employee_id: str) -> EmployeeOut:
    return with_presence([_employee(employee_id)])[0]


@app.patch(
    f"{PREFIX}/employees/<employee_id>",
    tags=["employees"],
    responses=documented(200, "The changed employee", 404, 409, 415),
)
def patch_employee(employee_id: str, patch: Annotated[EmployeePatch, Body()]) -> Employee:
    changes = patch.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise BadRequest("an employee's name cannot be removed")
    if "active" in changes and changes["active"] is None:
        raise BadRequest("active is true or false")
    return update_employee(wiring.tenant_store(), _employee(employee_id), changes)


@app.delete(
    f"{PREFIX}/employees/<employee_id>",
    tags=["employees"],
    responses=documented(
        204, "Deactivated: no sign-in, no routing, sessions ended; their history stays", 404, 409
    ),
)
def delete_employee(employee_id: str) -> None:
    deactivate_employee(wiring.tenant_store(), _employee(employee_id))
    return Response(status_code=204)  # type: ignore[return-value]


def _employee(employee_id: str) -> Employee:
    found = wiring.tenant_store().get_employee(tenant().slug, employee_id)
    if found is None:
        raise NotFound("no such employee")
    return found


# -- settings ------------------------------------------------------------------------------------


def _settings_out(context: TenantContext) -> SettingsOut:
    configured = wiring.tenant_store().credentials_set(context.slug)
    current = context.tenant
    return SettingsOut(
        **current.model_dump(include={"slug", "name", "default_country", "timezone", "language", "settings"}),
        credentials={
            vendor.value: CredentialsState(
                configured=vendor.value in configured, updated_at=configured.get(vendor.value)
            )
            for vendor in Vendor
        },
    )


@app.get(f"{PREFIX}/settings", tags=["settings"], responses=documented(200, "The tenant's settings"))
def get_settings() -> SettingsOut:
    return _settings_out(tenant())


@app.patch(
    f"{PREFIX}/settings", tags=["settings"], responses=documented(200, "The changed settings", 409, 415)
)
def patch_settings(patch: Annotated[SettingsPatch, Body()]) -> SettingsOut:
    context = tenant()
    changes = patch.model_dump(exclude_unset=True)
    if changes.get("settings") is not None:
        changes["settings"] = patch.settings.model_dump(exclude_unset=True)  # type: ignore[union-attr]
    nulls = [name for name, value in changes.items() if value is None and name != "settings"]
    if nulls:
        raise BadRequest("these settings cannot be removed", details={"fields": nulls})
    updated = update_tenant(wiring.tenant_store(), context.tenant, changes)
    wiring.tenant_directory().by_slug(context.slug, fresh=True)
    return _settings_out(TenantContext(tenant=updated, employees=context.employees))


@app.put(
    f"{PREFIX}/settings/credentials/<vendor>",
    tags=["settings"],
    responses=documented(204, "Stored; they are never returned", 415),
)
def put_credentials(vendor: Vendor, credentials: Annotated[VendorCredentials, Body()]) -> None:
    wiring.tenant_store().put_credentials(tenant().slug, vendor, credentials, now_ms())
    logger.info("vendor credentials changed", extra={"vendor": vendor.value})
    return Response(status_code=204)  # type: ignore[return-value]


@app.delete(
    f"{PREFIX}/settings/credentials/<vendor>",
    tags=["settings"],
    responses=documented(204, "Removed (or there were none)"),
)
def delete_credentials(vendor: Vendor) -> None:
    wiring.tenant_store().delete_credentials(tenant().slug, vendor)
    return Response(status_code=204)  # type: ignore[return-value]


# -- API keys ------------------------------------------------------------------------------------


@app.get(f"{PREFIX}/api-keys", tags=["api keys"], responses=documented(200, "A page of the tenant's keys"))
def list_api_keys(limit: Limit = 50, cursor: Cursor = None) -> ApiKeyList:
    context = tenant()
    items, next_cursor = paging.read(
        context,
        paging.scope("api-keys"),
        cursor,
        lambda start: wiring.tenant_store().api_key_page(context.slug, limit, start),
    )
    return ApiKeyList(items=items, next_cursor=next_cursor)


@app.post(
    f"{PREFIX}/api-keys",
    tags=["api keys"],
    status_code=201,
    responses=documented(201, "The new key; its secret is shown this once", 409, 415),
)
def create_key(
    request: Annotated[ApiKeyCreate, Body()], idempotency_key: IdempotencyKey = None
) -> ApiKeyCreated:
    key, secret = create_api_key(wiring.tenant_store(), tenant().tenant, name=request.name.strip())
    # A retry must not show the secret again, nor may the idempotency table keep it: a retry learns
    # which key was made (to revoke it if its secret was lost) and that the secret was shown once.
    replay_instead(
        app,
        Conflict(
            "this key was created by the first request with this Idempotency-Key and its secret was "
            "shown once; revoke it and create another if the secret was lost",
            code="secret_shown_once",
            details={"key_id": key.key_id, "prefix": key.prefix},
        ),
    )
    return ApiKeyCreated(**key.model_dump(), secret=secret)


@app.delete(
    f"{PREFIX}/api-keys/<key_id>",
    tags=["api keys"],
    responses=documented(204, "Revoked: requests with it are refused from now on", 404),
)
def revoke_key(key_id: str) -> None:
    if wiring.tenant_store().revoke_api_key(tenant().slug, key_id, now_ms()) is None:
        raise NotFound("no such API key")
    return Response(status_code=204)  # type: ignore[return-value]


# -- the document and the entry point ---------------------------------------------------------------


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3 document Powertools generates from the routes, without the 422 answers it adds
    to each (this API answers invalid requests with 400 and its own error body)."""
    document = json.loads(
        app.get_openapi_json_schema(
            title="Telephony hub API",
            version="1.0.0",
            summary="Contacts, calls, callbacks, employees, settings and API keys of one tenant",
            description=__doc__,
            security_schemes={
                "ApiKeyHeader": APIKey(name="X-API-Key", in_=APIKeyIn.header),
                "ApiKeyQuery": APIKey(name="api_key", in_=APIKeyIn.query),
            },
            security=[{"ApiKeyHeader": []}, {"ApiKeyQuery": []}],
        )
    )
    for operations in document["paths"].values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    for name in ("HTTPValidationError", "ValidationError"):
        document.get("components", {}).get("schemas", {}).pop(name, None)
    return document


@app.get(OPENAPI_PATH, include_in_schema=False)
def openapi():  # noqa: ANN201 - no annotation: Powertools would try to validate the document
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=openapi_document())


def _api_key(event: dict[str, Any]) -> str | None:
    headers = event.get("headers") or {}
    query = event.get("queryStringParameters") or {}
    return headers.get("x-api-key") or query.get("api_key")


def _authenticate(event: dict[str, Any]) -> None:
    """Size and key checks before the resolver parses anything; the tenant is read fresh, so a
    change made through another container is seen at once."""
    path = event.get("rawPath", "")
    if event.get("isBase64Encoded") and event.get("body"):
        try:
            base64.b64decode(event["body"], validate=True).decode("utf-8")
        except ValueError as exc:
            raise BadRequest("the body must be UTF-8 JSON") from exc
    content_type = (event.get("headers") or {}).get("content-type", "application/json")
    if event.get("body") and "json" not in content_type.lower():
        raise UnsupportedMediaType("send the body as application/json")
    limit = MAX_IMPORT_BODY_BYTES if path.endswith("/contacts/import") else MAX_BODY_BYTES
    if len(event.get("body") or "") > limit:
        raise BadRequest(f"the body is larger than {limit} bytes", code="body_too_large")
    if path == OPENAPI_PATH:
        return
    key = live_api_key(wiring.tenant_store(), _api_key(event))
    try:
        context = wiring.tenant_directory().by_slug(key.tenant, fresh=True)
    except NotFound as exc:
        raise Unauthorized("a valid API key is required") from exc
    app.append_context(tenant=context, api_key=key.key_id)
    logger.append_keys(tenant=key.tenant)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        _authenticate(event)
    except HubError as exc:
        app.clear_context()
        return proxy_error(exc)
    return app.resolve(event, context)
