"""A tenant's vendor accounts as clients (hub.ports.vendors.VendorAccounts), built from the
credentials it stored (hub.ports.VendorSecrets).

One client per tenant and vendor while the container is warm, so a Phonet session and a connection
pool serve many requests. Every use reads the credentials (Powertools keeps them ~30 s in memory, so
this is rarely a request to SSM) and compares them with the ones the client was built from: changed
credentials drop the old client, removed ones are CredentialsMissing (a 409 naming the vendor).

The HTTP policy is the caller's: a request handler must answer before API Gateway gives up (29 s),
so it builds its clients with `REQUEST_POLICY` (5 s to read, one retry of a GET), a worker with the
vendor clients' default (10 s, two retries), and a page's live view (the team's calls in progress)
with `PAGE_POLICY` (3 s, no retry: a person is waiting, and reloading is the retry).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from hub.errors import CredentialsMissing
from hub.models.tenant import (
    AvtodialerCredentials,
    ObzvonilkaCredentials,
    PhonetCredentials,
    Tenant,
    Vendor,
    VendorCredentials,
)
from hub.ports import VendorSecrets
from hub.ports.vendors import CallListClient, CallNoteBook, DialerClient, PbxClient, SessionCache
from hub.vendors.avtodialer.client import AvtodialerClient
from hub.vendors.avtodialer.dialer import AvtodialerDialer
from hub.vendors.http import HttpPolicy
from hub.vendors.obzvonilka.call_list import ObzvonilkaCallList
from hub.vendors.obzvonilka.client import ObzvonilkaClient
from hub.vendors.phonet.client import PhonetClient
from hub.vendors.phonet.notes import PhonetCallNotes
from hub.vendors.phonet.pbx import PhonetPbx

REQUEST_POLICY = HttpPolicy(connect_timeout=3.05, read_timeout=5.0, retries=1)
WORKER_POLICY = HttpPolicy()
PAGE_POLICY = HttpPolicy(connect_timeout=2.0, read_timeout=3.0, retries=0)


class VendorAccountsFromSecrets:
    """`tenants` gives a tenant by slug (the directory's cached read: a PBX reads numbers in its
    country); `session_cache` keeps Phonet sessions across invocations."""

    def __init__(
        self,
        secrets: VendorSecrets,
        tenants: Callable[[str], Tenant],
        session_cache: SessionCache,
        policy: HttpPolicy = WORKER_POLICY,
    ) -> None:
        self.secrets = secrets
        self.tenants = tenants
        self.session_cache = session_cache
        self.policy = policy
        self._clients: dict[tuple[str, Vendor], tuple[Any, Any]] = {}
        self._lock = threading.Lock()

    def pbx(self, tenant: str) -> PbxClient:
        record = self.tenants(tenant)
        country, fallbacks = record.default_country, record.phone_fallbacks(Vendor.PHONET)

        def build(credentials: VendorCredentials) -> PhonetPbx:
            assert isinstance(credentials, PhonetCredentials)
            client = PhonetClient(
                credentials.domain,
                credentials.api_key,
                base_url=credentials.base_url,
                session_cache=self.session_cache,
                policy=self.policy,
            )
            return PhonetPbx(client, country, fallbacks)

        return self._client(tenant, Vendor.PHONET, build, (country, fallbacks))  # type: ignore[no-any-return]

    def contact_book(self, tenant: str) -> PhonetClient:
        """The tenant's Phonet client for its contact book (§B2): the PBX's own, sharing its session."""
        pbx = self.pbx(tenant)
        assert isinstance(pbx, PhonetPbx)
        return pbx.client

    def call_notes(self, tenant: str) -> CallNoteBook:
        """The tenant's Phonet contact book for call notes, over the same warm client as `pbx`."""
        pbx = self.pbx(tenant)
        assert isinstance(pbx, PhonetPbx)
        return PhonetCallNotes(pbx.client)

    def dialer(self, tenant: str) -> DialerClient:
        record = self.tenants(tenant)
        country, fallbacks = record.default_country, record.phone_fallbacks(Vendor.AVTODIALER)

        def build(credentials: VendorCredentials) -> AvtodialerDialer:
            assert isinstance(credentials, AvtodialerCredentials)
            client = AvtodialerClient(
                credentials.base_url, credentials.api_key, credentials.access_token, policy=self.policy
            )
            return AvtodialerDialer(client, country, fallbacks, credentials.number_format)

        return self._client(tenant, Vendor.AVTODIALER, build, (country, fallbacks))  # type: ignore[no-any-return]

    def call_list(self, tenant: str) -> CallListClient:
        def build(credentials: VendorCredentials) -> ObzvonilkaCallList:
            assert isinstance(credentials, ObzvonilkaCredentials)
            client = ObzvonilkaClient(credentials.api_key, base_url=credentials.base_url, policy=self.policy)
            return ObzvonilkaCallList(client)

        return self._client(tenant, Vendor.OBZVONILKA, build)  # type: ignore[no-any-return]

    def _client(
        self, tenant: str, vendor: Vendor, build: Callable[[VendorCredentials], Any], extra: Any = None
    ) -> Any:
        """The warm client for these credentials (and `extra`: what else it was built from), else a
        new one in its place."""
        credentials = self.secrets.get(tenant, vendor)
        key = (tenant, vendor)
        with self._lock:
            if credentials is None:
                self._clients.pop(key, None)
                raise CredentialsMissing(
                    f"the tenant has stored no {vendor.value} credentials (PUT /api/v1/settings/credentials/"
                    f"{vendor.value})",
                    details={"vendor": vendor.value},
                )
            built_from = (credentials, extra)
            cached = self._clients.get(key)
            if cached is not None and cached[0] == built_from:
                return cached[1]
            client = build(credentials)
            self._clients[key] = (built_from, client)
            return client
