"""What TelefUM sends (spec/telefum.md): its parameters, and its words for contact types and events."""

from __future__ import annotations

from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from hub.http import request_body
from hub.models.contact import ContactType
from hub.vendors.telefum.answers import WRONG_CONTACT_TYPE, TelefumError

# TelefUM names types in English or Russian ("Лид", "Контакт", "Компания").
CONTACT_TYPES = {
    "lead": ContactType.LEAD,
    "лид": ContactType.LEAD,
    "contact": ContactType.CONTACT,
    "контакт": ContactType.CONTACT,
    "company": ContactType.COMPANY,
    "компания": ContactType.COMPANY,
}


def parameters(app: APIGatewayHttpResolver) -> dict[str, str]:
    """The current request's query and form fields together (form wins); `+` is a space, as in any
    query string."""
    event = app.current_event
    fields = dict(parse_qsl(event.raw_query_string or "", keep_blank_values=True))
    content_type = (event.headers or {}).get("content-type", "")
    if event.http_method == "POST" and "json" not in content_type:
        fields.update(parse_qsl(request_body(app), keep_blank_values=True))
    return {key: value.strip() for key, value in fields.items()}


def contact_type(value: str | None, default: ContactType | None = None) -> ContactType:
    """The type TelefUM names; none named is `default`, and without one, like an unknown name, an error."""
    if not value:
        if default is None:
            raise TelefumError(WRONG_CONTACT_TYPE)
        return default
    found = CONTACT_TYPES.get(value.strip().lower())
    if found is None:
        raise TelefumError(WRONG_CONTACT_TYPE)
    return found


def event_kind(subject: str | None) -> str:
    """The kind of a timeline event, from the words of its subject (an SMS, a call, else a note)."""
    text = (subject or "").lower()
    if "смс" in text or "sms" in text:
        return "sms"
    if "звон" in text or "call" in text:
        return "call"
    return "note"
