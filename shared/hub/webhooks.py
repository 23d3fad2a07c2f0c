"""Who sent a webhook: the tenant behind the URL's token, and for Phonet the sender's address."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from hub.domain.tenants import TenantContext, TenantDirectory
from hub.http import source_ip
from hub.models.tenant import Vendor
from hub.vendors.phonet.webhooks import authorize_phonet_source


def webhook_tenant(
    app: APIGatewayHttpResolver, directory: TenantDirectory, token: str, vendor: Vendor, logger: Logger
) -> TenantContext:
    """The tenant owning this vendor's token (else a bare 404); Phonet's webhooks must also come from
    an allowed address, read from the request context, never from a header (else 403)."""
    context = directory.by_webhook_token(token, vendor)
    logger.append_keys(tenant=context.slug)
    if vendor == Vendor.PHONET:
        authorize_phonet_source(context, source_ip(app))
    return context
