"""Secrets the hub hands out or accepts: webhook tokens, API keys, employee passwords.

None of them is stored: tokens and API keys as SHA-256 (they carry 192+ random bits, so a fast hash
is enough), passwords as salted scrypt (people choose weak ones). Comparisons are constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
API_KEY_PREFIX = "hub_"
# Checked when a login has no password (unknown, removed, deactivated), so a wrong guess costs one
# scrypt either way and the time taken never tells which logins exist. Same parameters as real hashes.
DUMMY_PASSWORD_HASH = "scrypt$16384$8$1$jSNUxWPq6TKIhMG3IuPCYg==$2a1mkNJJMN0iNoeuKc4DpyEcgJ1YgKRDfVD1oXPhEUc="


def new_webhook_token() -> str:
    """192 random bits, URL-safe: it travels in a webhook URL's path."""
    return secrets.token_urlsafe(24)


def new_api_key() -> str:
    """256 random bits with a recognizable prefix (secret scanners and people can tell what it is)."""
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    encode = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(stored: str, password: str) -> bool:
    """False for a wrong password or a malformed hash; never raises on user input."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def new_session_key() -> str:
    return secrets.token_hex(32)


def new_session_id() -> str:
    """A page session's id: 256 random bits; only its SHA-256 is stored, beside the employee."""
    return secrets.token_urlsafe(32)


def sign(key: str, payload: dict[str, Any]) -> str:
    """`payload` as URL-safe base64 JSON with an HMAC-SHA256 of it: tamper-evident, not secret."""
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
    mac = hmac.new(bytes.fromhex(key), body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def unsign(key: str, token: str) -> dict[str, Any] | None:
    """The payload of a token `sign` made with `key`, or None for anything else (never raises)."""
    body, _, mac = (token or "").partition(".")
    try:
        expected = hmac.new(bytes.fromhex(key), body.encode(), hashlib.sha256).hexdigest()
        # As bytes: compare_digest refuses non-ASCII text, and a forged token may carry any.
        if not key or not hmac.compare_digest(expected.encode(), mac.encode()):
            return None
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def new_password() -> str:
    """A readable generated password for demo and first logins."""
    return secrets.token_urlsafe(12)
