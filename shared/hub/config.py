"""Function configuration, read from the environment template.yaml gives each function."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache

from pydantic import BaseModel, ConfigDict


class HubSettings(BaseModel):
    """Names of the resources a function uses; the same in AWS and in the local runner.

    A plain model read from the environment rather than pydantic-settings' BaseSettings: that package
    costs ~170 ms of cold import for what `from_environ` does in five lines, while the phone rings."""

    model_config = ConfigDict(extra="ignore", frozen=True)

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
    # Scheduled syncs (hub.domain.sync): the worker's queue, and how far back a first history run reads.
    sync_queue_url: str = ""
    sync_backfill_days: int = 7
    # Dial campaigns (hub.domain.campaigns): their table and the dial worker's queue.
    campaigns_table: str = ""
    dial_queue_url: str = ""
    # Call notes (hub.domain.call_notes): the FIFO queue of the worker that writes them into Phonet.
    call_notes_queue_url: str = ""
    # The deployment stage (template.yaml's Stage): in `prod` a tenant's vendor base_url must be a
    # public https URL; elsewhere the local fakes on loopback stand in.
    stage: str = "dev"
    # Where tenants' vendor credentials live, as SSM SecureStrings `{prefix}/{tenant}/{vendor}`.
    credentials_parameter_prefix: str = "/telephony-hub/local"
    # How long a warm function trusts a credential it read (Powertools Parameters' cache).
    credentials_cache_seconds: int = 30

    @property
    def public_vendor_urls_only(self) -> bool:
        return self.stage == "prod"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> HubSettings:
        """Each field from the variable of its name, in any case (TENANTS_TABLE), validated and
        converted as the model's types say; a missing required one is a ValidationError."""
        fields = {name.upper(): name for name in cls.model_fields}
        return cls.model_validate(
            {fields[key.upper()]: value for key, value in environ.items() if key.upper() in fields}
        )


@cache
def get_settings() -> HubSettings:
    """Read once per cold start, not at import time, so tests can set the environment first."""
    return HubSettings.from_environ()
