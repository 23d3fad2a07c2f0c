"""Who may send Phonet's webhooks: its servers' addresses, unless the tenant switched the check off."""

from __future__ import annotations

from hub.domain.tenants import TenantContext
from hub.errors import Forbidden


def authorize_phonet_source(context: TenantContext, source_ip: str | None) -> None:
    """Phonet recommends checking its servers' addresses; the tenant may switch that off."""
    if not context.tenant.settings.allows_phonet_ip(source_ip):
        raise Forbidden("this address may not send Phonet webhooks for this tenant")
