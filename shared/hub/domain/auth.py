"""Employees signing in: TelefUM's login + password (or an API key of the tenant), the hub's pages.

Every decision reads the employee's current record (two GetItems: the login, the employee) and, for
an API key, the key's record: a revoked key, a changed password, a removed login or a deactivated
employee is refused on the very next request. Only scrypt's verdict is remembered, keyed on the
current password hash, so a changed hash can never match a remembered one.

Password attempts are counted per login with a conditional write *before* the password is checked:
at most MAX_FAILURES checks run in a row, however many arrive at once, then the login is locked for
LOCK_SECONDS, whether it exists or not (an API key, unguessable, is not counted). A login without a
password is checked against a dummy hash, so a wrong guess costs the same scrypt for every login.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from hub.errors import BadRequest, TooManyAttempts, Unauthorized
from hub.models.tenant import Employee, Tenant, login_key
from hub.ports import CredentialStore, SessionStore
from hub.secrets import (
    API_KEY_PREFIX,
    DUMMY_PASSWORD_HASH,
    new_session_id,
    same_digest,
    sha256_hex,
    sign,
    unsign,
    verify_password,
)

MAX_FAILURES = 5
SESSION_SECONDS = 12 * 3600  # a working day; a page session ends after it
LOCK_SECONDS = 15 * 60
_REMEMBER_SECONDS = 300.0
_REMEMBER_MAX = 10_000


def sign_in_login(raw: str | None) -> str:
    """The login as keyed; one longer than any login may be is a 400 before anything is read or stored."""
    try:
        return login_key(raw)
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc


class Authenticator:
    def __init__(self, store: CredentialStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        # sha256(employee id, current password hash, password) -> until when scrypt's "yes" holds
        self._verified: dict[str, float] = {}
        self._lock = threading.Lock()

    def authenticate(
        self, slug: str, login: str | None, password: str | None, api_key_allowed: bool = True
    ) -> Employee:
        """The active employee of tenant `slug` with this login, if the password (or API key) is right.
        A page session is a person's: `api_key_allowed=False` refuses a key there, so revoking a key
        never leaves a session it opened behind."""
        login = sign_in_login(login)
        password = password or ""
        if not login or not password:
            raise Unauthorized("wrong login or password")
        now = self.clock()
        employee = self.store.employee_by_login(slug, login)
        if employee is not None and not employee.active:
            employee = None
        if password.startswith(API_KEY_PREFIX):
            # 256 random bits cannot be guessed: no attempt is counted (TelefUM sends one per call).
            key_ok = api_key_allowed and self._api_key_ok(slug, password)  # read whether the login exists
            if employee is None or not key_ok:
                raise Unauthorized("wrong login or password")
            return employee
        memo = self._memo(employee, password)
        if employee is not None and self._remembered(memo, now):
            return employee
        attempt = self.store.begin_login_attempt(slug, login, int(now), MAX_FAILURES, int(now) + LOCK_SECONDS)
        if attempt is None:
            raise TooManyAttempts("this login is locked for a while after repeated wrong passwords")
        if not self._password_ok(employee, password):
            if attempt >= MAX_FAILURES:
                self.store.lock_login(slug, login, int(now) + LOCK_SECONDS)
            raise Unauthorized("wrong login or password")
        self.store.clear_login_failures(slug, login)
        self._remember(memo, now)
        return employee

    def _remembered(self, memo: str | None, now: float) -> bool:
        with self._lock:
            return memo is not None and self._verified.get(memo, 0.0) > now

    def _remember(self, memo: str | None, now: float) -> None:
        if memo is None:
            return
        with self._lock:
            if len(self._verified) >= _REMEMBER_MAX:
                self._verified.clear()
            self._verified[memo] = now + _REMEMBER_SECONDS

    @staticmethod
    def _memo(employee: Employee | None, password: str) -> str | None:
        """Only passwords checked against a stored hash are remembered (API keys never get here)."""
        if employee is None or not employee.password_hash:
            return None
        return sha256_hex(f"{employee.id}\n{employee.password_hash}\n{password}")

    def _api_key_ok(self, slug: str, secret: str) -> bool:
        digest = sha256_hex(secret)
        key = self.store.get_api_key(digest)
        return bool(
            key
            and same_digest(str(key.get("key_hash", "")), digest)
            and key.get("tenant") == slug
            and not key.get("revoked_at")
        )

    @staticmethod
    def _password_ok(employee: Employee | None, password: str) -> bool:
        """Always one scrypt: against the dummy hash when there is no password to check."""
        stored = employee.password_hash if employee is not None else None
        verified = verify_password(stored or DUMMY_PASSWORD_HASH, password)
        return bool(stored) and verified


class PageSessions:
    """Sessions of the hub's pages. The cookie is signed with the tenant's own key and names its
    tenant, so it can never open another tenant's pages; it only names the session, which the server
    keeps beside the employee, so sign-out, a changed password or login, and deactivation end it."""

    def __init__(self, store: SessionStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    def open(self, tenant: Tenant, employee: Employee) -> str | None:
        """The cookie of a new session, recorded beside the employee; None when the employee's
        credentials changed since they were checked (nothing is minted then)."""
        now = int(self.clock())
        session_id = new_session_id()
        if not self.store.open_session(employee, sha256_hex(session_id), now + SESSION_SECONDS, now):
            return None
        return sign(tenant.session_key, {"t": tenant.slug, "e": employee.id, "s": session_id})

    def employee(self, tenant: Tenant, token: str | None) -> Employee | None:
        """The signed-in employee, if the cookie is this tenant's and untampered, and the server still
        holds the session: signed out, expired, or ended by a change of the employee's credentials or
        their deactivation, it is nobody's. One GetItem, which also gives the employee's current record."""
        claims = _claims(tenant, token)
        if claims is None:
            return None
        return self.store.session_employee(tenant.slug, claims[0], claims[1], int(self.clock()))

    def close(self, tenant: Tenant, token: str | None) -> None:
        """Sign-out: the session ends on the server, whatever happens to the cookie."""
        if claims := _claims(tenant, token):
            self.store.close_session(tenant.slug, *claims)


def _claims(tenant: Tenant, token: str | None) -> tuple[str, str] | None:
    payload = unsign(tenant.session_key, token or "") if tenant.session_key else None
    if not payload or payload.get("t") != tenant.slug:
        return None
    employee_id, session_id = payload.get("e"), payload.get("s")
    if not isinstance(employee_id, str) or not isinstance(session_id, str) or not session_id:
        return None
    return employee_id, sha256_hex(session_id)
