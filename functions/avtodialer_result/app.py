"""Avtodialer's call-result webhook (spec/avtodialer.md §4): JSON or form, field names per tenant."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from hub import wiring
from hub.domain.deliveries import RawDelivery
from hub.http import json_resolver, request_body
from hub.models.tenant import Vendor
from hub.vendors.avtodialer.results import robot_call, robot_call_uuid, webhook_fields
from hub.webhooks import webhook_tenant

logger = Logger()
metrics = Metrics()
app = json_resolver(logger)


@app.post("/hooks/avtodialer/<token>/result")
def result(token: str) -> dict[str, Any]:
    context = webhook_tenant(app, wiring.tenant_directory(), token, Vendor.AVTODIALER, logger)
    body = request_body(app)
    fields = webhook_fields(body, app.current_event.headers.get("content-type", ""))
    tenant = context.tenant
    outcome = robot_call(
        fields,
        tenant.settings.avtodialer_fields,
        tenant.default_country,
        tenant.phone_fallbacks(Vendor.AVTODIALER),
    )
    uuid = robot_call_uuid(outcome)
    call = wiring.call_service().record_robot_call(
        context, uuid, outcome, RawDelivery("avtodialer", uuid, body)
    )
    return {"result": "ok", "call": call.uuid}


@logger.inject_lambda_context(clear_state=True, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
