"""Bulk contact import: every row answered on its own, rows that touch one contact kept in order.

Rows run on a small thread pool (a row is one or two DynamoDB transactions, so 10,000 rows one by one
would outlast API Gateway's 30 s). With `merge`, rows sharing an external code or a number are one
group, run in order by one worker: two rows for one new customer make one contact, not two.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from hub.domain.contacts import ContactInput, ContactService, normalize_phones
from hub.domain.tenants import TenantContext
from hub.errors import HubError, validation_details

MAX_IMPORT_ROWS = 10_000
IMPORT_WORKERS = 16


@dataclass(frozen=True)
class RowResult:
    row: int
    status: Literal["created", "updated", "failed"]
    id: str | None = None
    error: dict[str, Any] | None = None


def import_contacts(
    service: ContactService,
    context: TenantContext,
    rows: list[dict[str, Any]],
    merge: bool,
    created_by: str | None = None,
    workers: int = IMPORT_WORKERS,
) -> list[RowResult]:
    """One result per row, in the rows' order."""
    results: dict[int, RowResult] = {}
    inputs: dict[int, ContactInput] = {}
    for index, row in enumerate(rows):
        try:
            inputs[index] = ContactInput.model_validate(row)
        except ValidationError as exc:
            results[index] = _failed(
                index, "invalid_row", "the row is not a valid contact", validation_details(exc)
            )

    def run(group: list[int]) -> list[RowResult]:
        return [
            _one(index, lambda data: _apply(service, context, data, merge, created_by), inputs[index])
            for index in group
        ]

    groups = _groups(inputs, context.tenant.default_country) if merge else [[i] for i in inputs]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for done in pool.map(run, groups):
            results.update((result.row, result) for result in done)
    return [results[index] for index in range(len(rows))]


def _apply(
    service: ContactService, context: TenantContext, data: ContactInput, merge: bool, created_by: str | None
) -> tuple[str, bool]:
    if not merge:
        return service.create(context, data, created_by=created_by).id, True
    contact = service.merge(context, data, created_by=created_by)
    return contact.id, contact.version == 1  # a merge into an existing contact moves its version on


def _one(index: int, apply: Callable[[ContactInput], tuple[str, bool]], data: ContactInput) -> RowResult:
    try:
        contact_id, created = apply(data)
    except HubError as exc:
        return _failed(index, exc.code, exc.message, exc.details)
    except ValidationError as exc:  # the merged contact broke a limit (e.g. more than 10 numbers)
        return _failed(index, "invalid_row", "the merged contact is not valid", validation_details(exc))
    return RowResult(row=index, status="created" if created else "updated", id=contact_id)


def _failed(index: int, code: str, message: str, details: Any = None) -> RowResult:
    return RowResult(row=index, status="failed", error={"code": code, "message": message, "details": details})


def _groups(inputs: dict[int, ContactInput], country: str) -> list[list[int]]:
    """Rows linked by a shared external code or number (transitively), each group in row order."""
    parent = {index: index for index in inputs}

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    owner_of: dict[str, int] = {}
    for index, data in inputs.items():
        for key in _match_keys(data, country):
            if key in owner_of:
                parent[root(index)] = root(owner_of[key])
            else:
                owner_of[key] = index
    groups: dict[int, list[int]] = {}
    for index in inputs:
        groups.setdefault(root(index), []).append(index)
    return list(groups.values())


def _match_keys(data: ContactInput, country: str) -> list[str]:
    keys = [f"x:{vendor}:{code}" for vendor, code in data.external_codes.items()]
    with suppress(HubError):  # a row with a bad number fails on its own when it runs
        keys += [f"p:{phone.e164}" for phone in normalize_phones(data.phones, country)]
    return keys
