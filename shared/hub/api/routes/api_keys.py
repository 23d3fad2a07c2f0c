"""/api-keys: the tenant's API keys; a new key's secret is shown once, and a key can be revoked."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from hub.api import paging
from hub.api.common import Cursor, IdempotencyKey, Limit, documented, services, tenant
from hub.api.idempotency import replay_instead
from hub.api.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyList
from hub.errors import Conflict

router = Router()


@router.get("/api-keys", tags=["api keys"], responses=documented(200, "A page of the tenant's keys"))
def list_api_keys(limit: Limit = 50, cursor: Cursor = None) -> ApiKeyList:
    context = tenant(router)
    items, next_cursor = paging.read(
        context,
        paging.scope("api-keys"),
        cursor,
        lambda start: services(router).tenants.api_keys(context, limit, start),
    )
    return ApiKeyList(items=items, next_cursor=next_cursor)


@router.post(
    "/api-keys",
    tags=["api keys"],
    status_code=201,
    responses=documented(201, "The new key; its secret is shown this once", 409, 415),
)
def create_key(
    request: Annotated[ApiKeyCreate, Body()], idempotency_key: IdempotencyKey = None
) -> ApiKeyCreated:
    key, secret = services(router).tenants.create_api_key(tenant(router), name=request.name.strip())
    # A retry must not show the secret again, nor may the idempotency table keep it: a retry learns
    # which key was made (to revoke it if its secret was lost) and that the secret was shown once.
    replay_instead(
        router,
        Conflict(
            "this key was created by the first request with this Idempotency-Key and its secret was "
            "shown once; revoke it and create another if the secret was lost",
            code="secret_shown_once",
            details={"key_id": key.key_id, "prefix": key.prefix},
        ),
    )
    return ApiKeyCreated(**key.model_dump(), secret=secret)


@router.delete(
    "/api-keys/<key_id>",
    tags=["api keys"],
    responses=documented(204, "Revoked: requests with it are refused from now on", 404),
)
def revoke_key(key_id: str) -> None:
    services(router).tenants.revoke_api_key(tenant(router), key_id)
    return Response(status_code=204)  # type: ignore[return-value]
