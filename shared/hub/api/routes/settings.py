"""/settings: the tenant's own settings, and the vendor credentials it stores (never returned)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from hub.api.common import documented, services, tenant
from hub.api.schemas import CredentialsIn, CredentialsState, SettingsOut, SettingsPatch
from hub.domain.tenants import TenantContext
from hub.errors import BadRequest
from hub.models.tenant import Vendor

logger = Logger()
router = Router()


def _settings_out(context: TenantContext) -> SettingsOut:
    configured = services(router).tenants.credentials_state(context)
    current = context.tenant
    return SettingsOut(
        **current.model_dump(include={"slug", "name", "default_country", "timezone", "language", "settings"}),
        credentials={
            vendor.value: CredentialsState(
                configured=vendor.value in configured, updated_at=configured.get(vendor.value)
            )
            for vendor in Vendor
        },
    )


@router.get("/settings", tags=["settings"], responses=documented(200, "The tenant's settings"))
def get_settings() -> SettingsOut:
    return _settings_out(tenant(router))


@router.patch("/settings", tags=["settings"], responses=documented(200, "The changed settings", 409, 415))
def patch_settings(patch: Annotated[SettingsPatch, Body()]) -> SettingsOut:
    context = tenant(router)
    changes = patch.model_dump(exclude_unset=True)
    if changes.get("settings") is not None:
        changes["settings"] = patch.settings.model_dump(exclude_unset=True)  # type: ignore[union-attr]
    nulls = [name for name, value in changes.items() if value is None and name != "settings"]
    if nulls:
        raise BadRequest("these settings cannot be removed", details={"fields": nulls})
    return _settings_out(services(router).tenants.update_settings(context, changes))


@router.put(
    "/settings/credentials/<vendor>",
    tags=["settings"],
    responses=documented(204, "Stored; they are never returned", 415),
)
def put_credentials(vendor: Vendor, credentials: Annotated[CredentialsIn, Body()]) -> None:
    """Checked against the vendor's own shape (400 with the fields, never their values)."""
    fields = credentials.model_dump(exclude_unset=True)
    services(router).tenants.put_credentials(tenant(router), vendor, fields)
    logger.info("vendor credentials changed", extra={"vendor": vendor.value})
    return Response(status_code=204)  # type: ignore[return-value]


@router.delete(
    "/settings/credentials/<vendor>",
    tags=["settings"],
    responses=documented(204, "Removed (or there were none)"),
)
def delete_credentials(vendor: Vendor) -> None:
    services(router).tenants.delete_credentials(tenant(router), vendor)
    return Response(status_code=204)  # type: ignore[return-value]
