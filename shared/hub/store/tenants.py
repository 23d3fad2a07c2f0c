"""Tenants, their employees and webhook tokens, in the tenants table.

Keys, under `TENANT#{slug}`: `META` (the tenant), `EMP#{id}` (employees: one Query lists them),
`LOGIN#{login}` (an employee's login, unique in the tenant), `EXT#{ext}` (an active employee's
extension, unique in the tenant), `LOGINFAIL#{login}` (attempts in a row), `PRESENCE#{ext}` (away/back,
written by the call events), `APIKEY#{key id}` (the tenant's keys),
`CRED#{vendor}` (that and when the tenant stored credentials for a vendor's API; the secret itself is
an SSM SecureString, hub.store.vendor_secrets). `CREDSET#{vendor}` / `{slug}`: the tenants with
credentials for a vendor, one item each, written and removed with `CRED#{vendor}`.
Secrets resolve with one GetItem on their hash: `TOKEN#{sha256}` / `TOKEN` for webhook tokens,
`APIKEY#{sha256}` / `APIKEY` for API keys. No secret is stored in the clear.
"""

from __future__ import annotations

import contextlib
from typing import Any

from hub.errors import Conflict
from hub.ids import now_ms
from hub.models.tenant import (
    ApiKey,
    Employee,
    Tenant,
    TenantSettings,
    Vendor,
    login_key,
)
from hub.ports import Page
from hub.store.dynamo import (
    DynamoStore,
    from_item,
    to_item,
    to_value,
    transact_write,
    translated_errors,
)

META = "META"
# The employee's page sessions: sha256(session id) -> expiry (epoch seconds), in the employee's item,
# so one GetItem per page tells whether the session and the employee are both still good.
SESSIONS = "sessions"
MAX_SESSIONS = 20
_ACTIVE = "(attribute_not_exists(active) OR active = :true)"


def login_sk(login: str) -> str:
    """The login's reservation key; the bound on a login's length holds here too, whoever calls."""
    return f"LOGIN#{login_key(login)}"


def reserved_ext(employee: Employee) -> str | None:
    """An active employee's extension is theirs alone in the tenant: events find employees by it."""
    ext = (employee.ext or "").strip().lower()
    return f"EXT#{ext}" if ext and employee.active else None


def _taken(employee: Employee) -> str:
    return f"login {employee.login!r} or extension {employee.ext!r} is taken"


def tenant_pk(slug: str) -> str:
    return f"TENANT#{slug}"


def credset_pk(vendor: Vendor) -> str:
    """The list of tenants with credentials for `vendor` (what a scheduled sync visits)."""
    return f"CREDSET#{vendor.value}"


def token_pk(token_hash: str) -> str:
    return f"TOKEN#{token_hash}"


def _token_item(slug: str, vendor: Vendor, digest: str) -> dict[str, Any]:
    """A webhook token's own item, keyed by its hash: what a webhook's token is looked up by."""
    return {
        "pk": token_pk(digest),
        "sk": "TOKEN",
        "tenant": slug,
        "vendor": vendor.value,
        "token_hash": digest,
        "created_at": now_ms(),
    }


class TenantStore(DynamoStore):
    def create_tenant(self, tenant: Tenant, token_hashes: dict[Vendor, str]) -> None:
        """The tenant and its webhook tokens appear together or not at all; a taken slug is a Conflict."""
        tenant_item = {"pk": tenant_pk(tenant.slug), "sk": META, **tenant.model_dump(mode="json")}
        tenant_item["session_key"] = tenant.session_key
        tenant_item["token_hashes"] = {vendor.value: digest for vendor, digest in token_hashes.items()}
        tokens = [_token_item(tenant.slug, vendor, digest) for vendor, digest in token_hashes.items()]
        items = [self._put_new(item) for item in (tenant_item, *tokens)]
        transact_write(self.client, items, f"tenant {tenant.slug!r} already exists")

    def get_tenant(self, slug: str) -> Tenant | None:
        item = self.get_item(tenant_pk(slug), META)
        return Tenant.model_validate(item) if item else None

    def put_settings(self, slug: str, settings: TenantSettings) -> None:
        with translated_errors(f"no tenant {slug!r}"):
            self.client.update_item(
                TableName=self.table,
                Key=to_item({"pk": tenant_pk(slug), "sk": META}),
                UpdateExpression="SET settings = :settings",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":settings": to_value(settings.model_dump(mode="json"))},
            )

    def update_tenant(self, old: Tenant, new: Tenant) -> None:
        """The tenant's own fields and settings, unless someone changed them since `old` was read."""
        fields = new.model_dump(
            mode="json", include={"name", "default_country", "timezone", "language", "settings", "updated_at"}
        )
        with translated_errors("the settings were changed by someone else meanwhile"):
            self.client.update_item(
                TableName=self.table,
                Key=to_item({"pk": tenant_pk(new.slug), "sk": META}),
                UpdateExpression="SET " + ", ".join(f"#{name} = :{name}" for name in fields),
                ConditionExpression=(
                    "attribute_exists(pk) AND (attribute_not_exists(#updated_at) OR #updated_at = :seen)"
                ),
                ExpressionAttributeNames={f"#{name}": name for name in fields},
                ExpressionAttributeValues={
                    **{f":{name}": to_value(value) for name, value in fields.items()},
                    ":seen": to_value(old.updated_at),
                },
            )

    def put_credentials(self, slug: str, vendor: Vendor, at: int) -> None:
        """That the tenant stored credentials for `vendor`, and when: the tenant's `CRED#{vendor}` and
        its row in the vendor's `CREDSET#{vendor}` list, together. The secret itself is never here."""
        writes = [
            {"Put": {"TableName": self.table, "Item": to_item(item)}}
            for item in (
                {"pk": tenant_pk(slug), "sk": f"CRED#{vendor.value}", "updated_at": at},
                {"pk": credset_pk(vendor), "sk": slug, "updated_at": at},
            )
        ]
        transact_write(self.client, writes, "the credentials changed meanwhile")

    def delete_credentials(self, slug: str, vendor: Vendor) -> None:
        writes = [
            {"Delete": {"TableName": self.table, "Key": to_item(key)}}
            for key in (
                {"pk": tenant_pk(slug), "sk": f"CRED#{vendor.value}"},
                {"pk": credset_pk(vendor), "sk": slug},
            )
        ]
        transact_write(self.client, writes, "the credentials changed meanwhile")

    def credentials_set(self, slug: str) -> dict[str, int]:
        """Vendor -> when its credentials were last written."""
        response = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :cred)",
            ExpressionAttributeValues=to_item({":pk": tenant_pk(slug), ":cred": "CRED#"}),
            ProjectionExpression="sk, updated_at",
        )
        items = [from_item(item) for item in response["Items"]]
        return {str(item["sk"]).removeprefix("CRED#"): int(item.get("updated_at", 0)) for item in items}

    def tenants_with_credentials(self, vendor: Vendor) -> list[str]:
        """The slugs in `CREDSET#{vendor}`: one partition read (paged by DynamoDB past 1 MB), no scan."""
        slugs: list[str] = []
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": to_item({":pk": credset_pk(vendor)}),
            "ProjectionExpression": "sk",
        }
        while True:
            with translated_errors():
                response = self.client.query(**request)
            slugs += [str(from_item(item)["sk"]) for item in response["Items"]]
            if not response.get("LastEvaluatedKey"):
                return slugs
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def get_webhook_token(self, token_hash: str) -> dict[str, Any] | None:
        """The token record (tenant, vendor, token_hash, and `valid_until` once replaced) for a
        token's hash, or None."""
        return self.get_item(token_pk(token_hash), "TOKEN")

    def replace_webhook_token(self, slug: str, vendor: Vendor, new_hash: str, old_until: int | None) -> None:
        """One transaction: the tenant's `token_hashes` moves from the hash it holds to `new_hash`
        (conditional on it, so two rotations cannot both win), the new token's item is created, and
        the old one's is deleted or given its `valid_until`."""
        meta = self.get_item(tenant_pk(slug), META, consistent=True)
        if meta is None:
            raise Conflict(f"no tenant {slug!r}")
        old_hash = meta["token_hashes"].get(vendor.value)
        condition = (
            "token_hashes.#vendor = :old" if old_hash else "attribute_not_exists(token_hashes.#vendor)"
        )
        writes: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": to_item({"pk": tenant_pk(slug), "sk": META}),
                    "UpdateExpression": "SET token_hashes.#vendor = :new",
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": {"#vendor": vendor.value},
                    "ExpressionAttributeValues": to_item(
                        {":new": new_hash, **({":old": old_hash} if old_hash else {})}
                    ),
                }
            },
            self._put_new(_token_item(slug, vendor, new_hash)),
        ]
        if old_hash:
            key = to_item({"pk": token_pk(old_hash), "sk": "TOKEN"})
            if old_until is None:
                writes.append({"Delete": {"TableName": self.table, "Key": key}})
            else:
                writes.append(
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": key,
                            "UpdateExpression": "SET valid_until = :until",
                            "ExpressionAttributeValues": to_item({":until": old_until}),
                        }
                    }
                )
        transact_write(self.client, writes, "the tenant's webhook token was rotated meanwhile")

    def put_employee(self, employee: Employee) -> None:
        """Store a new employee with its login and extension reserved in the same transaction."""
        item = {
            "pk": tenant_pk(employee.tenant),
            "sk": f"EMP#{employee.id}",
            **employee.model_dump(mode="json"),
        }
        item["password_hash"] = employee.password_hash
        writes = [self._put_new(item)]
        if employee.login:
            login = {
                "pk": tenant_pk(employee.tenant),
                "sk": login_sk(employee.login),
                "employee_id": employee.id,
            }
            writes.append(self._put_new(login))
        if ext := reserved_ext(employee):
            writes.append(
                self._put_new({"pk": tenant_pk(employee.tenant), "sk": ext, "employee_id": employee.id})
            )
        transact_write(self.client, writes, _taken(employee))

    def replace_employee(self, old: Employee, new: Employee) -> None:
        """An employee's changed record; a changed login or extension moves its reservation in the same
        transaction. An Update, not a Put: the employee's sessions stay, unless their credentials
        changed (a password, the login, deactivation), which ends them all at once."""
        fields = {**new.model_dump(mode="json", exclude={"id", "tenant"}), "password_hash": new.password_hash}
        sets = {name: value for name, value in fields.items() if value is not None}
        removes = [name for name, value in fields.items() if value is None]
        if old.credentials_differ(new):
            removes.append(SESSIONS)
        expression = "SET " + ", ".join(f"#{name} = :{name}" for name in sets)
        if removes:
            expression += " REMOVE " + ", ".join(f"#{name}" for name in removes)
        writes: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": to_item({"pk": tenant_pk(new.tenant), "sk": f"EMP#{new.id}"}),
                    "UpdateExpression": expression,
                    "ConditionExpression": "#updated_at = :seen",
                    "ExpressionAttributeNames": {f"#{name}": name for name in [*sets, *removes]},
                    "ExpressionAttributeValues": {
                        **{f":{name}": to_value(value) for name, value in sets.items()},
                        ":seen": to_value(old.updated_at),
                    },
                }
            }
        ]
        reservations = (
            (login_sk(old.login) if old.login else None, login_sk(new.login) if new.login else None),
            (reserved_ext(old), reserved_ext(new)),
        )
        for was, now in reservations:
            if was == now:
                continue
            if was:
                key = to_item({"pk": tenant_pk(old.tenant), "sk": was})
                writes.append({"Delete": {"TableName": self.table, "Key": key}})
            if now:
                writes.append(self._put_new({"pk": tenant_pk(new.tenant), "sk": now, "employee_id": new.id}))
        transact_write(self.client, writes, _taken(new) + ", or the employee changed meanwhile")

    def get_employee(self, slug: str, employee_id: str) -> Employee | None:
        item = self.get_item(tenant_pk(slug), f"EMP#{employee_id}", consistent=True)
        return Employee.model_validate(item) if item else None

    def employee_page(self, slug: str, limit: int, start: dict[str, str] | None) -> Page[Employee]:
        page = self._section_page(slug, "EMP#", limit, start)
        return Page([Employee.model_validate(item) for item in page.items], page.next_start)

    def create_api_key(self, key: ApiKey, key_hash: str) -> None:
        record = key.model_dump(mode="json")
        writes = [
            self._put_new({"pk": f"APIKEY#{key_hash}", "sk": "APIKEY", "key_hash": key_hash, **record}),
            self._put_new(
                {"pk": tenant_pk(key.tenant), "sk": f"APIKEY#{key.key_id}", "key_hash": key_hash, **record}
            ),
        ]
        transact_write(self.client, writes, "API key collision")

    def get_api_key(self, key_hash: str) -> dict[str, Any] | None:
        return self.get_item(f"APIKEY#{key_hash}", "APIKEY")

    def api_key_page(self, slug: str, limit: int, start: dict[str, str] | None) -> Page[ApiKey]:
        page = self._section_page(slug, "APIKEY#", limit, start)
        return Page([ApiKey.model_validate(item) for item in page.items], page.next_start)

    def revoke_api_key(self, slug: str, key_id: str, at: int) -> ApiKey | None:
        """Mark the key revoked in both its items; None when the tenant has no such key. Revoking a
        revoked key keeps the first revocation time."""
        listed = self.get_item(tenant_pk(slug), f"APIKEY#{key_id}", consistent=True)
        if listed is None:
            return None
        if listed.get("revoked_at") is None:
            update = {
                "UpdateExpression": "SET revoked_at = if_not_exists(revoked_at, :at)",
                "ExpressionAttributeValues": to_item({":at": at}),
                "TableName": self.table,
            }
            keys = [
                {"pk": tenant_pk(slug), "sk": f"APIKEY#{key_id}"},
                {"pk": f"APIKEY#{listed['key_hash']}", "sk": "APIKEY"},
            ]
            transact_write(
                self.client, [{"Update": {**update, "Key": to_item(key)}} for key in keys], "retry"
            )
            listed["revoked_at"] = at
        return ApiKey.model_validate(listed)

    def _section_page(
        self, slug: str, prefix: str, limit: int, start: dict[str, str] | None
    ) -> Page[dict[str, Any]]:
        return self.query_page(
            ("pk", "sk"),
            limit,
            start,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=to_item({":pk": tenant_pk(slug), ":prefix": prefix}),
        )

    def _put_new(self, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_item(item),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def employee_by_login(self, slug: str, login: str) -> Employee | None:
        """The employee with this login, password hash included (two GetItems)."""
        found = self.get_item(tenant_pk(slug), login_sk(login), consistent=True)
        if not found:
            return None
        item = self.get_item(tenant_pk(slug), f"EMP#{found['employee_id']}", consistent=True)
        return Employee.model_validate(item) if item else None

    def begin_login_attempt(self, slug: str, login: str, now: int, limit: int, expires_at: int) -> int | None:
        """Count one attempt before its password is checked: the how-manieth in a row it is, or None when
        the login is locked or `limit` attempts are already counted (conditional writes, so parallel
        attempts never get past the limit). A count past its `expires_at` is stale whatever DynamoDB's
        TTL (which may lag for days) still holds: the attempt starts a new count of one."""
        key = to_item({"pk": tenant_pk(slug), "sk": _failures_sk(login)})
        for _ in range(3):  # a fresh count lost to a parallel attempt is counted on the one that won
            with contextlib.suppress(Conflict):  # locked, at the limit, or no live count: see below
                with translated_errors():
                    response = self.client.update_item(
                        TableName=self.table,
                        Key=key,
                        UpdateExpression="ADD failures :one SET expires_at = :expires",
                        ConditionExpression=(
                            "expires_at > :now AND failures < :limit"
                            " AND (attribute_not_exists(locked_until) OR locked_until <= :now)"
                        ),
                        ExpressionAttributeValues=to_item(
                            {":one": 1, ":expires": expires_at, ":now": now, ":limit": limit}
                        ),
                        ReturnValues="UPDATED_NEW",
                    )
                return int(from_item(response["Attributes"])["failures"])
            current = self.get_item(tenant_pk(slug), _failures_sk(login), consistent=True) or {}
            if int(current.get("locked_until", 0)) > now:
                return None
            if int(current.get("expires_at", 0)) > now and int(current.get("failures", 0)) >= limit:
                return None  # counted to the limit, its lock not written (yet): locked all the same
            with contextlib.suppress(Conflict):  # a parallel attempt started the count: count on it
                with translated_errors():
                    self.client.put_item(
                        TableName=self.table,
                        Item=to_item(
                            {
                                "pk": tenant_pk(slug),
                                "sk": _failures_sk(login),
                                "failures": 1,
                                "expires_at": expires_at,
                            }
                        ),
                        ConditionExpression="attribute_not_exists(pk) OR expires_at <= :now",
                        ExpressionAttributeValues=to_item({":now": now}),
                    )
                return 1
        return None

    def lock_login(self, slug: str, login: str, until: int) -> None:
        with translated_errors():
            self.client.update_item(
                TableName=self.table,
                Key=to_item({"pk": tenant_pk(slug), "sk": _failures_sk(login)}),
                UpdateExpression="SET locked_until = :until, failures = :zero, expires_at = :until",
                ExpressionAttributeValues=to_item({":until": until, ":zero": 0}),
            )

    def clear_login_failures(self, slug: str, login: str) -> None:
        with translated_errors():
            self.client.delete_item(
                TableName=self.table, Key=to_item({"pk": tenant_pk(slug), "sk": _failures_sk(login)})
            )

    # -- page sessions ---------------------------------------------------------------------------

    def open_session(self, employee: Employee, session_hash: str, expires_at: int, now: int) -> bool:
        """Record a session beside the employee, only while their credentials are the ones just checked
        (a password changed a moment ago mints nothing); False when they are not. Expired sessions
        and the oldest beyond MAX_SESSIONS are dropped."""
        if employee.password_hash:
            same = "password_hash = :hash"
            values: dict[str, Any] = {":hash": employee.password_hash}
        else:
            same = "attribute_not_exists(password_hash)"
            values = {}
        try:
            with translated_errors():
                response = self.client.update_item(
                    TableName=self.table,
                    Key=to_item({"pk": tenant_pk(employee.tenant), "sk": f"EMP#{employee.id}"}),
                    UpdateExpression="SET #sessions = if_not_exists(#sessions, :empty)",
                    ConditionExpression=f"attribute_exists(pk) AND {same} AND login = :login AND {_ACTIVE}",
                    ExpressionAttributeNames={"#sessions": SESSIONS},
                    ExpressionAttributeValues=to_item(
                        {**values, ":empty": {}, ":login": employee.login, ":true": True}
                    ),
                    ReturnValues="ALL_NEW",
                )
            live = from_item(response["Attributes"]).get(SESSIONS) or {}
            stale = [sid for sid, until in live.items() if int(until) <= now]
            kept = sorted((sid for sid in live if sid not in stale), key=lambda sid: live[sid])
            stale += kept[: max(0, len(kept) - MAX_SESSIONS + 1)]
            names = {
                "#sessions": SESSIONS,
                "#new": session_hash,
                **{f"#s{i}": sid for i, sid in enumerate(stale)},
            }
            expression = "SET #sessions.#new = :until"
            if stale:
                expression += " REMOVE " + ", ".join(f"#sessions.#s{i}" for i in range(len(stale)))
            with translated_errors():
                self.client.update_item(
                    TableName=self.table,
                    Key=to_item({"pk": tenant_pk(employee.tenant), "sk": f"EMP#{employee.id}"}),
                    UpdateExpression=expression,
                    ConditionExpression=f"attribute_exists(#sessions) AND {same} AND {_ACTIVE}",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=to_item({**values, ":until": expires_at, ":true": True}),
                )
        except Conflict:
            return False
        return True

    def session_employee(self, slug: str, employee_id: str, session_hash: str, now: int) -> Employee | None:
        """The employee, if active and this session of theirs is live (one consistent GetItem)."""
        item = self.get_item(tenant_pk(slug), f"EMP#{employee_id}", consistent=True)
        if not item or not item.get("active", True):
            return None
        if int((item.get(SESSIONS) or {}).get(session_hash, 0)) <= now:
            return None
        return Employee.model_validate(item)

    def close_session(self, slug: str, employee_id: str, session_hash: str) -> None:
        """Forget one session (signing out); nothing to do when it or the employee is gone."""
        with contextlib.suppress(Conflict), translated_errors():
            self.client.update_item(
                TableName=self.table,
                Key=to_item({"pk": tenant_pk(slug), "sk": f"EMP#{employee_id}"}),
                UpdateExpression="REMOVE #sessions.#sid",
                ConditionExpression="attribute_exists(#sessions)",
                ExpressionAttributeNames={"#sessions": SESSIONS, "#sid": session_hash},
            )

    # -- presence ---------------------------------------------------------------------------------

    def presence_by_ext(self, slug: str, exts: list[str]) -> dict[str, dict[str, Any]]:
        """Away/back as the PBX last said (PRESENCE#{ext}, written by the events), per extension."""
        items = self.get_items([(tenant_pk(slug), f"PRESENCE#{ext}") for ext in exts if ext])
        return {str(record.get("ext", "")): record for record in items}

    def list_employees(self, slug: str) -> list[Employee]:
        employees: list[Employee] = []
        paginator = self.client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :emp)",
            ExpressionAttributeValues=to_item({":pk": tenant_pk(slug), ":emp": "EMP#"}),
        )
        for page in pages:
            employees.extend(Employee.model_validate(from_item(item)) for item in page["Items"])
        return employees


def _failures_sk(login: str) -> str:
    return f"LOGINFAIL#{login_key(login)}"
