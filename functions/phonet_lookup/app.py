"""Phonet caller lookup (`call.settings`, spec/phonet.md §A1): the name on the display while it rings."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from hub import wiring
from hub.config import get_settings
from hub.domain.lookup import CallerMatch, lookup_caller
from hub.domain.tenants import authorize_phonet_source
from hub.http import json_resolver, public_base_url, source_ip
from hub.links import contact_card_url, new_contact_url
from hub.models.phonet import CallSettingsRequest, CallSettingsResponse, OtherLeg
from hub.models.tenant import Language, Vendor

logger = Logger()
app = json_resolver(logger)

NEW_CONTACT_TEXT = {Language.RU: "Добавить контакт", Language.EN: "Add contact"}


@app.post("/hooks/phonet/<token>/lookup")
def lookup(token: str) -> dict[str, Any]:
    context = wiring.tenant_directory().by_webhook_token(token, Vendor.PHONET)
    logger.append_keys(tenant=context.slug)
    authorize_phonet_source(context, source_ip(app))
    request = CallSettingsRequest.model_validate_json(app.current_event.decoded_body or "")
    match = lookup_caller(wiring.contact_store(), context, request.other_leg_num)
    base_url = public_base_url(app, get_settings().public_base_url)
    return answer(match, base_url, context.slug, context.tenant.language).model_dump(mode="json")


def answer(match: CallerMatch, base_url: str, tenant: str, language: Language) -> CallSettingsResponse:
    """Variant (a) for unknown numbers: Phonet's Chrome extension needs a url and urlText."""
    if match.contact is None:
        return CallSettingsResponse(
            otherLeg=OtherLeg(
                name=None,
                url=new_contact_url(base_url, tenant, match.phone),
                urlText=NEW_CONTACT_TEXT[language],
                newEntry=True,
                responsibleEmployeeExt=None,
                responsibleEmployeeEmail=None,
            )
        )
    responsible = match.responsible
    return CallSettingsResponse(
        otherLeg=OtherLeg(
            name=match.contact.name,
            url=contact_card_url(base_url, tenant, match.contact.id),
            urlText=match.contact.name,
            newEntry=False,
            responsibleEmployeeExt=responsible.ext if responsible else None,
            responsibleEmployeeEmail=responsible.email if responsible else None,
        )
    )


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
