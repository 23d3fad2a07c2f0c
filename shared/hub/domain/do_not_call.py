"""The do-not-call list: numbers a tenant's campaigns must never dial.

Numbers are kept in E.164, read in the tenant's country like every number the hub takes. Listing is
idempotent (a number listed again keeps its first entry, which is answered) and so is unlisting.
Campaigns ask `listed_among` for a whole chunk of numbers at once, right before sending it, so a
number listed after a batch was accepted is still not dialed. A person placing a call from the card
is not a campaign: the card says the number is listed, and the call is theirs to make.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.domain.tenants import TenantContext
from hub.errors import InvalidPhone, NotFound
from hub.ids import now_ms
from hub.models.do_not_call import DoNotCallEntry, ListedBy
from hub.phones import normalize_phone
from hub.ports import DoNotCall, Page

# One import request: normalizing and listing this many numbers stays well inside API Gateway's
# 29 s, and its answer (every row invalid at worst) inside an idempotency record's 400 KB.
MAX_IMPORT_PHONES = 5000


@dataclass(frozen=True)
class InvalidNumber:
    row: int  # its index in the request, from 0
    reason: str  # "empty" or "not_a_phone_number"


@dataclass(frozen=True)
class DoNotCallImport:
    """What an import did: each distinct valid number is either added or already listed."""

    added: int = 0
    already_listed: int = 0
    duplicates: int = 0  # rows repeating a number of an earlier row (any form), not counted again
    invalid: list[InvalidNumber] = field(default_factory=list)


class DoNotCallList:
    def __init__(self, repo: DoNotCall) -> None:
        self.repo = repo

    def number(self, context: TenantContext, phone: str | int | None) -> str:
        """E.164 of `phone` as the tenant's country reads it (else InvalidPhone, a 400)."""
        return normalize_phone(phone, context.tenant.default_country)

    def add(
        self,
        context: TenantContext,
        phone: str,
        listed_by: str,
        source: ListedBy,
        reason: str | None = None,
    ) -> tuple[DoNotCallEntry, bool]:
        """The number's entry, and whether this call listed it (False: it was listed already, and its
        first entry is answered unchanged)."""
        entry = DoNotCallEntry(
            tenant=context.slug,
            phone=self.number(context, phone),
            listed_at=now_ms(),
            listed_by=listed_by,
            reason=reason or None,
            source=source,
        )
        for _ in range(3):
            if self.repo.add(entry):
                return entry, True
            existing = self.repo.get(context.slug, entry.phone)
            if existing is not None:
                return existing, False
            # unlisted between the two: list it again
        return entry, self.repo.add(entry)

    def remove(self, context: TenantContext, phone: str) -> None:
        self.repo.remove(context.slug, self.number(context, phone))

    def get(self, context: TenantContext, phone: str) -> DoNotCallEntry:
        entry = self.repo.get(context.slug, self.number(context, phone))
        if entry is None:
            raise NotFound("this number is not on the do-not-call list", code="not_listed")
        return entry

    def listed(self, context: TenantContext, phone: str) -> bool:
        return self.repo.get(context.slug, self.number(context, phone)) is not None

    def listed_among(self, context: TenantContext, numbers: list[str]) -> set[str]:
        """Which of these E.164 numbers are listed: key reads only, so a campaign may ask about a
        chunk of 1000 right before sending it."""
        return self.repo.listed_among(context.slug, list(dict.fromkeys(numbers))) if numbers else set()

    def page(self, context: TenantContext, limit: int, start: dict[str, str] | None) -> Page[DoNotCallEntry]:
        return self.repo.page(context.slug, limit, start)

    def import_numbers(
        self,
        context: TenantContext,
        phones: list[str | int | None],
        listed_by: str,
        reason: str | None = None,
    ) -> DoNotCallImport:
        """List many numbers at once: each read in the tenant's country, an invalid one reported
        with its row, repeats (in any form) collapsed, the listed ones left as they are."""
        invalid: list[InvalidNumber] = []
        numbers: dict[str, int] = {}
        duplicates = 0
        for row, phone in enumerate(phones):
            try:
                e164 = self.number(context, phone)
            except InvalidPhone:
                empty = phone is None or not str(phone).strip()
                invalid.append(InvalidNumber(row, "empty" if empty else "not_a_phone_number"))
                continue
            if e164 in numbers:
                duplicates += 1
            else:
                numbers[e164] = row
        listed = self.repo.listed_among(context.slug, list(numbers))
        now = now_ms()
        new = [
            DoNotCallEntry(
                tenant=context.slug,
                phone=e164,
                listed_at=now,
                listed_by=listed_by,
                reason=reason or None,
                source=ListedBy.IMPORT,
            )
            for e164 in numbers
            if e164 not in listed
        ]
        added = self.repo.add_many(new) if new else set()
        return DoNotCallImport(
            added=len(added),
            already_listed=len(numbers) - len(added),
            duplicates=duplicates,
            invalid=invalid,
        )
