"""Tenants, their employees and webhook tokens, in the tenants table.

Keys, under `TENANT#{slug}`: `META` (the tenant), `EMP#{id}` (employees: one Query lists them),
`LOGIN#{login}` (an employee's login, unique in the tenant), `APIKEY#{key id}` (the tenant's keys).
Secrets resolve with one GetItem on their hash: `TOKEN#{sha256}` / `TOKEN` for webhook tokens,
`APIKEY#{sha256}` / `APIKEY` for API keys. No secret is stored in the clear.
"""

from __future__ import annotations

from typing import Any

from hub.ids import now_ms
from hub.models.tenant import ApiKey, Employee, Tenant, TenantSettings, Vendor
from hub.store.dynamo import DynamoStore, from_item, to_item, to_value, transact_write, translated_errors

META = "META"


def tenant_pk(slug: str) -> str:
    return f"TENANT#{slug}"


def token_pk(token_hash: str) -> str:
    return f"TOKEN#{token_hash}"


class TenantStore(DynamoStore):
    def create_tenant(self, tenant: Tenant, token_hashes: dict[Vendor, str]) -> None:
        """The tenant and its webhook tokens appear together or not at all; a taken slug is a Conflict."""
        tenant_item = {"pk": tenant_pk(tenant.slug), "sk": META, **tenant.model_dump(mode="json")}
        tenant_item["session_key"] = tenant.session_key
        tenant_item["token_hashes"] = {vendor.value: digest for vendor, digest in token_hashes.items()}
        items = [self._put_new(tenant_item)]
        for vendor, digest in token_hashes.items():
            token_item = {
                "pk": token_pk(digest),
                "sk": "TOKEN",
                "tenant": tenant.slug,
                "vendor": vendor.value,
                "token_hash": digest,
                "created_at": now_ms(),
            }
            items.append(self._put_new(token_item))
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

    def get_webhook_token(self, token_hash: str) -> dict[str, Any] | None:
        """The token record (tenant, vendor, token_hash) for a token's hash, or None."""
        return self.get_item(token_pk(token_hash), "TOKEN")

    def put_employee(self, employee: Employee) -> None:
        """Store a new employee with its login reserved in the same transaction."""
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
                "sk": f"LOGIN#{employee.login}",
                "employee_id": employee.id,
            }
            writes.append(self._put_new(login))
        transact_write(self.client, writes, f"login {employee.login!r} is taken")

    def create_api_key(self, key: ApiKey, key_hash: str) -> None:
        record = key.model_dump(mode="json")
        writes = [
            self._put_new({"pk": f"APIKEY#{key_hash}", "sk": "APIKEY", "key_hash": key_hash, **record}),
            self._put_new({"pk": tenant_pk(key.tenant), "sk": f"APIKEY#{key.key_id}", **record}),
        ]
        transact_write(self.client, writes, "API key collision")

    def get_api_key(self, key_hash: str) -> dict[str, Any] | None:
        return self.get_item(f"APIKEY#{key_hash}", "APIKEY")

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
        found = self.get_item(tenant_pk(slug), f"LOGIN#{login}", consistent=True)
        if not found:
            return None
        item = self.get_item(tenant_pk(slug), f"EMP#{found['employee_id']}", consistent=True)
        return Employee.model_validate(item) if item else None

    def login_failures(self, slug: str, login: str) -> dict[str, Any]:
        return self.get_item(tenant_pk(slug), f"LOGINFAIL#{login}", consistent=True) or {}

    def count_login_failure(self, slug: str, login: str, expires_at: int) -> int:
        """One more wrong password for this login; returns how many in a row (an atomic counter)."""
        response = self.client.update_item(
            TableName=self.table,
            Key=to_item({"pk": tenant_pk(slug), "sk": f"LOGINFAIL#{login}"}),
            UpdateExpression="ADD failures :one SET expires_at = :expires",
            ExpressionAttributeValues=to_item({":one": 1, ":expires": expires_at}),
            ReturnValues="UPDATED_NEW",
        )
        return int(from_item(response["Attributes"])["failures"])

    def lock_login(self, slug: str, login: str, until: int) -> None:
        self.client.update_item(
            TableName=self.table,
            Key=to_item({"pk": tenant_pk(slug), "sk": f"LOGINFAIL#{login}"}),
            UpdateExpression="SET locked_until = :until, failures = :zero, expires_at = :until",
            ExpressionAttributeValues=to_item({":until": until, ":zero": 0}),
        )

    def clear_login_failures(self, slug: str, login: str) -> None:
        self.client.delete_item(
            TableName=self.table, Key=to_item({"pk": tenant_pk(slug), "sk": f"LOGINFAIL#{login}"})
        )

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
