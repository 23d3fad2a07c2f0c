"""Phonet's answers, shaped once for every endpoint that gives them."""

from __future__ import annotations

from typing import Any

from hub.domain.lookup import CallerMatch, PhoneIndex, lookup_caller
from hub.domain.tenants import TenantContext
from hub.errors import InvalidPhone
from hub.links import contact_card_url, new_contact_url
from hub.models.phonet import CallSettingsResponse, OtherLeg
from hub.models.tenant import Language, Vendor

NEW_CONTACT_TEXT = {Language.RU: "Добавить контакт", Language.EN: "Add contact"}


def call_settings_answer(
    match: CallerMatch, base_url: str, tenant: str, language: Language
) -> CallSettingsResponse:
    """§A1. Unknown numbers get variant (a): Phonet's Chrome extension needs a url and urlText."""
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


def answer_call_settings(
    index: PhoneIndex, context: TenantContext, number: str | None, base_url: str
) -> dict[str, Any]:
    """Look the number up and shape Phonet's answer, for every URL a PBX may send `call.settings` to.

    The PBX waits for an answer on every ring, so a hidden or odd caller id (`anonymous`, `101`) gets
    variant (b), `{"otherLeg": null}`: there is no number to offer a new contact for.
    """
    try:
        match = lookup_caller(index, context, number or "", context.tenant.phone_fallbacks(Vendor.PHONET))
    except InvalidPhone:
        return CallSettingsResponse(otherLeg=None).model_dump(mode="json")
    return call_settings_answer(match, base_url, context.slug, context.tenant.language).model_dump(
        mode="json"
    )
