"""URLs of the hub's own pages, as PBX pop-ups and softphones open them."""

from __future__ import annotations

from urllib.parse import quote


def contact_card_url(base_url: str, tenant: str, contact_id: str) -> str:
    return f"{base_url.rstrip('/')}/app/{quote(tenant)}/contacts/{quote(contact_id)}"


def new_contact_url(base_url: str, tenant: str, e164: str) -> str:
    """The new-contact form pre-filled with the number; `+` must arrive as `%2B`, not a space."""
    return f"{base_url.rstrip('/')}/app/{quote(tenant)}/contacts/new?phone={quote(e164, safe='')}"
