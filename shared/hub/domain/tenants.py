"""Tenants and how a webhook finds its tenant.

A webhook URL carries a per-tenant, per-vendor secret token. Only its SHA-256 is stored; the token
is resolved with one GetItem on that hash and the digests are compared in constant time. A warm
function keeps what it learned about a tenant for a short while (settings, employees): the caller
lookup answers while a phone rings and must not re-read them on every ring.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import ValidationError

from hub.errors import BadRequest, NotFound, Unauthorized
from hub.ids import new_id, now_ms
from hub.models.tenant import (
    ApiKey,
    Employee,
    Tenant,
    TenantSettings,
    Vendor,
    VendorCredentials,
    credentials_for,
    login_key,
    private_target_problem,
)
from hub.phones import normalize_phone
from hub.ports import Page, TenantRepository, VendorSecrets
from hub.secrets import (
    API_KEY_PREFIX,
    hash_password,
    new_api_key,
    new_session_key,
    new_webhook_token,
    same_digest,
    sha256_hex,
)

WEBHOOK_VENDORS = (Vendor.PHONET, Vendor.AVTODIALER)
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,128}$")
_API_KEY_SHAPE = re.compile(rf"^{API_KEY_PREFIX}[A-Za-z0-9_-]{{20,128}}$")
T = TypeVar("T")


@dataclass(frozen=True)
class TenantContext:
    """A tenant with its employees, as a request sees it."""

    tenant: Tenant
    employees: dict[str, Employee] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.tenant.slug

    def employee_by_ext_or_email(self, key: str) -> Employee | None:
        """The active employee the PBX means; a deactivated one is never routed to."""
        wanted = key.strip().lower()
        for employee in self.employees.values():
            if not employee.active:
                continue
            if (employee.ext or "").lower() == wanted or (employee.email or "").lower() == wanted:
                return employee
        return None


@dataclass(frozen=True)
class CreatedTenant:
    tenant: Tenant
    webhook_tokens: dict[Vendor, str]


def create_tenant(repo: TenantRepository, tenant: Tenant) -> CreatedTenant:
    """Store a tenant with fresh webhook tokens; the tokens are returned once and never again."""
    tenant = tenant.model_copy(update={"created_at": now_ms(), "session_key": new_session_key()})
    tokens = {vendor: new_webhook_token() for vendor in WEBHOOK_VENDORS}
    repo.create_tenant(tenant, {vendor: sha256_hex(token) for vendor, token in tokens.items()})
    return CreatedTenant(tenant=tenant, webhook_tokens=tokens)


def _employee_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """How employees' fields are kept, on create and on change: trimmed, email and login lower-cased,
    blank as absent; a password only as its hash (never one shaped like an API key); a login no longer
    than any login may be."""
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "password":
            if value and value.startswith(API_KEY_PREFIX):  # sign-in reads such a password as an API key
                raise BadRequest(f"a password cannot start with {API_KEY_PREFIX!r}", code="invalid_password")
            cleaned["password_hash"] = hash_password(value) if value else None
        elif name == "name":
            cleaned[name] = value.strip() if value else value
        elif name == "active":
            cleaned[name] = bool(value)
        elif name == "login":
            try:
                cleaned[name] = login_key(value) or None
            except ValueError as exc:
                raise BadRequest(str(exc), code="invalid_login") from exc
        else:
            text = (value or "").strip()
            cleaned[name] = (text.lower() if name in ("email", "login") else text) or None
    return cleaned


def add_employee(
    repo: TenantRepository,
    tenant: Tenant,
    name: str,
    email: str | None = None,
    ext: str | None = None,
    login: str | None = None,
    password: str | None = None,
    obzvonilka_user_id: str | None = None,
) -> Employee:
    """A new employee; a login already taken in the tenant is a Conflict."""
    now = now_ms()
    fields = {
        "name": name,
        "email": email,
        "ext": ext,
        "login": login,
        "password": password,
        "obzvonilka_user_id": obzvonilka_user_id,
    }
    employee = Employee(
        id=new_id(), tenant=tenant.slug, **_employee_fields(fields), created_at=now, updated_at=now
    )
    repo.put_employee(employee)
    return employee


def update_employee(repo: TenantRepository, employee: Employee, changes: dict[str, Any]) -> Employee:
    """The employee with `changes` (name, email, ext, login, password, obzvonilka_user_id, active)
    applied; a login or extension taken by someone else is a Conflict. A password is stored only as
    its hash. A changed password or login, or deactivation, ends the employee's page sessions."""
    updated = Employee.model_validate(
        {
            **employee.model_dump(),
            "password_hash": employee.password_hash,
            **_employee_fields(changes),
            "updated_at": max(now_ms(), employee.updated_at + 1),
        }
    )
    repo.replace_employee(employee, updated)
    return updated


def deactivate_employee(repo: TenantRepository, employee: Employee) -> Employee:
    """No sign-in, no routing, no sessions; the history that names them stays, and so does their
    login (reactivating gives it back). Their extension is freed for whoever takes the line next."""
    if not employee.active:
        return employee
    return update_employee(repo, employee, {"active": False})


def update_tenant(repo: TenantRepository, tenant: Tenant, changes: dict[str, Any]) -> Tenant:
    """The tenant with `changes` (its own fields, and `settings` field by field, a nested setting such
    as `avtodialer_fields` key by key) applied: the one settings update of the REST API and hubctl.
    The tenant's own lines are stored in E.164; a bad one, like any invalid value, changes nothing."""
    changes = dict(changes)
    settings_changes = changes.pop("settings", None) or {}
    country = changes.get("default_country") or tenant.default_country
    if settings_changes.get("own_numbers") is not None:
        settings_changes["own_numbers"] = list(
            dict.fromkeys(normalize_phone(number, country) for number in settings_changes["own_numbers"])
        )
    current = tenant.settings.model_dump(mode="json")
    merged = {
        key: {**current[key], **value}
        if isinstance(current.get(key), dict) and isinstance(value, dict)
        else value
        for key, value in settings_changes.items()
    }
    settings = TenantSettings.model_validate({**current, **merged})
    updated = Tenant.model_validate(
        {
            **tenant.model_dump(mode="json"),
            **changes,
            "settings": settings.model_dump(mode="json"),
            "session_key": tenant.session_key,
            "updated_at": max(now_ms(), tenant.updated_at + 1),
        }
    )
    repo.update_tenant(tenant, updated)
    return updated


def live_api_key(repo: TenantRepository, secret: str | None) -> ApiKey:
    """The live API key with this secret (its tenant, its id); anything else is the same 401. Not
    cached: a revoked key stops working at once."""
    if not secret or not _API_KEY_SHAPE.match(secret):
        raise Unauthorized("a valid API key is required (X-API-Key header or api_key parameter)")
    digest = sha256_hex(secret)
    record = repo.get_api_key(digest)
    if record is None or not same_digest(str(record.get("key_hash", "")), digest) or record.get("revoked_at"):
        raise Unauthorized("a valid API key is required (X-API-Key header or api_key parameter)")
    return ApiKey.model_validate(record)


def create_api_key(repo: TenantRepository, tenant: Tenant, name: str = "") -> tuple[ApiKey, str]:
    """A new API key for the tenant: the record, and the secret, which is shown once."""
    secret = new_api_key()
    key = ApiKey(key_id=new_id(), tenant=tenant.slug, name=name, prefix=secret[:10], created_at=now_ms())
    repo.create_api_key(key, sha256_hex(secret))
    return key, secret


MAX_TOKEN_OVERLAP_MS = 7 * 24 * 3600 * 1000


def rotate_webhook_token(
    repo: TenantRepository, slug: str, vendor: Vendor, overlap_ms: int = 0, now: int | None = None
) -> str:
    """A new webhook token for the tenant's `vendor`, returned once (only its hash is stored). The
    one it replaces is refused at once (`overlap_ms` 0: a leaked token), or `overlap_ms` later, so
    the PBX's URLs can be changed while both work (at most a week). Every webhook reads its token,
    so warm functions refuse a replaced one as soon as it is (TenantDirectory)."""
    if vendor not in WEBHOOK_VENDORS:
        raise BadRequest(
            f"{vendor.value} sends no webhooks", details={"vendors": [v.value for v in WEBHOOK_VENDORS]}
        )
    if not 0 <= overlap_ms <= MAX_TOKEN_OVERLAP_MS:
        raise BadRequest("the overlap must be between 0 and 7 days")
    token = new_webhook_token()
    until = None if overlap_ms == 0 else (now_ms() if now is None else now) + overlap_ms
    repo.replace_webhook_token(slug, vendor, sha256_hex(token), until)
    return token


class TenantDirectory:
    """Resolves tenants by slug or webhook token, caching each answer for `ttl_seconds`.

    A token is read on every webhook (one GetItem on its hash), so a revoked or retired token is
    refused at once by every warm function; what it resolves to (the tenant's settings, employees)
    is cached, so a changed setting takes at most `ttl_seconds` to reach them.
    """

    def __init__(
        self, repo: TenantRepository, ttl_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.repo = repo
        self.ttl = ttl_seconds
        self.clock = clock
        self._cache: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def _cached(self, key: str, load: Callable[[], T | None]) -> T | None:
        now = self.clock()
        with self._lock:
            hit = self._cache.get(key)
        if hit and hit[0] > now:
            return hit[1]  # type: ignore[return-value]
        value = load()
        if value is not None:
            with self._lock:
                self._cache[key] = (now + self.ttl, value)
        return value

    def by_slug(self, slug: str, fresh: bool = False) -> TenantContext:
        """`fresh`: read it now (and cache that), for callers that must see a change made a moment
        ago in another container, as the REST API must after its own writes."""
        if fresh:
            with self._lock:
                self._cache.pop(f"slug:{slug}", None)
        context = self._cached(f"slug:{slug}", lambda: self._load(slug))
        if context is None:
            raise NotFound("no such tenant")
        return context

    def by_webhook_token(self, token: str, vendor: Vendor) -> TenantContext:
        """The tenant owning this vendor's token; any other token is the same bare 404."""
        if not _TOKEN_SHAPE.match(token):
            raise NotFound("not found")
        digest = sha256_hex(token)
        record = self.repo.get_webhook_token(digest)
        if (
            record is None
            or not same_digest(str(record.get("token_hash", "")), digest)
            or record.get("vendor") != vendor.value
            or _retired(record)
        ):
            raise NotFound("not found")
        return self.by_slug(str(record["tenant"]))

    def _load(self, slug: str) -> TenantContext | None:
        tenant = self.repo.get_tenant(slug)
        if tenant is None:
            return None
        return TenantContext(tenant=tenant, employees={e.id: e for e in self.repo.list_employees(slug)})


def _retired(token: dict[str, Any]) -> bool:
    """A token replaced with an overlap (rotate_webhook_token), once the overlap is over."""
    until = token.get("valid_until")
    return until is not None and int(until) <= now_ms()


class TenantService:
    """A tenant's own administration, as the REST API and the pages ask for it: its API keys, its
    employees and their presence, its settings and vendor credentials. Thin: each use case is one of
    the functions above or one read, scoped to the context's tenant."""

    def __init__(
        self,
        repo: TenantRepository,
        directory: TenantDirectory,
        secrets: VendorSecrets,
        *,
        public_vendor_urls_only: bool = False,
    ) -> None:
        """`public_vendor_urls_only` (the prod stage): a vendor URL must be public https."""
        self.repo = repo
        self.directory = directory
        self.secrets = secrets
        self.public_vendor_urls_only = public_vendor_urls_only

    def api_key_context(self, secret: str | None) -> tuple[ApiKey, TenantContext]:
        """The live key with this secret and its tenant, read fresh (a change made through another
        container is seen at once); a key whose tenant is gone is the same 401 as a wrong one."""
        key = live_api_key(self.repo, secret)
        try:
            return key, self.directory.by_slug(key.tenant, fresh=True)
        except NotFound as exc:
            raise Unauthorized("a valid API key is required") from exc

    # -- settings and credentials

    def update_settings(self, context: TenantContext, changes: dict[str, Any]) -> TenantContext:
        """`update_tenant`, then the directory read again, so this container's next request sees it."""
        updated = update_tenant(self.repo, context.tenant, changes)
        self.directory.by_slug(context.slug, fresh=True)
        return TenantContext(tenant=updated, employees=context.employees)

    def credentials_state(self, context: TenantContext) -> dict[str, int]:
        """Which vendors' credentials are stored (vendor -> when they changed); never the secrets."""
        return self.repo.credentials_set(context.slug)

    def put_credentials(self, context: TenantContext, vendor: Vendor, fields: dict[str, Any]) -> None:
        """Store `fields` as `vendor`'s credentials: the secret first, then the table's note that it
        is set, so the note never claims a secret that is not there. A shape that does not fit the
        vendor raises pydantic's ValidationError (fields named, values never echoed)."""
        try:
            credentials = credentials_for(vendor, fields)
        except ValidationError:
            raise
        except ValueError as exc:
            raise BadRequest(str(exc), code="no_vendor_api") from exc
        if self.public_vendor_urls_only:
            check_public_target(credentials)
        self.secrets.put(context.slug, vendor, credentials)
        self.repo.put_credentials(context.slug, vendor, now_ms())

    def delete_credentials(self, context: TenantContext, vendor: Vendor) -> None:
        """The secret first, then the note: a failure between leaves the note, and a retry ends both."""
        self.secrets.delete(context.slug, vendor)
        self.repo.delete_credentials(context.slug, vendor)

    # -- employees

    def employees(self, context: TenantContext, limit: int, start: dict[str, str] | None) -> Page[Employee]:
        return self.repo.employee_page(context.slug, limit, start)

    def employee(self, context: TenantContext, employee_id: str) -> Employee:
        """The employee's current record (strongly consistent), else NotFound."""
        found = self.repo.get_employee(context.slug, employee_id)
        if found is None:
            raise NotFound("no such employee")
        return found

    def presence(self, context: TenantContext, employees: list[Employee]) -> dict[str, dict[str, Any]]:
        """What the PBX last said of each active employee's extension (away/back), by extension: one
        batch read. A deactivated employee has none: nobody is routed to them."""
        exts = [e.ext for e in employees if e.active and e.ext]
        return self.repo.presence_by_ext(context.slug, exts) if exts else {}

    def add_employee(self, context: TenantContext, **fields: Any) -> Employee:
        return add_employee(self.repo, context.tenant, **fields)

    def update_employee(self, context: TenantContext, employee_id: str, changes: dict[str, Any]) -> Employee:
        return update_employee(self.repo, self.employee(context, employee_id), changes)

    def deactivate_employee(self, context: TenantContext, employee_id: str) -> Employee:
        return deactivate_employee(self.repo, self.employee(context, employee_id))

    # -- API keys

    def api_keys(self, context: TenantContext, limit: int, start: dict[str, str] | None) -> Page[ApiKey]:
        return self.repo.api_key_page(context.slug, limit, start)

    def create_api_key(self, context: TenantContext, name: str = "") -> tuple[ApiKey, str]:
        return create_api_key(self.repo, context.tenant, name=name)

    def revoke_api_key(self, context: TenantContext, key_id: str) -> ApiKey:
        """Requests with the key are refused from now on; an unknown key is NotFound."""
        revoked = self.repo.revoke_api_key(context.slug, key_id, now_ms())
        if revoked is None:
            raise NotFound("no such API key")
        return revoked


def check_public_target(credentials: VendorCredentials) -> None:
    """The production rule for where a tenant may point the hub's requests (hub.models.tenant
    .private_target_problem), as a 400 naming the field; the URL itself is not echoed."""
    target = credentials.target_url()
    problem = private_target_problem(target) if target else None
    if problem:
        field = "base_url" if credentials.base_url else "domain"
        raise BadRequest(
            f"{field} {problem}",
            code="vendor_url_not_allowed",
            details=[{"field": field, "message": problem}],
        )
