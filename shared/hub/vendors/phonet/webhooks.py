"""Phonet's webhooks at the edge: who may send them, and what a lookup asks, read from its JSON, so
the handlers import functions and never Phonet's payload models. (A call event is read into the hub's
record by `translate.read_call_event`.) Light on purpose: the lookup function, the one a ringing
phone waits on, imports this module.
"""

from __future__ import annotations

from typing import Any

from hub.domain.tenants import TenantContext
from hub.errors import Forbidden
from hub.vendors.phonet.models.call_settings import CallSettingsRequest

CALL_SETTINGS = "call.settings"


def authorize_phonet_source(context: TenantContext, source_ip: str | None) -> None:
    """Phonet recommends checking its servers' addresses; the tenant may switch that off."""
    if not context.tenant.settings.allows_phonet_ip(source_ip):
        raise Forbidden("this address may not send Phonet webhooks for this tenant")


def is_call_settings(payload: Any) -> bool:
    """Whether a parsed body is a §A1 lookup (a PBX with one URL sends them with its call events)."""
    return isinstance(payload, dict) and payload.get("request") == CALL_SETTINGS


def call_settings_number(payload: Any) -> str | None:
    """The number a §A1 lookup asks about, as the PBX sent it (None when hidden); a body that is not
    a lookup raises pydantic's ValidationError, which every edge answers as invalid input."""
    return CallSettingsRequest.model_validate(payload).other_leg_num
