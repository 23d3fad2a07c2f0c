from __future__ import annotations

import pytest

from hub.domain import tenants as tenants_domain
from hub.domain.tenants import TenantDirectory, create_tenant, rotate_webhook_token
from hub.errors import BadRequest, Forbidden, NotFound
from hub.models.tenant import Employee, Tenant, TenantSettings, Vendor
from hub.secrets import sha256_hex
from hub.vendors.phonet.webhooks import authorize_phonet_source
from tests.unit.memory import MemoryTenants

TOKEN = "a-token-of-twenty-chars-or-more"


class FakeRepo:
    """An in-memory TenantRepository that counts its reads."""

    def __init__(self) -> None:
        self.tenants: dict[str, Tenant] = {"acme": Tenant(slug="acme", name="Acme")}
        self.tokens = {
            sha256_hex(TOKEN): {"tenant": "acme", "vendor": "phonet", "token_hash": sha256_hex(TOKEN)}
        }
        self.reads = 0

    def get_tenant(self, slug: str) -> Tenant | None:
        self.reads += 1
        return self.tenants.get(slug)

    def get_webhook_token(self, digest: str) -> dict | None:
        self.reads += 1
        return self.tokens.get(digest)

    def list_employees(self, slug: str) -> list[Employee]:
        self.reads += 1
        return [Employee(id="e1", tenant=slug, name="Ivan", ext="001")]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_tenant_directory_reads_the_token_every_time_and_caches_its_tenant_until_ttl_expires() -> None:
    """A revoked token must stop working at once in every warm function: only the tenant is cached."""
    repo, clock = FakeRepo(), Clock()
    directory = TenantDirectory(repo, ttl_seconds=60, clock=clock)
    assert directory.by_webhook_token(TOKEN, Vendor.PHONET).slug == "acme"
    reads = repo.reads
    directory.by_webhook_token(TOKEN, Vendor.PHONET)
    assert repo.reads == reads + 1  # the token, not the tenant
    clock.now += 61
    directory.by_webhook_token(TOKEN, Vendor.PHONET)
    assert repo.reads > reads + 2


def test_tenant_directory_revoked_token_is_refused_at_once_even_when_its_tenant_is_cached() -> None:
    repo = FakeRepo()
    directory = TenantDirectory(repo, ttl_seconds=3600)
    assert directory.by_webhook_token(TOKEN, Vendor.PHONET).slug == "acme"
    repo.tokens.clear()
    with pytest.raises(NotFound):
        directory.by_webhook_token(TOKEN, Vendor.PHONET)


def test_tenant_directory_unknown_token_is_not_found_and_not_cached() -> None:
    repo = FakeRepo()
    directory = TenantDirectory(repo)
    unknown = "b-token-of-twenty-chars-or-more"
    with pytest.raises(NotFound):
        directory.by_webhook_token(unknown, Vendor.PHONET)
    repo.tokens[sha256_hex(unknown)] = {
        "tenant": "acme",
        "vendor": "phonet",
        "token_hash": sha256_hex(unknown),
    }
    assert directory.by_webhook_token(unknown, Vendor.PHONET).slug == "acme"


def test_tenant_directory_token_of_another_vendor_is_not_found() -> None:
    with pytest.raises(NotFound):
        TenantDirectory(FakeRepo()).by_webhook_token(TOKEN, Vendor.AVTODIALER)


@pytest.mark.parametrize(
    "token", ["short", "has space in it and is long enough", "../../etc/passwd-is-long", "é" * 30]
)
def test_tenant_directory_malformed_token_rejected_without_a_read(token: str) -> None:
    repo = FakeRepo()
    with pytest.raises(NotFound):
        TenantDirectory(repo).by_webhook_token(token, Vendor.PHONET)
    assert repo.reads == 0


def test_authorize_phonet_source_allowlist_default_cidr_and_off() -> None:
    directory = TenantDirectory(FakeRepo())
    context = directory.by_webhook_token(TOKEN, Vendor.PHONET)
    authorize_phonet_source(context, "89.184.65.208")
    for ip in ("203.0.113.7", None, "", "not-an-ip"):
        with pytest.raises(Forbidden):
            authorize_phonet_source(context, ip)
    cidr = context.tenant.model_copy(update={"settings": TenantSettings(phonet_ip_allowlist=["10.0.0.0/8"])})
    assert cidr.settings.allows_phonet_ip("10.1.2.3") and not cidr.settings.allows_phonet_ip("11.0.0.1")
    assert TenantSettings(phonet_ip_allowlist_enabled=False).allows_phonet_ip("203.0.113.7")


def test_rotate_webhook_token_overlap_ends_at_its_time_even_for_a_cached_tenant(monkeypatch) -> None:
    """The token and its overlap's end are read on every request, so a warm function stops taking
    the old token at that time, and a token replaced without overlap at once."""
    repo = MemoryTenants()
    created = create_tenant(repo, Tenant(slug="acme", name="Acme"))
    old = created.webhook_tokens[Vendor.PHONET]
    directory = TenantDirectory(repo, ttl_seconds=3600)
    assert directory.by_webhook_token(old, Vendor.PHONET).slug == "acme"  # its tenant cached from now on
    new = rotate_webhook_token(repo, "acme", Vendor.PHONET, overlap_ms=60_000, now=1_000_000)
    monkeypatch.setattr(tenants_domain, "now_ms", lambda: 1_059_999)
    assert directory.by_webhook_token(old, Vendor.PHONET).slug == "acme"
    assert directory.by_webhook_token(new, Vendor.PHONET).slug == "acme"
    monkeypatch.setattr(tenants_domain, "now_ms", lambda: 1_060_000)
    with pytest.raises(NotFound):
        directory.by_webhook_token(old, Vendor.PHONET)
    assert directory.by_webhook_token(new, Vendor.PHONET).slug == "acme"


def test_rotate_webhook_token_refuses_vendors_without_webhooks_and_long_overlaps() -> None:
    repo = MemoryTenants()
    create_tenant(repo, Tenant(slug="acme", name="Acme"))
    with pytest.raises(BadRequest):
        rotate_webhook_token(repo, "acme", Vendor.OBZVONILKA)
    with pytest.raises(BadRequest):
        rotate_webhook_token(repo, "acme", Vendor.PHONET, overlap_ms=8 * 24 * 3600 * 1000)
