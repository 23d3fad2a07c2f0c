"""Vendor credentials: each vendor's shape, the production rule for where they may point, the
tenant service keeping the secret apart from the table's note, and the warm clients built from them
(tests/unit/memory.py's MemorySecrets; no AWS, no sockets)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hub.domain.tenants import TenantContext, TenantDirectory, TenantService
from hub.errors import BadRequest, CredentialsMissing
from hub.models.tenant import (
    AvtodialerCredentials,
    PhonetCredentials,
    Tenant,
    Vendor,
    credentials_for,
    private_target_problem,
)
from hub.vendors.accounts import REQUEST_POLICY, VendorAccountsFromSecrets
from hub.vendors.avtodialer.dialer import AvtodialerDialer
from hub.vendors.obzvonilka.call_list import ObzvonilkaCallList
from hub.vendors.phonet.client import MemorySessionCache
from hub.vendors.phonet.pbx import PhonetPbx
from tests.unit.memory import MemorySecrets, MemoryTenants

PHONET = {"domain": "acme.phonet.com.ua", "api_key": "phonet-secret-1"}
AVTODIALER = {"base_url": "https://avtodialer.example", "api_key": "a-key", "access_token": "a-token"}


@pytest.mark.parametrize(
    ("vendor", "fields", "wrong"),
    [
        (Vendor.PHONET, {"api_key": "k"}, {"domain"}),
        (Vendor.PHONET, {**PHONET, "access_token": "t"}, {"access_token"}),
        (Vendor.PHONET, {**PHONET, "domain": "acme.phonet.com.ua/evil"}, {"domain"}),
        (Vendor.AVTODIALER, {"api_key": "k", "domain": "x.example"}, {"base_url", "access_token", "domain"}),
        (Vendor.OBZVONILKA, {"api_key": "k", "base_url": "ftp://obzvonilka.example"}, {"base_url"}),
        (Vendor.OBZVONILKA, {"api_key": "k", "base_url": "https://user:pw@obzvonilka.example"}, {"base_url"}),
    ],
)
def test_credentials_shape_per_vendor_names_the_fields_never_the_secret(vendor, fields, wrong) -> None:
    with pytest.raises(ValidationError) as raised:
        credentials_for(vendor, fields)
    assert {str(error["loc"][0]) for error in raised.value.errors()} == wrong
    assert "phonet-secret-1" not in str(raised.value) and "k'" not in str(raised.value)


def test_credentials_shape_per_vendor_accepts_the_documented_fields() -> None:
    phonet = credentials_for(Vendor.PHONET, PHONET)
    assert isinstance(phonet, PhonetCredentials) and phonet.target_url() == "https://acme.phonet.com.ua"
    assert "phonet-secret-1" not in repr(phonet)
    avtodialer = credentials_for(Vendor.AVTODIALER, {**AVTODIALER, "base_url": "https://avtodialer.example/"})
    assert (
        isinstance(avtodialer, AvtodialerCredentials) and avtodialer.base_url == "https://avtodialer.example"
    )
    with pytest.raises(ValueError, match="telefum"):
        credentials_for(Vendor.TELEFUM, {"api_key": "k"})


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://acme.phonet.com.ua", True),
        ("https://obzvonilka.ru/api", True),
        ("https://8.8.8.8", True),
        ("http://acme.phonet.com.ua", False),
        ("https://10.1.2.3", False),
        ("https://192.168.0.10:8443", False),
        ("https://127.0.0.1", False),
        ("https://169.254.169.254", False),
        ("https://100.64.0.1", False),
        ("https://[::1]", False),
        ("https://[fe80::1]", False),
        ("https://[::ffff:10.0.0.1]", False),
        ("https://localhost", False),
        ("https://api.localhost", False),
        ("https://2130706433", False),
        ("https://127.1", False),
        ("https://intranet", False),
    ],
)
def test_credentials_private_target_problem_table(url: str, allowed: bool) -> None:
    assert (private_target_problem(url) is None) is allowed


@pytest.fixture
def service() -> tuple[TenantService, MemoryTenants, MemorySecrets, TenantContext]:
    repo, secrets = MemoryTenants(), MemorySecrets()
    tenant = Tenant(slug="acme", name="Acme")
    repo.create_tenant(tenant, {})
    context = TenantContext(tenant=tenant)
    return TenantService(repo, TenantDirectory(repo), secrets), repo, secrets, context


def test_credentials_service_keeps_the_secret_apart_from_the_tables_note(service) -> None:
    tenants, repo, secrets, context = service
    tenants.put_credentials(context, Vendor.PHONET, PHONET)
    assert set(tenants.credentials_state(context)) == {"phonet"}
    assert repo.tenants_with_credentials(Vendor.PHONET) == ["acme"]
    assert "phonet-secret-1" not in repr(repo.credentials)
    assert secrets.get("acme", Vendor.PHONET) == credentials_for(Vendor.PHONET, PHONET)
    tenants.delete_credentials(context, Vendor.PHONET)
    assert tenants.credentials_state(context) == {} and secrets.values == {}
    assert repo.tenants_with_credentials(Vendor.PHONET) == []


def test_credentials_service_refused_shape_stores_nothing(service) -> None:
    tenants, repo, secrets, context = service
    with pytest.raises(ValidationError):
        tenants.put_credentials(context, Vendor.AVTODIALER, PHONET)
    with pytest.raises(BadRequest):
        tenants.put_credentials(context, Vendor.TELEFUM, {"api_key": "k"})
    assert secrets.values == {} and repo.credentials == {}


def test_credentials_service_in_prod_refuses_private_targets_with_the_field(service) -> None:
    _, repo, secrets, context = service
    prod = TenantService(repo, TenantDirectory(repo), secrets, public_vendor_urls_only=True)
    with pytest.raises(BadRequest) as raised:
        prod.put_credentials(context, Vendor.PHONET, {**PHONET, "base_url": "http://127.0.0.1:3001"})
    assert raised.value.details == [{"field": "base_url", "message": "must be an https URL"}]
    with pytest.raises(BadRequest) as raised:
        prod.put_credentials(context, Vendor.PHONET, {**PHONET, "domain": "10.0.0.5"})
    assert raised.value.details[0]["field"] == "domain"
    assert secrets.values == {}
    prod.put_credentials(context, Vendor.PHONET, PHONET)
    assert secrets.get("acme", Vendor.PHONET) is not None


def accounts(secrets: MemorySecrets) -> VendorAccountsFromSecrets:
    tenant = Tenant(slug="acme", name="Acme", default_country="UA")
    return VendorAccountsFromSecrets(secrets, lambda slug: tenant, MemorySessionCache(), REQUEST_POLICY)


def test_credentials_accounts_keep_one_client_while_the_credentials_stay(service) -> None:
    _, _, secrets, _ = service
    secrets.put("acme", Vendor.PHONET, credentials_for(Vendor.PHONET, PHONET))
    warm = accounts(secrets)
    first = warm.pbx("acme")
    assert isinstance(first, PhonetPbx) and warm.pbx("acme") is first
    assert first.client.policy == REQUEST_POLICY and first.client.domain == "acme.phonet.com.ua"


def test_credentials_accounts_drop_the_client_when_the_credentials_change(service) -> None:
    _, _, secrets, _ = service
    secrets.put("acme", Vendor.PHONET, credentials_for(Vendor.PHONET, PHONET))
    warm = accounts(secrets)
    first = warm.pbx("acme")
    secrets.put("acme", Vendor.PHONET, credentials_for(Vendor.PHONET, {**PHONET, "api_key": "rotated"}))
    second = warm.pbx("acme")
    assert second is not first and warm.pbx("acme") is second
    secrets.delete("acme", Vendor.PHONET)
    with pytest.raises(CredentialsMissing) as raised:
        warm.pbx("acme")
    assert raised.value.details == {"vendor": "phonet"}


def test_credentials_accounts_build_dialer_and_call_list_clients(service) -> None:
    _, _, secrets, _ = service
    secrets.put("acme", Vendor.AVTODIALER, credentials_for(Vendor.AVTODIALER, AVTODIALER))
    secrets.put("acme", Vendor.OBZVONILKA, credentials_for(Vendor.OBZVONILKA, {"api_key": "o-key"}))
    warm = accounts(secrets)
    assert isinstance(warm.dialer("acme"), AvtodialerDialer)
    assert isinstance(warm.call_list("acme"), ObzvonilkaCallList)
    with pytest.raises(CredentialsMissing):
        warm.pbx("acme")
