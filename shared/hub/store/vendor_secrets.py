"""Tenants' vendor credentials as SSM Parameter Store SecureStrings (hub.ports.VendorSecrets).

One parameter per tenant and vendor, `{prefix}/{tenant}/{vendor}`, holding the credentials' JSON,
encrypted with the account's `aws/ssm` key. Reads go through Powertools Parameters (decrypted, kept
`max_age` seconds in this process), so a warm function asks SSM at most about twice a minute per
account; this process's own writes drop its cached copy at once. Another container sees a change
within `max_age`. The tenants table only says whether and when credentials were set
(hub.store.tenants); nothing here logs a value.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.parameters import SSMProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.config import Config
from botocore.exceptions import ClientError
from pydantic import ValidationError

from hub.errors import Unavailable
from hub.models.tenant import Vendor, VendorCredentials, credentials_for
from hub.store.dynamo import throttling_as_unavailable, translated_errors

DEFAULT_MAX_AGE = 30


@cache
def default_ssm_client() -> Any:
    """One client per process, made on first use; AWS_ENDPOINT_URL points it at moto locally."""
    return throttling_as_unavailable(
        boto3.client("ssm", config=Config(retries={"mode": "standard", "max_attempts": 3}))
    )


def parameter_name(prefix: str, slug: str, vendor: Vendor) -> str:
    return f"{prefix.rstrip('/')}/{slug}/{vendor.value}"


class VendorSecretStore:
    """VendorSecrets on SSM: put/delete with boto3, get through Powertools' SSMProvider."""

    def __init__(self, prefix: str, client: Any = None, max_age: int = DEFAULT_MAX_AGE) -> None:
        if not prefix.startswith("/"):
            raise ValueError("the credentials' parameter prefix is a path starting with /")
        self.prefix = prefix.rstrip("/")
        self.max_age = max_age
        self._client = throttling_as_unavailable(client) if client is not None else None
        self._provider: SSMProvider | None = None
        # names this process wrote or deleted: their next read skips the cache
        self._changed: set[str] = set()

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = default_ssm_client()
        return self._client

    @property
    def provider(self) -> SSMProvider:
        if self._provider is None:
            self._provider = SSMProvider(boto3_client=self.client)
        return self._provider

    def name(self, slug: str, vendor: Vendor) -> str:
        return parameter_name(self.prefix, slug, vendor)

    def put(self, slug: str, vendor: Vendor, credentials: VendorCredentials) -> None:
        name = self.name(slug, vendor)
        value = json.dumps(credentials.model_dump(mode="json", exclude_none=True), separators=(",", ":"))
        with translated_errors():
            self.client.put_parameter(
                Name=name,
                Value=value,
                Type="SecureString",
                Overwrite=True,
                Description=f"{vendor.value} API credentials of tenant {slug}",
            )
        self._changed.add(name)

    def delete(self, slug: str, vendor: Vendor) -> None:
        """Idempotent: credentials already gone are not an error."""
        name = self.name(slug, vendor)
        try:
            with translated_errors():
                self.client.delete_parameter(Name=name)
        except ClientError as exc:
            if _code(exc) != "ParameterNotFound":
                raise
        self._changed.add(name)

    def get(self, slug: str, vendor: Vendor) -> VendorCredentials | None:
        """The stored credentials, or None when there are none. A value that no longer reads as the
        vendor's shape is None too (logged by the caller as missing), never a 500 on every request."""
        name = self.name(slug, vendor)
        fresh = name in self._changed
        try:
            raw = self.provider.get(name, max_age=self.max_age, decrypt=True, force_fetch=fresh)
        except GetParameterError as exc:
            cause = exc.__context__
            if isinstance(cause, ClientError) and _code(cause) == "ParameterNotFound":
                return None
            if isinstance(cause, Unavailable):
                raise cause from None
            if isinstance(cause, ClientError) and _code(cause) in _BUSY:
                raise Unavailable("the credentials store is busy, retry shortly") from None
            if isinstance(cause, Exception):
                raise cause from None  # a misconfiguration (access denied): logged as what it is
            raise
        self._changed.discard(name)
        try:
            return credentials_for(vendor, json.loads(str(raw)))
        except (ValueError, ValidationError):
            return None


_BUSY = frozenset({"ThrottlingException", "TooManyUpdates", "InternalServerError"})


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
