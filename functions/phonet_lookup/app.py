"""Phonet caller lookup (`call.settings`, spec/phonet.md §A1): the name on the display while it rings."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from hub import wiring
from hub.config import get_settings
from hub.http import json_payload, json_resolver, public_base_url, request_body
from hub.models.tenant import Vendor
from hub.vendors.phonet.answers import answer_call_settings
from hub.vendors.phonet.models.call_settings import CallSettingsRequest
from hub.webhooks import webhook_tenant

logger = Logger()
metrics = Metrics()
app = json_resolver(logger)


@app.post("/hooks/phonet/<token>/lookup")
def lookup(token: str) -> dict[str, Any]:
    context = webhook_tenant(app, wiring.tenant_directory(), token, Vendor.PHONET, logger)
    request = CallSettingsRequest.model_validate(json_payload(request_body(app)))
    base_url = public_base_url(app, context.tenant.settings.public_base_url or get_settings().public_base_url)
    return answer_call_settings(wiring.caller_lookup(), context, request.other_leg_num, base_url)


@logger.inject_lambda_context(clear_state=True, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
