"""The domain's ports: what it asks of storage, queues and vendors, named once, in the hub's own terms.

The domain (hub.domain) receives these as constructor or call arguments; the adapters implement them
(hub.store for DynamoDB and SQS, hub.vendors for the vendors' APIs), and the unit tests give in-memory
fakes (tests/unit/memory.py). Every Protocol here speaks the hub's records (hub.models), never a
vendor's payload. This module imports no adapter and no domain code, so both may import it; the
models are imported for type checking only, which keeps it free at cold start.

The ports of the vendors we call and of the work they need (PBX, dialers, contact book, sync cursors,
campaign claims) are in hub.ports.vendors, declared ahead of their implementations for the issues
that add them: their docstrings are the contract. They are a module of their own so that the
functions that never call a vendor (the caller lookup answers while the phone rings) do not pay
for building their record classes at cold start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from hub.models.call import Call, Callback, PendingAttribution
    from hub.models.contact import Contact, PhoneEntry
    from hub.models.do_not_call import DoNotCallEntry
    from hub.models.tenant import ApiKey, Employee, Tenant, Vendor, VendorCredentials

T = TypeVar("T")


# -- shapes the ports share ---------------------------------------------------------------------


@dataclass(frozen=True)
class Page(Generic[T]):
    """Items of one page and where the next one starts (None: this was the last). The start is the
    adapter's own key; the edges sign it into an opaque cursor (hub.api.paging)."""

    items: list[T]
    next_start: dict[str, str] | None


@dataclass
class CallChanges:
    """What saving a call writes besides the call, all in one transaction: a save is either whole or
    not at all, so a redelivered event never finds half of its consequences applied."""

    new_contact_links: list[str] = field(default_factory=list)
    callback_before: Callback | None = None
    callback_after: Callback | None = None
    closed_callback: Callback | None = None
    pending_attribution: PendingAttribution | None = None  # taken by a new call's first save


# -- contacts ---------------------------------------------------------------------------------


class PhoneIndex(Protocol):
    """Who holds a number: one key read, whatever the tenant's size (the lookup answers while it rings)."""

    def phone_entries(self, tenant: str, e164: str) -> list[PhoneEntry]: ...


class ContactRepository(PhoneIndex, Protocol):
    """Contacts with their phone, external-code, name and unique-key indexes, always written together;
    every write of a changed contact is conditional on the version it was read at (else Conflict)."""

    def get(self, tenant: str, contact_id: str, consistent: bool = False) -> Contact | None: ...
    def get_many(self, tenant: str, contact_ids: list[str]) -> list[Contact]:
        """Contacts by id in key reads of 100; missing ones left out, in no particular order."""
        ...

    def contact_id_by_external_code(self, tenant: str, vendor: str, code: str) -> str | None: ...
    def create(
        self, contact: Contact, unique_key: str | None = None, stale_owner: str | None = None
    ) -> None: ...
    def unique_owner(self, tenant: str, unique_key: str) -> str | None: ...
    def add_event(self, tenant: str, contact_id: str, event: dict[str, Any]) -> None: ...
    def update(self, old: Contact, new: Contact) -> None: ...
    def delete(self, contact: Contact) -> None: ...
    def list_contacts(
        self,
        tenant: str,
        *,
        limit: int,
        start: dict[str, str] | None = None,
        name: str | None = None,
        contact_type: str | None = None,
        updated_since: int | None = None,
    ) -> Page[Contact]: ...
    def by_name(self, tenant: str, name: str, limit: int = 50) -> list[Contact]: ...
    def events(self, tenant: str, contact_id: str) -> list[dict[str, Any]]: ...
    def timeline_call_uuids(self, tenant: str, contact_id: str) -> list[str]: ...


class ContactWriter(Protocol):
    """The two contact operations first-touch attribution needs."""

    def get(self, tenant: str, contact_id: str, consistent: bool = False) -> Contact | None: ...
    def update(self, old: Contact, new: Contact) -> None: ...


class DoNotCall(Protocol):
    """The tenant's do-not-call list, by E.164 number. Every read is by key: a campaign asks about a
    chunk of numbers right before sending it, so the cost must not grow with the list."""

    def get(self, tenant: str, e164: str) -> DoNotCallEntry | None: ...
    def listed_among(self, tenant: str, numbers: list[str]) -> set[str]:
        """Which of `numbers` are listed (key reads in batches, never a scan)."""
        ...

    def add(self, entry: DoNotCallEntry) -> bool:
        """List the number unless it is listed already (then the first entry stays): True if added."""
        ...

    def add_many(self, entries: list[DoNotCallEntry]) -> set[str]:
        """`add` for many numbers of one tenant (distinct): the numbers this call listed."""
        ...

    def remove(self, tenant: str, e164: str) -> None:
        """Unlist the number; unlisting a number that is not listed is not an error."""
        ...

    def page(self, tenant: str, limit: int, start: dict[str, str] | None) -> Page[DoNotCallEntry]:
        """The tenant's list by number."""
        ...


class ImportJobRepository(Protocol):
    """Import jobs, their stored rows and chunks, and per-chunk results; a chunk's result is recorded
    once (its counters added once), so a redelivered chunk changes nothing."""

    def create_job(self, job: dict[str, Any]) -> dict[str, Any] | None: ...
    def get_job(self, tenant: str, job_id: str) -> dict[str, Any] | None: ...
    def mark_accepted(self, tenant: str, job_id: str) -> None: ...
    def mark_submitted(self, tenant: str, job_id: str) -> None: ...
    def accept_plan(
        self, tenant: str, job_id: str, chunks: int, refused: int, skipped: int = 0, total: int | None = None
    ) -> None: ...
    def put_raw(self, job: dict[str, Any], rows: list[dict[str, Any]]) -> None: ...
    def raw_rows(self, tenant: str, job_id: str) -> list[dict[str, Any]]: ...
    def put_chunks(self, job: dict[str, Any], chunks: list[list[dict[str, Any]]]) -> None: ...
    def chunk_rows(self, tenant: str, job_id: str, number: int) -> list[dict[str, Any]]: ...
    def chunk_done(self, tenant: str, job_id: str, number: int) -> bool: ...
    def put_refused(self, job: dict[str, Any], number: int, results: list[dict[str, Any]]) -> None: ...
    def record_chunk(
        self, job: dict[str, Any], number: int, results: list[dict[str, Any]], counts: dict[str, int]
    ) -> dict[str, Any] | None: ...
    def set_finished(self, tenant: str, job_id: str, at: int) -> None: ...
    def result_page(
        self, tenant: str, job_id: str, limit: int, start: dict[str, str] | None
    ) -> Page[dict[str, Any]]: ...


# -- calls ------------------------------------------------------------------------------------


class PendingAttributions(Protocol):
    """UTM labels that came before their call, kept for its first save (and dropped after a while)."""

    def pending_attribution(self, tenant: str, uuid: str) -> PendingAttribution | None: ...
    def save_pending_attribution(self, old: PendingAttribution | None, new: PendingAttribution) -> None: ...


class CallRepository(Protocol):
    """Call records and what a call's save changes; `save_call` lands only on the version read."""

    def get_call(self, tenant: str, uuid: str) -> Call | None: ...
    def pending_attribution(self, tenant: str, uuid: str) -> PendingAttribution | None: ...
    def save_call(self, old: Call | None, new: Call, changes: CallChanges) -> None: ...
    def get_callback(self, tenant: str, phone: str) -> Callback | None: ...
    def own_numbers(self, tenant: str) -> set[str]: ...
    def close_callback(self, before: Callback, after: Callback, closed: Callback) -> None: ...
    def set_presence(self, tenant: str, ext: str, status: str, at: int) -> bool: ...


class CallLogRepository(Protocol):
    """The call log as it is read: calls by time or by contact, newest first, and callbacks."""

    def get_call(self, tenant: str, uuid: str) -> Call | None: ...
    def get_calls(self, tenant: str, uuids: list[str]) -> list[Call]: ...
    def list_calls(
        self,
        tenant: str,
        *,
        since: int,
        until: int,
        limit: int,
        start: dict[str, str] | None = None,
        filters: dict[str, str] | None = None,
    ) -> Page[Call]: ...
    def contact_call_page(
        self,
        tenant: str,
        contact_id: str,
        *,
        since: int,
        until: int,
        limit: int,
        start: dict[str, str] | None,
    ) -> Page[Call]: ...
    def get_callback(self, tenant: str, phone: str) -> Callback | None: ...
    def open_callbacks(self, tenant: str, limit: int = 100) -> list[Callback]: ...
    def list_callbacks(
        self, tenant: str, *, closed: bool, limit: int, start: dict[str, str] | None = None
    ) -> Page[Callback]: ...


class WebhookLog(Protocol):
    """Raw webhook bodies kept for a while, for diagnosis; never read on a request's path."""

    def put(self, tenant: str, kind: str, ref: str, body: str) -> None: ...


class MessageQueue(Protocol):
    """Work for a worker. A message is a dataclass or a JSON-able dict; a send that cannot be confirmed
    raises (Unavailable), so the caller's own retry sends again: workers must be idempotent."""

    def send(self, message: Any) -> None: ...
    def send_all(self, messages: list[Any]) -> None: ...


# -- tenants, employees, sign-in --------------------------------------------------------------


class TenantRepository(Protocol):
    """Tenants, their webhook tokens (by hash), employees, API keys (by hash), vendor credentials and
    the presence the PBX reports; a taken login, extension or slug is a Conflict."""

    def create_tenant(self, tenant: Tenant, token_hashes: dict[Vendor, str]) -> None: ...
    def get_tenant(self, slug: str) -> Tenant | None: ...
    def update_tenant(self, old: Tenant, new: Tenant) -> None: ...
    def get_webhook_token(self, token_hash: str) -> dict[str, Any] | None: ...
    def replace_webhook_token(self, slug: str, vendor: Vendor, new_hash: str, old_until: int | None) -> None:
        """The tenant's `vendor` token is `new_hash` from now on; the one it replaces stops at once
        (`old_until` None) or is refused from `old_until` (ms). A rotation meanwhile is a Conflict."""
        ...

    def put_employee(self, employee: Employee) -> None: ...
    def replace_employee(self, old: Employee, new: Employee) -> None: ...
    def get_employee(self, slug: str, employee_id: str) -> Employee | None: ...
    def list_employees(self, slug: str) -> list[Employee]: ...
    def employee_page(self, slug: str, limit: int, start: dict[str, str] | None) -> Page[Employee]: ...
    def presence_by_ext(self, slug: str, exts: list[str]) -> dict[str, dict[str, Any]]: ...
    def create_api_key(self, key: ApiKey, key_hash: str) -> None: ...
    def get_api_key(self, key_hash: str) -> dict[str, Any] | None: ...
    def api_key_page(self, slug: str, limit: int, start: dict[str, str] | None) -> Page[ApiKey]: ...
    def revoke_api_key(self, slug: str, key_id: str, at: int) -> ApiKey | None: ...
    def credentials_set(self, slug: str) -> dict[str, int]: ...
    def put_credentials(self, slug: str, vendor: Vendor, at: int) -> None:
        """That `vendor`'s credentials were stored (VendorSecrets holds them) and when: never the secret."""
        ...

    def delete_credentials(self, slug: str, vendor: Vendor) -> None: ...
    def tenants_with_credentials(self, vendor: Vendor) -> list[str]:
        """The slugs of every tenant that stored credentials for `vendor` (what a scheduled sync
        visits): one key lookup, never a scan."""
        ...


class VendorSecrets(Protocol):
    """Tenants' vendor API credentials, kept as secrets (SSM SecureStrings), never in a table: the
    tenants table only says whether and when they were set."""

    def put(self, slug: str, vendor: Vendor, credentials: VendorCredentials) -> None: ...
    def get(self, slug: str, vendor: Vendor) -> VendorCredentials | None: ...
    def delete(self, slug: str, vendor: Vendor) -> None: ...


class CredentialStore(Protocol):
    """What sign-in reads and counts: logins, API keys, and failed attempts (conditional writes)."""

    def employee_by_login(self, slug: str, login: str) -> Employee | None: ...
    def get_api_key(self, key_hash: str) -> dict[str, Any] | None: ...
    def begin_login_attempt(
        self, slug: str, login: str, now: int, limit: int, expires_at: int
    ) -> int | None: ...
    def lock_login(self, slug: str, login: str, until: int) -> None: ...
    def clear_login_failures(self, slug: str, login: str) -> None: ...


class SessionStore(Protocol):
    """Page sessions kept beside their employee, so a change of credentials ends them."""

    def open_session(self, employee: Employee, session_hash: str, expires_at: int, now: int) -> bool: ...
    def session_employee(
        self, slug: str, employee_id: str, session_hash: str, now: int
    ) -> Employee | None: ...
    def close_session(self, slug: str, employee_id: str, session_hash: str) -> None: ...
