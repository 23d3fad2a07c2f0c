"""Phonet caller lookup (`call.settings`, spec/phonet.md §A1): the name on the display while it rings."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from hub import wiring
from hub.config import get_settings
from hub.domain.tenants import authorize_phonet_source
from hub.http import json_resolver, public_base_url, source_ip
from hub.models.phonet import CallSettingsRequest
from hub.models.tenant import Vendor
from hub.phonet import answer_call_settings

logger = Logger()
app = json_resolver(logger)


@app.post("/hooks/phonet/<token>/lookup")
def lookup(token: str) -> dict[str, Any]:
    context = wiring.tenant_directory().by_webhook_token(token, Vendor.PHONET)
    logger.append_keys(tenant=context.slug)
    authorize_phonet_source(context, source_ip(app))
    request = CallSettingsRequest.model_validate_json(app.current_event.decoded_body or "")
    base_url = public_base_url(app, get_settings().public_base_url)
    return answer_call_settings(wiring.contact_store(), context, request.other_leg_num, base_url)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
