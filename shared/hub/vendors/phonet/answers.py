"""Phonet's answers, shaped once for every endpoint that gives them."""

from __future__ import annotations

from typing import Any

from hub.domain.lookup import CallerLookup, CallerMatch
from hub.domain.tenants import TenantContext
from hub.links import contact_card_url, new_contact_url
from hub.models.tenant import Language, Vendor
from hub.vendors.phonet.models.call_settings import CallSettingsResponse, OtherLeg

NEW_CONTACT_TEXT = {
    Language.RU: "Добавить контакт",
    Language.EN: "Add contact",
    Language.UK: "Додати контакт",
}


def call_settings_answer(
    match: CallerMatch | None, base_url: str, tenant: str, language: Language
) -> CallSettingsResponse:
    """§A1. Unknown numbers get variant (a): Phonet's Chrome extension needs a url and urlText. No
    number at all (a hidden or odd caller id) gets variant (b), `{"otherLeg": null}`: there is no
    number to offer a new contact for."""
    if match is None:
        return CallSettingsResponse(otherLeg=None)
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
    lookup: CallerLookup, context: TenantContext, number: str | None, base_url: str
) -> dict[str, Any]:
    """Look the number up and shape Phonet's answer, for every URL a PBX may send `call.settings` to
    (the PBX waits for it on every ring)."""
    match = lookup.who_is_calling(context, number, context.tenant.phone_fallbacks(Vendor.PHONET))
    return call_settings_answer(match, base_url, context.slug, context.tenant.language).model_dump(
        mode="json"
    )
