"""The demo tenant `make run` creates (Ukrainian, as Phonet's users are): employees, contacts, tokens,
an API key, and credentials for every vendor pointing at the local fakes (`seed_credentials`, once
they listen)."""

from __future__ import annotations

from typing import Any

from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from hub.domain.tenants import TenantDirectory, add_employee, create_api_key, create_tenant
from hub.ids import now_ms
from hub.models.contact import ContactType
from hub.models.tenant import Language, Tenant, TenantSettings, Vendor, credentials_for
from hub.secrets import new_password
from hub.store.contacts import ContactStore
from hub.store.tenants import TenantStore
from hub.store.vendor_secrets import VendorSecretStore
from hubtools.hubctl import webhook_urls
from hubtools.local.aws import LocalAws
from hubtools.template import Template

DEMO_EMPLOYEES = [
    {"name": "Іван Петренко", "ext": "001", "email": "ivan@demo.example", "login": "ivan"},
    {"name": "Олена Коваль", "ext": "002", "email": "olena@demo.example", "login": "olena"},
]
DEMO_CONTACTS = [
    {"name": "Иван Иванов", "company": "ООО Резюме", "phones": ["+380442246595"], "responsible": "001"},
    {
        "name": "Анастасия Березкина",
        "company": "Тестовая компания",
        "phones": ["050 582 66 33"],
        "responsible": "002",
    },
    {"type": ContactType.COMPANY, "name": "ООО Невидимка", "phones": ["(044) 111-22-33", "0800218500"]},
    {"type": ContactType.LEAD, "name": "+380671234567", "phones": ["0671234567"], "source": "google / cpc"},
]


def seed_demo(aws: LocalAws, template: Template, api_url: str, slug: str = "demo") -> dict[str, Any]:
    """Create the demo tenant in the local AWS; returns the tenant part of .local/demo.json."""
    tenants = TenantStore(template.table_name("TenantsTable"), aws.client("dynamodb"))
    contacts = ContactService(ContactStore(template.table_name("ContactsTable"), aws.client("dynamodb")))
    # Loopback stands in for Phonet's servers here: the allowlist stays on, as in production.
    settings = TenantSettings(phonet_ip_allowlist=["127.0.0.0/8", "::1"])
    demo = Tenant(slug=slug, name="Demo", default_country="UA", language=Language.UK, settings=settings)
    created = create_tenant(tenants, demo)
    _, api_key = create_api_key(tenants, created.tenant, name="demo")
    employees = []
    for person in DEMO_EMPLOYEES:
        password = new_password()
        add_employee(tenants, created.tenant, password=password, **person)
        employees.append({**person, "password": password})
    context = TenantDirectory(tenants, ttl_seconds=0).by_slug(slug)
    for fields in DEMO_CONTACTS:
        fields = dict(fields)
        responsible = context.employee_by_ext_or_email(fields.pop("responsible", "") or "-")
        data = ContactInput(
            **{k: v for k, v in fields.items() if k != "phones"},
            phones=[PhoneInput(number=n) for n in fields["phones"]],
            responsible_employee_id=responsible.id if responsible else None,
        )
        contacts.create(context, data, created_by="demo")
    tokens = created.webhook_tokens
    return {
        "tenant": {
            "slug": slug,
            "api_key": api_key,
            "phonet_token": tokens[Vendor.PHONET],
            "avtodialer_token": tokens[Vendor.AVTODIALER],
            "webhooks": webhook_urls(api_url, tokens),
        },
        "employees": employees,
    }


def seed_credentials(
    aws: LocalAws, template: Template, slug: str, fakes: dict[str, Any], *, at: int | None = None
) -> None:
    """Give tenant `slug` credentials for each vendor in `fakes` (name -> running fake), pointing at
    the fake with its own domain and keys, as PUT /api/v1/settings/credentials/{vendor} stores them."""
    prefix = template.function_environment("RestApiFunction")["CREDENTIALS_PARAMETER_PREFIX"]
    secrets = VendorSecretStore(prefix, aws.client("ssm"))
    tenants = TenantStore(template.table_name("TenantsTable"), aws.client("dynamodb"))
    shapes: dict[Vendor, dict[str, str]] = {}
    if phonet := fakes.get("phonet"):
        shapes[Vendor.PHONET] = {"domain": phonet.domain, "api_key": phonet.api_key, "base_url": phonet.url}
    if avtodialer := fakes.get("avtodialer"):
        shapes[Vendor.AVTODIALER] = {
            "base_url": avtodialer.url,
            "api_key": avtodialer.api_key,
            "access_token": avtodialer.access_token,
        }
    if obzvonilka := fakes.get("obzvonilka"):
        shapes[Vendor.OBZVONILKA] = {"api_key": obzvonilka.api_key, "base_url": obzvonilka.url}
    for vendor, fields in shapes.items():
        secrets.put(slug, vendor, credentials_for(vendor, fields))
        tenants.put_credentials(slug, vendor, at or now_ms())
