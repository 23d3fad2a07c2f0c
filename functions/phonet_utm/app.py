"""Phonet UTM labels (spec/phonet.md §A3): a JSON array sent every minute."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from hub import wiring
from hub.domain.attribution import record_utm_batch
from hub.errors import BadRequest
from hub.http import json_payload, json_resolver, webhook_body
from hub.models.tenant import Vendor
from hub.webhooks import webhook_tenant

logger = Logger()
app = json_resolver(logger)


@app.post("/hooks/phonet/<token>/utm")
def utm(token: str) -> dict[str, Any]:
    context = webhook_tenant(app, token, Vendor.PHONET, logger)
    body = webhook_body(app)
    payload = json_payload(body)
    items = [payload] if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise BadRequest("expected a JSON array of UTM labels")
    wiring.webhook_log().put(context.slug, "utm", "batch", body)
    result = record_utm_batch(
        context, items, wiring.call_service(), wiring.contact_store(), wiring.contact_store()
    )
    return {"accepted": result.accepted, "rejected": len(result.rejected), "errors": result.rejected}


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
