"""Builds the stores and directories a function uses, once per warm container and on first use."""

from __future__ import annotations

from functools import cache

from hub.config import get_settings
from hub.domain.tenants import TenantDirectory
from hub.store.contacts import ContactStore
from hub.store.dynamo import default_client
from hub.store.tenants import TenantStore


@cache
def tenant_store() -> TenantStore:
    return TenantStore(get_settings().tenants_table)


@cache
def contact_store() -> ContactStore:
    return ContactStore(get_settings().contacts_table)


@cache
def tenant_directory() -> TenantDirectory:
    return TenantDirectory(tenant_store(), ttl_seconds=get_settings().tenant_cache_seconds)


def reset() -> None:
    """Forget every cached client, store and tenant: for tests, which swap the AWS behind them."""
    for cached in (get_settings, default_client, tenant_store, contact_store, tenant_directory):
        cached.cache_clear()
