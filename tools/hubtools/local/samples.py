"""The tenants the sample events in events/ belong to, so each event means what it says locally.

The events carry fixed webhook tokens, a fixed API key and a TelefUM login (the same values as
tests/support.py): `acme` (UA: Phonet's samples, TelefUM, the REST API) and `globex` (RU:
Avtodialer's samples). Created once per in-memory AWS, beside `make run`'s `demo` tenant.
"""

from __future__ import annotations

from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from hub.domain.tenants import TenantDirectory, add_employee
from hub.errors import Conflict
from hub.ids import new_id, now_ms
from hub.models.tenant import ApiKey, Tenant, Vendor
from hub.secrets import new_session_key, sha256_hex
from hub.store.contacts import ContactStore
from hub.store.tenants import TenantStore
from hubtools.local.aws import LocalAws
from hubtools.template import Template

SAMPLE_TOKENS = {
    "acme": {
        Vendor.PHONET: "acme-phonet-token-0123456789abcdef",
        Vendor.AVTODIALER: "acme-avtodialer-token-0123456789ab",
    },
    "globex": {
        Vendor.PHONET: "globex-phonet-token-0123456789abcd",
        Vendor.AVTODIALER: "globex-avtodialer-token-0123456789",
    },
}
SAMPLE_API_KEY = "hub_sample-key-for-local-events-only-0123456"  # events/rest_api/*.json
TELEFUM_LOGIN, TELEFUM_PASSWORD = "op", "s3cret-pass"  # events/telefum/*.json


def seed_samples(aws: LocalAws, template: Template) -> bool:
    """Create the sample tenants unless they exist; True when this call created them."""
    tenants = TenantStore(template.table_name("TenantsTable"), aws.client("dynamodb"))
    if tenants.get_tenant("acme") is not None:
        return False
    acme = Tenant(slug="acme", name="Acme", default_country="UA", session_key=new_session_key())
    globex = Tenant(
        slug="globex",
        name="Globex",
        default_country="RU",
        timezone="Europe/Moscow",
        session_key=new_session_key(),
    )
    try:
        for tenant in (acme, globex):
            hashes = {vendor: sha256_hex(token) for vendor, token in SAMPLE_TOKENS[tenant.slug].items()}
            tenants.create_tenant(tenant, hashes)
    except Conflict:  # another `make invoke` got there first
        return False
    manager = add_employee(tenants, acme, name="Иван Менеджер", email="example@email.com", ext="001")
    add_employee(tenants, acme, name="Оператор", ext="005", login=TELEFUM_LOGIN, password=TELEFUM_PASSWORD)
    key = ApiKey(
        key_id=new_id(), tenant="acme", name="sample events", prefix=SAMPLE_API_KEY[:10], created_at=now_ms()
    )
    tenants.create_api_key(key, sha256_hex(SAMPLE_API_KEY))
    contacts = ContactService(ContactStore(template.table_name("ContactsTable"), aws.client("dynamodb")))
    context = TenantDirectory(tenants, ttl_seconds=0).by_slug("acme")
    known = ContactInput(
        name="Иван Иванов",
        company="ООО Резюме",
        phones=[PhoneInput(number="+380442246595")],
        responsible_employee_id=manager.id,
    )
    contacts.create(context, known, created_by="samples")
    return True
