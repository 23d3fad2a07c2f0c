"""Phonet call events (spec/phonet.md §A2): one call record per conversation, whatever the order.

A PBX configured with a single URL sends its `call.settings` lookups here too; those are answered
as the lookup endpoint answers them.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from hub import wiring
from hub.config import get_settings
from hub.domain.deliveries import RawDelivery
from hub.http import json_payload, json_resolver, public_base_url, request_body
from hub.models.tenant import Vendor
from hub.vendors.phonet.answers import answer_call_settings
from hub.vendors.phonet.models.call_events import CallEvent
from hub.vendors.phonet.models.call_settings import CallSettingsRequest
from hub.vendors.phonet.translate import call_event_record
from hub.webhooks import webhook_tenant

logger = Logger()
metrics = Metrics()
app = json_resolver(logger)


@app.post("/hooks/phonet/<token>/events")
def events(token: str) -> dict[str, Any]:
    context = webhook_tenant(app, wiring.tenant_directory(), token, Vendor.PHONET, logger)
    body = request_body(app)
    payload = json_payload(body)
    if isinstance(payload, dict) and payload.get("request") == "call.settings":
        request = CallSettingsRequest.model_validate(payload)
        base_url = public_base_url(
            app, context.tenant.settings.public_base_url or get_settings().public_base_url
        )
        return answer_call_settings(wiring.caller_lookup(), context, request.other_leg_num, base_url)
    event = CallEvent.model_validate(payload)
    delivery = RawDelivery("phonet", event.parent_uuid or event.uuid, body)
    call = wiring.call_service().record_pbx_event(context, call_event_record(event, context.tenant), delivery)
    if call is not None:
        logger.info("call event", extra={"event": event.event, "call": call.uuid, "state": call.state.name})
    return {"result": "ok"}


@logger.inject_lambda_context(clear_state=True, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
