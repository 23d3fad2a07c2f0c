"""How the pages show values people read: phone numbers as the tenant's people write them, and the
attribution keys the hub stores under names a person understands. Pure functions, used as Jinja
filters, so every page (card, call log, callbacks) shows them alike."""

from __future__ import annotations

from typing import Any

import phonenumbers
from jinja2 import pass_context
from jinja2.runtime import Context

from hub.models.call import ATTRIBUTION_KEYS

_NATIONAL = phonenumbers.PhoneNumberFormat.NATIONAL
_INTERNATIONAL = phonenumbers.PhoneNumberFormat.INTERNATIONAL
# The context variable a page sets to its tenant's default country (hub.pages.web.Page.fragment).
COUNTRY_VARIABLE = "tenant_country"
# Each attribution key the hub stores, with its label key.
ATTRIBUTION_LABELS = {key: f"attr_{key}" for key in ATTRIBUTION_KEYS}


def format_phone(e164: str | None, country: str | None) -> str:
    """A number as written at home: the national form for a number of `country`, the international
    one for any other; what does not parse is shown as stored (it is still someone's number)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None if e164.startswith("+") else country)
    except phonenumbers.NumberParseException:
        return e164
    if not phonenumbers.is_possible_number(number):
        return e164
    home = country and phonenumbers.region_code_for_number(number) == country.upper()
    return phonenumbers.format_number(number, _NATIONAL if home else _INTERNATIONAL)


@pass_context
def phone(context: Context, e164: str | None) -> str:
    """The `phone` filter: `format_phone` in the country of the page's tenant."""
    return format_phone(e164, context.get(COUNTRY_VARIABLE))


def attribution_label(key: str, labels: dict[str, str]) -> str:
    """A stored attribution key as a person reads it ("utm_source" -> "Source"); an unknown key as is."""
    label_key = ATTRIBUTION_LABELS.get(key)
    return labels.get(label_key, key) if label_key else key


@pass_context
def attribution(context: Context, key: str) -> str:
    """The `attribution` filter: `attribution_label` in the page's language."""
    labels: dict[str, Any] = context.get("t") or {}
    return attribution_label(key, labels)


# What hub.pages.environment() registers: every page may use them.
FILTERS = {"phone": phone, "attribution": attribution}
