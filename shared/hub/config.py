"""Function configuration, read from the environment template.yaml gives each function."""

from __future__ import annotations

from functools import cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class HubSettings(BaseSettings):
    """Names of the resources a function uses; the same in AWS and in the local runner."""

    model_config = SettingsConfigDict(extra="ignore")

    tenants_table: str
    contacts_table: str
    calls_table: str = ""
    webhook_log_table: str = ""
    idempotency_table: str = ""
    leads_queue_url: str = ""
    imports_table: str = ""
    import_queue_url: str = ""
    # Lead messages wait this long, so the webhook's own write has landed when the worker looks.
    leads_queue_delay_seconds: int = 2
    # Checked UTM batches wait here for the worker that applies them.
    utm_queue_url: str = ""
    # Where the hub's pages live. Empty: the URL the request came in on (API Gateway's own domain).
    public_base_url: str = ""
    # How long a warm function trusts what it read about a tenant (token, settings, employees).
    tenant_cache_seconds: float = 60.0


@cache
def get_settings() -> HubSettings:
    """Read once per cold start, not at import time, so tests can set the environment first."""
    return HubSettings()  # type: ignore[call-arg]
