"""Employees signing in: TelefUM's login + password (or an API key of the tenant), the hub's pages.

Wrong passwords are counted per login; MAX_FAILURES in a row lock it for LOCK_SECONDS, whether the
login exists or not (so the answer never tells which logins exist). A warm function remembers a
successful check for a few minutes: scrypt is deliberately slow, and TelefUM asks on every call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from hub.errors import TooManyAttempts, Unauthorized
from hub.models.tenant import Employee
from hub.secrets import API_KEY_PREFIX, same_digest, sha256_hex, verify_password

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
_REMEMBER_SECONDS = 300.0


class CredentialStore(Protocol):
    def employee_by_login(self, slug: str, login: str) -> Employee | None: ...
    def get_api_key(self, key_hash: str) -> dict[str, Any] | None: ...
    def login_failures(self, slug: str, login: str) -> dict[str, Any]: ...
    def count_login_failure(self, slug: str, login: str, expires_at: int) -> int: ...
    def lock_login(self, slug: str, login: str, until: int) -> None: ...
    def clear_login_failures(self, slug: str, login: str) -> None: ...


class Authenticator:
    def __init__(self, store: CredentialStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self._remembered: dict[str, tuple[float, Employee]] = {}
        self._lock = threading.Lock()

    def authenticate(self, slug: str, login: str | None, password: str | None) -> Employee:
        """The employee of tenant `slug` with this login, if the password (or API key) is right."""
        login = (login or "").strip().lower()
        password = password or ""
        if not login or not password:
            raise Unauthorized("wrong login or password")
        memo = sha256_hex(f"{slug}\n{login}\n{password}")
        now = self.clock()
        with self._lock:
            hit = self._remembered.get(memo)
        if hit and hit[0] > now:
            return hit[1]
        failures = self.store.login_failures(slug, login)
        if failures.get("locked_until", 0) > now:
            raise TooManyAttempts("this login is locked for a while after repeated wrong passwords")
        employee = self.store.employee_by_login(slug, login)
        if employee is None or not self._password_ok(slug, employee, password):
            in_a_row = self.store.count_login_failure(slug, login, int(now) + LOCK_SECONDS)
            if in_a_row >= MAX_FAILURES:
                self.store.lock_login(slug, login, int(now) + LOCK_SECONDS)
            raise Unauthorized("wrong login or password")
        if failures:
            self.store.clear_login_failures(slug, login)
        with self._lock:
            self._remembered[memo] = (now + _REMEMBER_SECONDS, employee)
        return employee

    def _password_ok(self, slug: str, employee: Employee, password: str) -> bool:
        if password.startswith(API_KEY_PREFIX):
            digest = sha256_hex(password)
            key = self.store.get_api_key(digest)
            return bool(
                key
                and same_digest(str(key.get("key_hash", "")), digest)
                and key.get("tenant") == slug
                and not key.get("revoked_at")
            )
        return bool(employee.password_hash) and verify_password(employee.password_hash or "", password)
