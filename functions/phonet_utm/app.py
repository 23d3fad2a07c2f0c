"""Phonet UTM labels (spec/phonet.md §A3): a JSON array sent every minute, answered at once.

Items are checked here (no reads) and queued for the UTM worker, which applies them: a busy line's
batch is acknowledged in milliseconds, whatever it holds.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from hub import wiring
from hub.domain.deliveries import RawDelivery
from hub.errors import BadRequest
from hub.http import json_payload, json_resolver, request_body
from hub.models.tenant import Vendor
from hub.vendors.phonet.translate import check_utm_batch
from hub.webhooks import webhook_tenant

logger = Logger()
metrics = Metrics()
app = json_resolver(logger)


@app.post("/hooks/phonet/<token>/utm")
def utm(token: str) -> dict[str, Any]:
    context = webhook_tenant(app, wiring.tenant_directory(), token, Vendor.PHONET, logger)
    body = request_body(app)
    payload = json_payload(body)
    items = [payload] if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise BadRequest("expected a JSON array of UTM labels")
    result = check_utm_batch(context.tenant, items)
    wiring.utm_intake().accept(context, result.accepted, RawDelivery("utm", "batch", body))
    return {"accepted": len(result.accepted), "rejected": len(result.rejected), "errors": result.rejected}


@logger.inject_lambda_context(clear_state=True, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
