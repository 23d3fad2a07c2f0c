"""Phonet's contact book and the hub's contacts kept in step (the `phonet_contacts` sync source, on
when the tenant's `phonet_book_sync` is).

One run, under the source's lease, first reads the book back and then pushes the hub's changes, so a
contact changed on both sides is decided once, before anything is sent:

* read back: the book's contacts modified (`filterBy=modified`) from the cursor's mark, less an
  overlap (a contact saved as the last run read), each translated as the import translates it
  (contact_book.to_contact_input) and merged by its `phonet` external code;
* push: the hub's contacts (type contact: leads are every unknown caller, not the PBX's book) changed
  since the mark, sent with `batch` + `merge` in chunks of BATCH_SIZE. The batch answers only counts:
  when some failed, the chunk's contacts are read back from the book to find which do not hold what
  was sent, and only those are sent again, alone, once; what still fails is reported, not retried;
* a conflict is a contact both sides changed since the mark (the hub's `updated_at`, Phonet's
  `lastModified`) that still disagree: the later change wins (a tie: the book's), and the run's details
  and a log line say which contact, both times and who won. The loser's values are not merged in.

The cursor keeps the mark and which contact versions this sync itself wrote: a hub change the sync
made from the book is no hub change to push back or to call a conflict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger

from hub.domain.contacts import ContactInput, ContactService
from hub.domain.sync import Source, SyncLimits, SyncRun, Tally
from hub.domain.tenants import TenantContext
from hub.errors import HubError
from hub.models.contact import Contact, ContactType
from hub.ports.vendors import SyncCursors
from hub.vendors.phonet.book import ContactBody, ContactFieldBody, FieldValueBody, PhonetContact
from hub.vendors.phonet.client import PhonetClient
from hub.vendors.phonet.contact_book import SOURCE, Skipped, employees_by_user, to_contact_input

logger = Logger()

# The seed names no limit for `batch`; its list's page limit (60) keeps one request's body and the
# PBX's work per request the size it is known to take.
BATCH_SIZE = 60
PAGE = 100
MAX_CONFLICTS_LISTED = 100


@dataclass
class BookMark:
    """The cursor: both sides are in step up to `mark` (ms); `written`: hub contact id -> the version
    this sync's read-back wrote (kept for the next run only)."""

    mark: int
    written: dict[str, int] = field(default_factory=dict)

    def dump(self) -> str:
        return json.dumps({"mark": self.mark, "written": self.written}, separators=(",", ":"))

    @classmethod
    def load(cls, position: str) -> BookMark:
        data = json.loads(position)
        return cls(int(data["mark"]), {str(k): int(v) for k, v in data.get("written", {}).items()})


class PhonetBookSync:
    """hub.domain.sync.BookStep for Phonet's contact book."""

    def __init__(
        self,
        accounts: Any,  # hub.vendors.accounts.VendorAccountsFromSecrets: `.contact_book(slug)`
        contacts: ContactService,
        cursors: SyncCursors,
        limits: SyncLimits | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.accounts = accounts
        self.contacts = contacts
        self.cursors = cursors
        self.limits = limits or SyncLimits()
        self.batch_size = batch_size

    def step(self, context: TenantContext, position: str | None, until: int, run: SyncRun) -> str:
        """The first run only sets the mark (the import brings the existing book over; keeping in step
        covers what changes after the setting is on)."""
        if position is None:
            run.details = {"started": "first run: changes from now on are kept in step"}
            return BookMark(until).dump()
        last = BookMark.load(position)
        client: PhonetClient = self.accounts.contact_book(context.slug)
        written: dict[str, int] = {}
        conflicts: list[dict[str, Any]] = []
        read_back: set[str] = set()
        tally = Tally()
        for page in client.book_contact_pages(
            filter_by="modified", time_from=max(0, last.mark - self.limits.overlap_ms), time_to=until
        ):
            tally.read += len(page)
            tally.failed += len(page.invalid)
            for contact in page.rows:
                self._read_one(context, contact, last, tally, written, conflicts, read_back)
        pushed, push_failed, skipped = self._push(context, client, last, until, written, read_back)
        run.tally.add(tally)
        run.details = {
            "pushed": pushed,
            "push_failed": push_failed,
            "push_skipped": skipped,
            "conflicts": conflicts[:MAX_CONFLICTS_LISTED],
            "conflict_count": len(conflicts),
        }
        return BookMark(until, written).dump()

    # -- read back

    def _read_one(
        self,
        context: TenantContext,
        contact: PhonetContact,
        last: BookMark,
        tally: Tally,
        written: dict[str, int],
        conflicts: list[dict[str, Any]],
        read_back: set[str],
    ) -> None:
        data = to_contact_input(
            contact,
            context.tenant.settings.phonet_book_fields,
            context.tenant.default_country,
            self._staff(context),
        )
        if isinstance(data, Skipped):
            tally.failed += 1
            return
        try:
            match = self.contacts.find_by_external_code(context, SOURCE, contact.id)
            if match is not None and self._hub_is_newer(match, contact, last):
                tally.unchanged += 1  # read again by the overlap, or older than the hub's own change
                return
            if match is not None and self._conflict(context, match, data, contact, last):
                record = _conflict_record(match, contact)
                conflicts.append(record)
                logger.warning("contact changed in the hub and in Phonet's book", extra=record)
                if record["kept"] == "hub":
                    tally.unchanged += 1
                    return
            merged, outcome = self.contacts.merge_outcome(context, data)
        except HubError as error:  # an ambiguous match: this contact, not the others
            if error.retryable:
                raise
            tally.failed += 1
            return
        if outcome == "unchanged":
            tally.unchanged += 1
            return
        tally.created += outcome == "created"
        tally.merged += outcome == "updated"
        written[merged.id] = merged.version
        read_back.add(merged.id)

    @staticmethod
    def _hub_is_newer(match: Contact, contact: PhonetContact, last: BookMark) -> bool:
        """The hub holds this version of the book's contact already, or the book's contact has not
        changed since the mark while the hub's has (then the hub's change is pushed, not undone)."""
        book_at = contact.last_modified or 0
        if match.origin_updated_at is not None and book_at <= match.origin_updated_at:
            return True
        return book_at <= last.mark and _hub_changed(match, last)

    def _conflict(
        self,
        context: TenantContext,
        match: Contact,
        data: ContactInput,
        contact: PhonetContact,
        last: BookMark,
    ) -> bool:
        book_changed = (contact.last_modified or 0) > last.mark
        return (
            _hub_changed(match, last)
            and book_changed
            and self.contacts.merge_changes(context, match, data) is not None
        )

    def _staff(self, context: TenantContext) -> dict[str, str]:
        cursor = self.cursors.read(context.slug, Source.PHONET_USERS.value)
        return employees_by_user(json.loads(cursor.position).get("managed", {}) if cursor else {})

    # -- push

    def _push(
        self,
        context: TenantContext,
        client: PhonetClient,
        last: BookMark,
        until: int,
        written: dict[str, int],
        read_back: set[str],
    ) -> tuple[int, list[str], list[str]]:
        """(contacts pushed, ids that failed even alone, ids not pushed: neither a Phonet id nor a
        phone, so a merge could never find them again and each push would add a copy)."""
        fields = context.tenant.settings.phonet_book_fields
        outgoing: list[tuple[Contact, ContactBody]] = []
        skipped: list[str] = []
        for contact in self._changed(context, last.mark, until):
            if contact.id in read_back or last.written.get(contact.id) == contact.version:
                continue  # the book's own change, read back: nothing new for the book
            if not contact.external_codes.get(SOURCE) and not contact.phones:
                skipped.append(contact.id)
                continue
            outgoing.append((contact, to_contact_body(contact, fields)))
        pushed, failed = 0, []
        for start in range(0, len(outgoing), self.batch_size):
            chunk = outgoing[start : start + self.batch_size]
            answer = client.merge_book_contacts([body for _, body in chunk])
            pushed += answer.succeeded
            if answer.failed:
                for contact, body in chunk:
                    if _holds(client, body):
                        continue
                    alone = client.merge_book_contacts([body])
                    if alone.failed or not alone.succeeded:
                        failed.append(contact.id)
                        logger.warning("contact not taken by Phonet's book", extra={"contact_id": contact.id})
                    else:
                        pushed += 1
        return pushed, failed, skipped

    def _changed(self, context: TenantContext, since: int, until: int) -> list[Contact]:
        found: list[Contact] = []
        start = None
        while True:
            page = self.contacts.page(
                context, limit=PAGE, start=start, contact_type=ContactType.CONTACT, updated_since=since + 1
            )
            found += [c for c in page.items if c.updated_at <= until]
            if (start := page.next_start) is None or any(c.updated_at > until for c in page.items):
                return found


def to_contact_body(contact: Contact, fields: dict[str, str]) -> ContactBody:
    """A hub contact as the book's batch takes it: its Phonet id when it has one (else `merge` joins
    it by phone), the name split at its first space, the phones as the hub got them (the book
    compares digits), e-mail and category under the first enumCode the tenant maps to them."""
    first, _, rest = (contact.name or "").strip().partition(" ")
    code = contact.external_codes.get(SOURCE)

    def under(target: str, values: list[tuple[str, str | None]]) -> list[ContactFieldBody]:
        enum_code = next((c for c, name in fields.items() if name == target), None)
        if enum_code is None or not values:
            return []
        return [
            ContactFieldBody(
                enum_code=enum_code,
                values=[FieldValueBody(value=v, enum_value_code=kind) for v, kind in values],
            )
        ]

    book_fields = [
        *under("phone", [(p.raw or p.e164, p.remark) for p in contact.phones]),
        *under("email", [(contact.email, None)] if contact.email else []),
        *under("category", [(contact.category, None)] if contact.category else []),
    ]
    body: dict[str, Any] = {"fields": book_fields}
    if code and code.isdigit():
        body["id"] = int(code)
    if first:
        body["first_name"] = first
    if rest.strip():
        body["last_name"] = rest.strip()
    if contact.company:
        body["company_title"] = contact.company
    return ContactBody(**body)


def _holds(client: PhonetClient, body: ContactBody) -> bool:
    """Whether the book now holds what `body` sent (read by its id, else by its first phone): how a
    batch's failed count is turned into which contacts failed."""
    if body.id is not None:
        found = [c for c in [client.book_contact(body.id)] if c is not None]
    else:
        phones = [v.value for f in body.fields for v in f.values if v.value and f.enum_code]
        found = list(client.book_contacts_by_number(phones[0]).rows) if phones else []
    sent_numbers = {_digits(v.value) for f in body.fields for v in f.values if v.value}
    for contact in found:
        held = {_digits(v.value) for f in contact.fields for v in f.values if v.value}
        if (
            (body.first_name is None or contact.first_name == body.first_name)
            and (body.last_name is None or contact.last_name == body.last_name)
            and (body.company_title is None or contact.company_title == body.company_title)
            and sent_numbers <= held
        ):
            return True
    return False


def _hub_changed(match: Contact, last: BookMark) -> bool:
    """Changed in the hub since the mark, by someone other than this sync's read-back."""
    return match.updated_at > last.mark and last.written.get(match.id) != match.version


def _digits(text: str | None) -> str:
    return "".join(ch for ch in text or "" if ch.isdigit()) or (text or "")


def _conflict_record(match: Contact, contact: PhonetContact) -> dict[str, Any]:
    book_at = contact.last_modified or 0
    return {
        "contact_id": match.id,
        "phonet_id": contact.id,
        "hub_updated_at": match.updated_at,
        "phonet_modified_at": book_at,
        "kept": "phonet" if book_at >= match.updated_at else "hub",
    }
