"""Fixtures shared by every suite: moto AWS built from template.yaml, handlers loaded from functions/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from hub import wiring
from hub.domain.tenants import TenantContext, TenantDirectory, add_employee
from hub.models.tenant import Employee, Tenant, Vendor
from hub.secrets import new_session_key, sha256_hex
from hub.store.contacts import ContactStore
from hub.store.tenants import TenantStore
from hubtools.moto_atomic import make_moto_requests_atomic, make_moto_transactions_cheap
from hubtools.template import Template
from tests.support import (
    ACME_AVTODIALER_TOKEN,
    ACME_PHONET_TOKEN,
    GLOBEX_AVTODIALER_TOKEN,
    GLOBEX_PHONET_TOKEN,
    LambdaContext,
)

make_moto_requests_atomic()
make_moto_transactions_cheap()


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def template() -> Template:
    return Template(stack_name="test", region="eu-central-1")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_REGION": "eu-central-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        wiring.reset()
        yield
    wiring.reset()


@pytest.fixture
def tables(aws: None, template: Template, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The template's tables in moto, and every function's environment set as deployed."""
    client = boto3.client("dynamodb")
    template.create_tables(client)
    template.create_queues(boto3.client("sqs"))
    for logical_id in template.of_type("AWS::Serverless::Function"):
        for name, value in template.function_environment(logical_id).items():
            monkeypatch.setenv(name, value)
    wiring.reset()
    return client


@dataclass
class Seeded:
    tenant_store: TenantStore
    contact_store: ContactStore
    acme: TenantContext
    globex: TenantContext
    manager: Employee

    def context(self, slug: str) -> TenantContext:
        return TenantDirectory(self.tenant_store, ttl_seconds=0).by_slug(slug)


@pytest.fixture
def seeded(tables: Any, template: Template) -> Seeded:
    """Two tenants: acme (UA, the Phonet samples' tenant) with a manager, and globex (RU, the
    Avtodialer samples' tenant: Avtodialer dials Russian numbers)."""
    tenants = TenantStore(template.table_name("TenantsTable"))
    contacts = ContactStore(template.table_name("ContactsTable"))
    acme = Tenant(slug="acme", name="Acme", default_country="UA", session_key=new_session_key())
    tenants.create_tenant(
        acme,
        {Vendor.PHONET: sha256_hex(ACME_PHONET_TOKEN), Vendor.AVTODIALER: sha256_hex(ACME_AVTODIALER_TOKEN)},
    )
    globex = Tenant(
        slug="globex",
        name="Globex",
        default_country="RU",
        timezone="Europe/Moscow",
        session_key=new_session_key(),
    )
    tenants.create_tenant(
        globex,
        {
            Vendor.PHONET: sha256_hex(GLOBEX_PHONET_TOKEN),
            Vendor.AVTODIALER: sha256_hex(GLOBEX_AVTODIALER_TOKEN),
        },
    )
    manager = add_employee(tenants, acme, name="Иван Менеджер", email="example@email.com", ext="001")
    directory = TenantDirectory(tenants, ttl_seconds=0)
    return Seeded(tenants, contacts, directory.by_slug("acme"), directory.by_slug("globex"), manager)
