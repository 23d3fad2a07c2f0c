"""The REST API for integrators: /api/v1 (contacts, calls, callbacks, the do-not-call list, dial
batches, employees, settings, API keys, syncs).

Authenticated by a tenant API key (`X-API-Key` header or `api_key` parameter) before anything else
runs; every read and write is scoped to that key's tenant, so another tenant's objects are 404.
Requests and answers are checked against the models in hub.api.schemas, which also make the OpenAPI
document served at /api/v1/openapi.json.
"""

from __future__ import annotations

import base64
import json
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from hub import wiring
from hub.api.common import PREFIX, Services
from hub.api.idempotency import idempotent_posts
from hub.api.routes import (
    api_keys,
    callbacks,
    calls,
    contacts,
    dial_batches,
    do_not_call,
    employees,
    imports,
    settings,
    sync,
)
from hub.errors import BadRequest, HubError, UnsupportedMediaType
from hub.http import json_resolver, proxy_error

logger = Logger()
app = json_resolver(logger, enable_validation=True)
app.use(middlewares=[idempotent_posts(wiring.idempotency_store)])
# imports before contacts: the OpenAPI document lists the routes in the order they were included
for resource in (
    imports,
    contacts,
    calls,
    callbacks,
    do_not_call,
    dial_batches,
    employees,
    settings,
    api_keys,
    sync,
):
    app.include_router(resource.router, prefix=PREFIX)

OPENAPI_PATH = f"{PREFIX}/openapi.json"
MAX_BODY_BYTES = 256 * 1024
MAX_IMPORT_BODY_BYTES = 6 * 1024 * 1024  # Lambda's own limit for a synchronous request


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
    # Bulk bodies (imports, a dial batch's pages of up to 10,000 records) may use Lambda's whole 6 MB.
    pages = "/dial-batches/" in path and "/pages/" in path
    imports = pages or path.endswith(("/contacts/import", "/do-not-call/imports", "/dial-batches"))
    limit = MAX_IMPORT_BODY_BYTES if imports else MAX_BODY_BYTES
    if len(event.get("body") or "") > limit:
        raise BadRequest(f"the body is larger than {limit} bytes", code="body_too_large")
    if path == OPENAPI_PATH:
        return
    services = Services(
        contacts=wiring.contact_service(),
        imports=wiring.import_service(),
        calls=wiring.call_service(),
        call_log=wiring.call_log(),
        tenants=wiring.tenant_service(),
        dialing=wiring.dialing(),
        do_not_call=wiring.do_not_call(),
        sync=wiring.sync_board(),
        campaigns=wiring.campaign_service(),
    )
    key, context = services.tenants.api_key_context(_api_key(event))
    app.append_context(tenant=context, api_key=key.key_id, services=services)
    logger.append_keys(tenant=key.tenant)


@logger.inject_lambda_context(clear_state=True, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        _authenticate(event)
    except HubError as exc:
        app.clear_context()
        return proxy_error(exc)
    return app.resolve(event, context)
