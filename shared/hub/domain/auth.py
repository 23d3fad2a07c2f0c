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
from typing import Any, Protocol

from hub.errors import BadRequest, TooManyAttempts, Unauthorized
from hub.models.tenant import Employee, login_key
from hub.secrets import API_KEY_PREFIX, DUMMY_PASSWORD_HASH, same_digest, sha256_hex, verify_password

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
_REMEMBER_SECONDS = 300.0
_REMEMBER_MAX = 10_000


class CredentialStore(Protocol):
    def employee_by_login(self, slug: str, login: str) -> Employee | None: ...
    def get_api_key(self, key_hash: str) -> dict[str, Any] | None: ...
    def begin_login_attempt(
        self, slug: str, login: str, now: int, limit: int, expires_at: int
    ) -> int | None: ...
    def lock_login(self, slug: str, login: str, until: int) -> None: ...
    def clear_login_failures(self, slug: str, login: str) -> None: ...


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
