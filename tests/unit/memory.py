"""In-memory fakes of the domain's ports (hub.ports), for unit tests with no AWS and no sockets.

Each keeps the promises its port makes, the ones the domain relies on: conditional writes on the
version read (a stale one is a Conflict), taken external codes and unique keys refused, the phone
index always in step with the contacts, a chunk's result recorded once. They are simple, not fast.
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, is_dataclass
from typing import Any

from hub.errors import Conflict
from hub.models.contact import Contact, PhoneEntry
from hub.models.do_not_call import DoNotCallEntry
from hub.models.tenant import ApiKey, Employee, Tenant, Vendor, VendorCredentials, credentials_for
from hub.names import contact_name_words, matches_name, name_words
from hub.ports import Page


def _offset_page(items: list[Any], limit: int, start: dict[str, str] | None) -> Page[Any]:
    offset = int(start["offset"]) if start else 0
    chunk = items[offset : offset + limit]
    more = offset + limit < len(items)
    return Page(chunk, {"offset": str(offset + limit)} if more else None)


class MemoryContacts:
    """ContactRepository (and so PhoneIndex, ContactWriter). The indexes are derived from the
    contacts on every read, so they can never drift from them."""

    def __init__(self) -> None:
        self.contacts: dict[tuple[str, str], Contact] = {}
        self.unique: dict[tuple[str, str], str] = {}
        self.timelines: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.writes = 0

    # -- reads

    def phone_entries(self, tenant: str, e164: str) -> list[PhoneEntry]:
        return [
            PhoneEntry.of(contact)
            for (owner, _), contact in sorted(self.contacts.items())
            if owner == tenant and e164 in contact.phone_numbers()
        ]

    def get(self, tenant: str, contact_id: str, consistent: bool = False) -> Contact | None:
        found = self.contacts.get((tenant, contact_id))
        return found.model_copy(deep=True) if found else None

    def get_many(self, tenant: str, contact_ids: list[str]) -> list[Contact]:
        return [c for c in (self.get(tenant, i) for i in dict.fromkeys(contact_ids)) if c is not None]

    def contact_id_by_external_code(self, tenant: str, vendor: str, code: str) -> str | None:
        for (owner, contact_id), contact in self.contacts.items():
            if owner == tenant and contact.external_codes.get(vendor) == code:
                return contact_id
        return None

    def unique_owner(self, tenant: str, unique_key: str) -> str | None:
        return self.unique.get((tenant, unique_key))

    def list_contacts(
        self,
        tenant: str,
        *,
        limit: int,
        start: dict[str, str] | None = None,
        name: str | None = None,
        contact_type: str | None = None,
        updated_since: int | None = None,
    ) -> Page[Contact]:
        query = name_words(name)
        if name and not query:
            return Page([], None)
        found = [
            c
            for (owner, _), c in self.contacts.items()
            if owner == tenant
            and (not query or matches_name(contact_name_words(c), query))
            and (contact_type is None or c.type.value == contact_type)
            and (updated_since is None or c.updated_at >= updated_since)
        ]
        if updated_since is not None:
            found.sort(key=lambda c: (c.updated_at, c.id))
        else:
            found.sort(key=lambda c: ((c.name or "").casefold(), c.id))
        return _offset_page(found, limit, start)

    def by_name(self, tenant: str, name: str, limit: int = 50) -> list[Contact]:
        return self.list_contacts(tenant, limit=limit, name=name).items

    def events(self, tenant: str, contact_id: str) -> list[dict[str, Any]]:
        return [e for e in self.timelines.get((tenant, contact_id), []) if "kind" in e]

    def timeline_call_uuids(self, tenant: str, contact_id: str) -> list[str]:
        return [e["call_uuid"] for e in self.timelines.get((tenant, contact_id), []) if "call_uuid" in e]

    # -- writes

    def create(self, contact: Contact, unique_key: str | None = None, stale_owner: str | None = None) -> None:
        key = (contact.tenant, contact.id)
        if key in self.contacts:
            raise Conflict("the record changed or already exists")
        self._check_codes(contact)
        if unique_key:
            owner = self.unique.get((contact.tenant, unique_key))
            if owner is not None and owner != stale_owner:
                raise Conflict("the record changed or already exists")
            self.unique[(contact.tenant, unique_key)] = contact.id
        self.contacts[key] = contact.model_copy(deep=True)
        self.writes += 1

    def update(self, old: Contact, new: Contact) -> None:
        key = (old.tenant, old.id)
        stored = self.contacts.get(key)
        if stored is None or stored.version != old.version:
            raise Conflict("the contact was changed by someone else")
        self._check_codes(new)
        self.contacts[key] = new.model_copy(deep=True)
        self.writes += 1

    def delete(self, contact: Contact) -> None:
        key = (contact.tenant, contact.id)
        stored = self.contacts.get(key)
        if stored is None or stored.version != contact.version:
            raise Conflict("the contact was changed by someone else")
        del self.contacts[key]
        self.timelines.pop(key, None)
        self.writes += 1

    def add_event(self, tenant: str, contact_id: str, event: dict[str, Any]) -> None:
        if (tenant, contact_id) not in self.contacts:
            raise Conflict("no such contact")
        self.timelines.setdefault((tenant, contact_id), []).append(dict(event))

    def _check_codes(self, contact: Contact) -> None:
        """An external code is held by one contact of the tenant at most."""
        for vendor, code in contact.external_codes.items():
            holder = self.contact_id_by_external_code(contact.tenant, vendor, code)
            if holder is not None and holder != contact.id:
                raise Conflict("the record changed or already exists")


class MemoryDoNotCall:
    """DoNotCall: the first entry of a number stays; every read is counted by kind, so a test can
    see that a chunk of numbers is asked about at once."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], DoNotCallEntry] = {}
        self.reads: list[tuple[str, int]] = []

    def get(self, tenant: str, e164: str) -> DoNotCallEntry | None:
        self.reads.append(("get", 1))
        found = self.entries.get((tenant, e164))
        return found.model_copy() if found else None

    def listed_among(self, tenant: str, numbers: list[str]) -> set[str]:
        self.reads.append(("batch", len(numbers)))
        return {number for number in numbers if (tenant, number) in self.entries}

    def add(self, entry: DoNotCallEntry) -> bool:
        if (entry.tenant, entry.phone) in self.entries:
            return False
        self.entries[(entry.tenant, entry.phone)] = entry.model_copy()
        return True

    def add_many(self, entries: list[DoNotCallEntry]) -> set[str]:
        return {entry.phone for entry in entries if self.add(entry)}

    def remove(self, tenant: str, e164: str) -> None:
        self.entries.pop((tenant, e164), None)

    def page(self, tenant: str, limit: int, start: dict[str, str] | None) -> Page[DoNotCallEntry]:
        listed = [entry for (owner, _), entry in sorted(self.entries.items()) if owner == tenant]
        return _offset_page(listed, limit, start)


class MemoryTenants:
    """TenantRepository (and CredentialStore's and SessionStore's reads where a test needs them)."""

    def __init__(self) -> None:
        self.tenants: dict[str, Tenant] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.employees: dict[tuple[str, str], Employee] = {}
        self.api_keys: dict[str, dict[str, Any]] = {}
        self.credentials: dict[tuple[str, str], int] = {}
        self.presence: dict[tuple[str, str], dict[str, Any]] = {}

    def create_tenant(self, tenant: Tenant, token_hashes: dict[Vendor, str]) -> None:
        if tenant.slug in self.tenants:
            raise Conflict("this tenant already exists")
        self.tenants[tenant.slug] = tenant.model_copy(deep=True)
        for vendor, digest in token_hashes.items():
            self.tokens[digest] = {"tenant": tenant.slug, "vendor": vendor.value, "token_hash": digest}

    def get_tenant(self, slug: str) -> Tenant | None:
        found = self.tenants.get(slug)
        return found.model_copy(deep=True) if found else None

    def update_tenant(self, old: Tenant, new: Tenant) -> None:
        stored = self.tenants.get(old.slug)
        if stored is None or stored.updated_at != old.updated_at:
            raise Conflict("the tenant changed meanwhile")
        self.tenants[old.slug] = new.model_copy(deep=True)

    def get_webhook_token(self, token_hash: str) -> dict[str, Any] | None:
        return self.tokens.get(token_hash)

    def replace_webhook_token(self, slug: str, vendor: Vendor, new_hash: str, old_until: int | None) -> None:
        for digest, record in list(self.tokens.items()):
            if record["tenant"] == slug and record["vendor"] == vendor.value and "valid_until" not in record:
                if old_until is None:
                    del self.tokens[digest]
                else:
                    record["valid_until"] = old_until
        self.tokens[new_hash] = {"tenant": slug, "vendor": vendor.value, "token_hash": new_hash}

    def put_employee(self, employee: Employee) -> None:
        self._check_taken(employee)
        self.employees[(employee.tenant, employee.id)] = employee.model_copy(deep=True)

    def replace_employee(self, old: Employee, new: Employee) -> None:
        stored = self.employees.get((old.tenant, old.id))
        if stored is None or stored.updated_at != old.updated_at:
            raise Conflict("the employee changed meanwhile")
        self._check_taken(new)
        self.employees[(new.tenant, new.id)] = new.model_copy(deep=True)

    def get_employee(self, slug: str, employee_id: str) -> Employee | None:
        found = self.employees.get((slug, employee_id))
        return found.model_copy(deep=True) if found else None

    def list_employees(self, slug: str) -> list[Employee]:
        return [e.model_copy(deep=True) for (owner, _), e in sorted(self.employees.items()) if owner == slug]

    def employee_page(self, slug: str, limit: int, start: dict[str, str] | None) -> Page[Employee]:
        return _offset_page(self.list_employees(slug), limit, start)

    def presence_by_ext(self, slug: str, exts: list[str]) -> dict[str, dict[str, Any]]:
        return {ext: self.presence[(slug, ext)] for ext in exts if (slug, ext) in self.presence}

    def create_api_key(self, key: ApiKey, key_hash: str) -> None:
        if key_hash in self.api_keys:
            raise Conflict("API key collision")
        self.api_keys[key_hash] = {"key_hash": key_hash, **key.model_dump(mode="json")}

    def get_api_key(self, key_hash: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.api_keys.get(key_hash))

    def api_key_page(self, slug: str, limit: int, start: dict[str, str] | None) -> Page[ApiKey]:
        keys = sorted(
            (ApiKey.model_validate(r) for r in self.api_keys.values() if r["tenant"] == slug),
            key=lambda key: key.key_id,
        )
        return _offset_page(keys, limit, start)

    def revoke_api_key(self, slug: str, key_id: str, at: int) -> ApiKey | None:
        for record in self.api_keys.values():
            if record["tenant"] == slug and record["key_id"] == key_id:
                record["revoked_at"] = record.get("revoked_at") or at
                return ApiKey.model_validate(record)
        return None

    def credentials_set(self, slug: str) -> dict[str, int]:
        return {vendor: at for (owner, vendor), at in self.credentials.items() if owner == slug}

    def put_credentials(self, slug: str, vendor: Vendor, at: int) -> None:
        self.credentials[(slug, vendor.value)] = at

    def delete_credentials(self, slug: str, vendor: Vendor) -> None:
        self.credentials.pop((slug, vendor.value), None)

    def tenants_with_credentials(self, vendor: Vendor) -> list[str]:
        return sorted(owner for owner, name in self.credentials if name == vendor.value)

    def _check_taken(self, employee: Employee) -> None:
        """A login, or an active employee's extension, belongs to one employee of the tenant."""
        for (owner, other_id), other in self.employees.items():
            if owner != employee.tenant or other_id == employee.id:
                continue
            if employee.login and other.login == employee.login:
                raise Conflict("this login is taken")
            if employee.active and other.active and employee.ext and other.ext == employee.ext:
                raise Conflict("this extension is taken")


class MemoryImportJobs:
    """ImportJobRepository: jobs, their rows and chunks, and each chunk's result recorded once."""

    def __init__(self) -> None:
        self.jobs: dict[tuple[str, str], dict[str, Any]] = {}
        self.raw: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.chunks: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
        self.results: dict[tuple[str, str, int], list[dict[str, Any]]] = {}

    def create_job(self, job: dict[str, Any]) -> dict[str, Any] | None:
        key = (job["tenant"], job["job_id"])
        if key in self.jobs:
            return copy.deepcopy(self.jobs[key])
        self.jobs[key] = copy.deepcopy(job)
        return None

    def get_job(self, tenant: str, job_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.jobs.get((tenant, job_id)))

    def mark_accepted(self, tenant: str, job_id: str) -> None:
        self.jobs[(tenant, job_id)]["accepted"] = True

    def mark_submitted(self, tenant: str, job_id: str) -> None:
        self.jobs[(tenant, job_id)]["submitted"] = True

    def accept_plan(
        self, tenant: str, job_id: str, chunks: int, refused: int, skipped: int = 0, total: int | None = None
    ) -> None:
        job = self.jobs[(tenant, job_id)]
        if not job.get("accepted"):
            job.update(chunks=chunks, failed=job["failed"] + refused, accepted=True)
            job["skipped"] = job.get("skipped", 0) + skipped
            if total is not None:
                job["total"] = total

    def put_raw(self, job: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        self.raw[(job["tenant"], job["job_id"])] = copy.deepcopy(rows)

    def raw_rows(self, tenant: str, job_id: str) -> list[dict[str, Any]]:
        return copy.deepcopy(self.raw.get((tenant, job_id), []))

    def put_chunks(self, job: dict[str, Any], chunks: list[list[dict[str, Any]]]) -> None:
        for number, chunk in enumerate(chunks):
            self.chunks[(job["tenant"], job["job_id"], number)] = copy.deepcopy(chunk)

    def chunk_rows(self, tenant: str, job_id: str, number: int) -> list[dict[str, Any]]:
        return copy.deepcopy(self.chunks.get((tenant, job_id, number), []))

    def chunk_done(self, tenant: str, job_id: str, number: int) -> bool:
        return (tenant, job_id, number) in self.results

    def put_refused(self, job: dict[str, Any], number: int, results: list[dict[str, Any]]) -> None:
        self.results[(job["tenant"], job["job_id"], number)] = copy.deepcopy(results)

    def record_chunk(
        self, job: dict[str, Any], number: int, results: list[dict[str, Any]], counts: dict[str, int]
    ) -> dict[str, Any] | None:
        key = (job["tenant"], job["job_id"], number)
        if key in self.results:
            return None
        self.results[key] = copy.deepcopy(results)
        stored = self.jobs[(job["tenant"], job["job_id"])]
        for status, count in counts.items():
            stored[status] = stored.get(status, 0) + count
        stored["chunks_done"] += 1
        return copy.deepcopy(stored)

    def set_finished(self, tenant: str, job_id: str, at: int) -> None:
        self.jobs[(tenant, job_id)].setdefault("finished_at", at)

    def result_page(
        self, tenant: str, job_id: str, limit: int, start: dict[str, str] | None
    ) -> Page[dict[str, Any]]:
        rows = [
            row
            for (owner, job, _), results in sorted(self.results.items())
            if (owner, job) == (tenant, job_id)
            for row in results
        ]
        return _offset_page(copy.deepcopy(rows), limit, start)


class MemoryQueue:
    """MessageQueue: keeps what was sent, each message as the JSON a worker would receive."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send(self, message: Any) -> None:
        body = asdict(message) if is_dataclass(message) and not isinstance(message, type) else message
        self.messages.append(json.loads(json.dumps(body)))

    def send_all(self, messages: list[Any]) -> None:
        for message in messages:
            self.send(message)

    def take(self) -> list[dict[str, Any]]:
        """What was sent since the last take, as a worker would receive it."""
        taken, self.messages = self.messages, []
        return taken


class MemorySecrets:
    """VendorSecrets: each value kept as the JSON a SecureString would hold, read back through the
    vendor's shape, so a test sees what a round trip through SSM gives."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}
        self.reads = 0

    def put(self, slug: str, vendor: Vendor, credentials: VendorCredentials) -> None:
        self.values[(slug, vendor.value)] = credentials.model_dump_json(exclude_none=True)

    def get(self, slug: str, vendor: Vendor) -> VendorCredentials | None:
        self.reads += 1
        raw = self.values.get((slug, vendor.value))
        return credentials_for(vendor, json.loads(raw)) if raw is not None else None

    def delete(self, slug: str, vendor: Vendor) -> None:
        self.values.pop((slug, vendor.value), None)
