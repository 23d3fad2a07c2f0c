"""Contacts and the phone index, in the contacts table.

Keys:
- `{tenant}#C#{id}` / `CONTACT` — the contact.
- `{tenant}#P#{e164}` / `PHONE` — the phone index: one item per number, with one attribute
  `c:{contact id}` per contact holding it (a PhoneEntry). "Who has this number" is one GetItem, and
  adding or removing one holder is a SET or REMOVE on its own attribute, so two contacts written at
  once on one number never overwrite each other. `holders` counts them: at most
  MAX_CONTACTS_PER_NUMBER, so the item stays far below DynamoDB's 400 KB.
- `{tenant}#X#{vendor}#{code}` / `EXT` — an external code, unique per tenant and vendor.
- `{tenant}#U#{key}` / `UNIQUE` — a contact created "once per key" (e.g. one lead per number).
- `{tenant}#C#{id}` / `CALL#{dial at}#{uuid}` and `EVENT#{at}#{id}` — the contact's timeline.
- `{tenant}#W#{first letter}` / `{word}#{id}` — the name index: one item per word of the contact's
  name and company (hub.names.contact_name_words, at most MAX_NAME_WORDS), carrying the
  contact's id, type and all its words. "Whose name has a word starting with бер" is one Query on
  `begins_with(sk, "бер")` in the partition of "б".
A contact also carries `gsi1pk = {tenant}#CONTACTS`, `gsi1sk = {casefolded name}#{id}` (all contacts
by name), `gsi2pk = {tenant}#CONTACTS`, `gsi2sk = {updated at}#{id}` (what changed since), and
`name_words`: the words indexed for it. A contact written before the name index existed has no
`name_words` and no word items: a name search also reads those by the start of their name from gsi1
(the old search) until their next write indexes them.

Every change to a contact writes the contact and its index items in one transaction.
"""

from __future__ import annotations

from typing import Any

from hub.errors import Conflict, LimitExceeded
from hub.models.contact import Contact, PhoneEntry
from hub.names import contact_name_words, matches_name, name_words
from hub.ports import Page
from hub.store.dynamo import (
    DynamoStore,
    from_item,
    to_item,
    to_value,
    transact_write,
    translated_errors,
)

CONTACT_SK = "CONTACT"
PHONE_SK = "PHONE"
EXT_SK = "EXT"
ENTRY_PREFIX = "c:"
BY_NAME_KEYS = ("pk", "sk", "gsi1pk", "gsi1sk")
BY_UPDATE_KEYS = ("pk", "sk", "gsi2pk", "gsi2sk")
BY_WORD_KEYS = ("pk", "sk")
# The start of a name search's last part: contacts not yet in the name index (see the module's doc).
UNINDEXED_START = {"phase": "unindexed"}
# An entry is at most ~1 KB (an id of <= 40 characters twice, a name of MAX_INDEX_NAME characters = at
# most 400 bytes of UTF-8, a type, a time, the attribute names): 200 of them stay under half of
# DynamoDB's 400 KB item limit. A number shared by more is a switchboard, not a person's number.
MAX_CONTACTS_PER_NUMBER = 200
_CAPPED = "attribute_not_exists(holders) OR holders < :max_holders"


def contact_pk(tenant: str, contact_id: str) -> str:
    return f"{tenant}#C#{contact_id}"


def phone_pk(tenant: str, e164: str) -> str:
    return f"{tenant}#P#{e164}"


def contacts_pk(tenant: str) -> str:
    return f"{tenant}#CONTACTS"


def external_pk(tenant: str, vendor: str, code: str) -> str:
    return f"{tenant}#X#{vendor}#{code}"


def word_pk(tenant: str, word: str) -> str:
    return f"{tenant}#W#{word[0]}"


def word_items(contact: Contact) -> list[dict[str, Any]]:
    """The contact's name-index items."""
    words = contact_name_words(contact)
    return [
        {
            "pk": word_pk(contact.tenant, word),
            "sk": f"{word}#{contact.id}",
            "contact_id": contact.id,
            "type": contact.type.value,
            "words": words,
        }
        for word in words
    ]


def contact_item(contact: Contact) -> dict[str, Any]:
    data = contact.model_dump(mode="json", exclude_none=True)
    indexes = {
        "name_words": contact_name_words(contact),
        "gsi1pk": contacts_pk(contact.tenant),
        # A sort key holds at most 1024 bytes: 200 characters of name are at most 800 of UTF-8.
        "gsi1sk": f"{contact.display_name.casefold()[:200]}#{contact.id}",
        "gsi2pk": contacts_pk(contact.tenant),
        "gsi2sk": f"{contact.updated_at:013d}#{contact.id}",
    }
    return to_item({"pk": contact_pk(contact.tenant, contact.id), "sk": CONTACT_SK, **data, **indexes})


def _entries(phone_item: dict[str, Any]) -> list[PhoneEntry]:
    """The contacts a phone-index item lists, one attribute each."""
    return [PhoneEntry.model_validate(v) for k, v in phone_item.items() if k.startswith(ENTRY_PREFIX)]


class ContactStore(DynamoStore):
    # -- reads -------------------------------------------------------------------------------

    def phone_entries(self, tenant: str, e164: str) -> list[PhoneEntry]:
        """Every contact of the tenant holding this number: one GetItem, whatever the table's size."""
        return _entries(self.get_item(phone_pk(tenant, e164), PHONE_SK) or {})

    def phone_entries_of(self, tenant: str, numbers: list[str]) -> dict[str, list[PhoneEntry]]:
        """Who holds each of these numbers: BatchGetItem over their phone-index items."""
        prefix = phone_pk(tenant, "")
        found: dict[str, list[PhoneEntry]] = {}
        for item in self.get_items([(phone_pk(tenant, number), PHONE_SK) for number in numbers]):
            if entries := _entries(item):
                found[str(item["pk"]).removeprefix(prefix)] = sorted(entries, key=lambda e: (e.name, e.id))
        return found

    def get(self, tenant: str, contact_id: str, consistent: bool = False) -> Contact | None:
        item = self.get_item(contact_pk(tenant, contact_id), CONTACT_SK, consistent=consistent)
        return Contact.model_validate(item) if item else None

    def contact_id_by_external_code(self, tenant: str, vendor: str, code: str) -> str | None:
        item = self.get_item(external_pk(tenant, vendor, code), EXT_SK)
        return str(item["contact_id"]) if item else None

    # -- writes ------------------------------------------------------------------------------

    def create(self, contact: Contact, unique_key: str | None = None, stale_owner: str | None = None) -> None:
        """Write a new contact with its index items; a taken id, external code or `unique_key` is a
        Conflict and writes nothing. `stale_owner`: the deleted contact `unique_key` may be taken from."""
        writes = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": contact_item(contact),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            *self._index_changes(None, contact),
            *self._name_index_changes(None, contact),
        ]
        if unique_key:
            marker = {"pk": f"{contact.tenant}#U#{unique_key}", "sk": "UNIQUE", "contact_id": contact.id}
            put: dict[str, Any] = {
                "TableName": self.table,
                "Item": to_item(marker),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
            if stale_owner:
                put["ConditionExpression"] += " OR contact_id = :stale"
                put["ExpressionAttributeValues"] = {":stale": to_value(stale_owner)}
            writes.append({"Put": put})
        self._transact(writes)

    def unique_owner(self, tenant: str, unique_key: str) -> str | None:
        """The contact created under `unique_key`, if any."""
        item = self.get_item(f"{tenant}#U#{unique_key}", "UNIQUE", consistent=True)
        return str(item["contact_id"]) if item else None

    def add_event(self, tenant: str, contact_id: str, event: dict[str, Any]) -> None:
        """An event (call, SMS, note) on the contact's timeline, only while the contact exists."""
        item = {
            "pk": contact_pk(tenant, contact_id),
            "sk": f"EVENT#{event['at']:013d}#{event['id']}",
            **event,
        }
        check = {
            "ConditionCheck": {
                "TableName": self.table,
                "Key": to_item({"pk": contact_pk(tenant, contact_id), "sk": CONTACT_SK}),
                "ConditionExpression": "attribute_exists(pk)",
            }
        }
        transact_write(
            self.client, [check, {"Put": {"TableName": self.table, "Item": to_item(item)}}], "no such contact"
        )

    def events(self, tenant: str, contact_id: str) -> list[dict[str, Any]]:
        response = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :event)",
            ExpressionAttributeValues=to_item({":pk": contact_pk(tenant, contact_id), ":event": "EVENT#"}),
        )
        return [from_item(item) for item in response["Items"]]

    def by_name(self, tenant: str, name: str, limit: int = 50) -> list[Contact]:
        """Contacts with a word of their name or company starting with each word of `name`."""
        return self.list_contacts(tenant, limit=limit, name=name).items

    def list_contacts(
        self,
        tenant: str,
        *,
        limit: int,
        start: dict[str, str] | None = None,
        name: str | None = None,
        contact_type: str | None = None,
        updated_since: int | None = None,
    ) -> Page[Contact]:
        """A page of the tenant's contacts: by name, or by last change when `updated_since` is given
        (oldest change first, so a sync can resume where it stopped). `name` keeps those with a word
        of their name or company starting with each of its words, any case, ё as е."""
        query_words = name_words(name) if name else []
        if name and not query_words:
            return Page([], None)
        if query_words and updated_since is None:
            return self._by_name_words(tenant, query_words, name or "", limit, start, contact_type)
        values: dict[str, Any] = {":pk": contacts_pk(tenant)}
        filters: list[str] = []
        names: dict[str, str] = {}
        if updated_since is not None:
            index, keys = "gsi2", BY_UPDATE_KEYS
            condition = "gsi2pk = :pk AND gsi2sk >= :since"
            values[":since"] = f"{updated_since:013d}"
        else:
            index, keys = "gsi1", BY_NAME_KEYS
            condition = "gsi1pk = :pk"
        if contact_type:
            filters.append("#type = :type")
            names["#type"] = "type"
            values[":type"] = contact_type
        query: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": to_item(values),
        }
        if filters:
            query["FilterExpression"] = " AND ".join(filters)
        if names:
            query["ExpressionAttributeNames"] = names
        page = self.query_page(keys, limit, start, **query)
        contacts = [Contact.model_validate(item) for item in page.items]
        if query_words:  # changed since, by name: the page's contacts of that name
            contacts = [c for c in contacts if matches_name(contact_name_words(c), query_words)]
        return Page(contacts, page.next_start)

    def _by_name_words(
        self,
        tenant: str,
        query: list[str],
        name: str,
        limit: int,
        start: dict[str, str] | None,
        contact_type: str | None,
    ) -> Page[Contact]:
        """A name search: the name index for the longest word of the query (the fewest items), the
        other words checked on the items; then the contacts not indexed yet (UNINDEXED_START)."""
        if start is not None and (start == UNINDEXED_START or set(start) == set(BY_NAME_KEYS)):
            resume = None if start == UNINDEXED_START else start
            return self._unindexed_by_name(tenant, name, limit, resume, contact_type)
        word = max(query, key=len)
        values: dict[str, Any] = {":pk": word_pk(tenant, word), ":word": word}
        request: dict[str, Any] = {"KeyConditionExpression": "pk = :pk AND begins_with(sk, :word)"}
        if contact_type:
            request["FilterExpression"] = "#type = :type"
            request["ExpressionAttributeNames"] = {"#type": "type"}
            values[":type"] = contact_type
        page = self.query_page(
            BY_WORD_KEYS, limit, start, ExpressionAttributeValues=to_item(values), **request
        )
        ids = [
            str(item["contact_id"])
            for item in page.items
            # A contact with two words starting with `word` has two items: the first of them counts.
            if str(item["sk"]).startswith(next(w for w in item["words"] if w.startswith(word)) + "#")
            and matches_name(list(item["words"]), query)
        ]
        found = {c.id: c for c in self.get_many(tenant, ids)}
        contacts = [found[i] for i in ids if i in found]
        if page.next_start is not None:
            return Page(contacts, page.next_start)
        if len(contacts) >= limit:
            return Page(contacts, UNINDEXED_START)
        rest = self._unindexed_by_name(tenant, name, limit - len(contacts), None, contact_type)
        return Page(contacts + rest.items, rest.next_start)

    def _unindexed_by_name(
        self,
        tenant: str,
        name: str,
        limit: int,
        start: dict[str, str] | None,
        contact_type: str | None = None,
    ) -> Page[Contact]:
        """Contacts written before the name index, by the start of their name, as the search was."""
        values: dict[str, Any] = {":pk": contacts_pk(tenant), ":prefix": name.strip().casefold()}
        filters = ["attribute_not_exists(name_words)"]
        names: dict[str, str] = {}
        if contact_type:
            filters.append("#type = :type")
            names["#type"] = "type"
            values[":type"] = contact_type
        page = self.query_page(
            BY_NAME_KEYS,
            limit,
            start,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk AND begins_with(gsi1sk, :prefix)",
            FilterExpression=" AND ".join(filters),
            ExpressionAttributeValues=to_item(values),
            **({"ExpressionAttributeNames": names} if names else {}),
        )
        return Page([Contact.model_validate(item) for item in page.items], page.next_start)

    def get_many(self, tenant: str, contact_ids: list[str]) -> list[Contact]:
        """Contacts by id (one BatchGetItem per 100); missing ones skipped."""
        items = self.get_items([(contact_pk(tenant, i), CONTACT_SK) for i in contact_ids])
        return [Contact.model_validate(item) for item in items]

    def timeline_call_uuids(self, tenant: str, contact_id: str) -> list[str]:
        """The contact's calls, oldest first."""
        response = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :call)",
            ExpressionAttributeValues=to_item({":pk": contact_pk(tenant, contact_id), ":call": "CALL#"}),
        )
        return [str(from_item(item)["call_uuid"]) for item in response["Items"]]

    def update(self, old: Contact, new: Contact) -> None:
        """Replace `old` with `new` if nobody changed it since `old` was read (optimistic locking)."""
        put = {
            "Put": {
                "TableName": self.table,
                "Item": contact_item(new),
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": to_value(old.version)},
            }
        }
        self._transact([put, *self._index_changes(old, new), *self._name_index_changes(old, new)])

    def delete(self, contact: Contact) -> None:
        delete = {
            "Delete": {
                "TableName": self.table,
                "Key": to_item({"pk": contact_pk(contact.tenant, contact.id), "sk": CONTACT_SK}),
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": to_value(contact.version)},
            }
        }
        self._transact(
            [delete, *self._index_changes(contact, None), *self._name_index_changes(contact, None)]
        )
        self._delete_timeline(contact)

    def _delete_timeline(self, contact: Contact) -> None:
        """The deleted contact's timeline entries and notes go with it (the calls themselves stay)."""
        paginator = self.client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": contact_pk(contact.tenant, contact.id)}),
            ProjectionExpression="pk, sk",
        )
        keys = [{"DeleteRequest": {"Key": item}} for page in pages for item in page["Items"]]
        self._batch_write(keys)

    def _transact(self, items: list[dict[str, Any]]) -> None:
        """The writes, all or nothing; a number already held by MAX_CONTACTS_PER_NUMBER contacts is a
        LimitExceeded naming it (retrying cannot help), any other failed condition a Conflict."""
        try:
            transact_write(
                self.client, items, "the contact changed meanwhile, or its external code belongs to another"
            )
        except Conflict as exc:
            reasons = (exc.details or {}).get("reasons", []) if isinstance(exc.details, dict) else []
            full = [
                from_item(item["Update"]["Key"])["pk"].split("#P#", 1)[1]
                for item, reason in zip(items, reasons, strict=False)
                if reason == "ConditionalCheckFailed"
                and item.get("Update", {}).get("ConditionExpression") == _CAPPED
            ]
            if not full:
                raise
            raise LimitExceeded(
                f"a number may be held by at most {MAX_CONTACTS_PER_NUMBER} contacts",
                code="too_many_contacts_on_number",
                details={"phones": full, "limit": MAX_CONTACTS_PER_NUMBER},
            ) from exc

    def _index_changes(self, old: Contact | None, new: Contact | None) -> list[dict[str, Any]]:
        """The phone-index and external-code writes that take the indexes from `old` to `new`."""
        contact = new or old
        assert contact is not None
        tenant, entry_name = contact.tenant, ENTRY_PREFIX + contact.id
        old_numbers = set(old.phone_numbers()) if old else set()
        new_numbers = new.phone_numbers() if new else []
        changes: list[dict[str, Any]] = []
        if new is not None:
            entry = to_value(PhoneEntry.of(new).model_dump(mode="json", exclude_none=True))
            for e164 in new_numbers:
                update: dict[str, Any] = {
                    "TableName": self.table,
                    "Key": to_item({"pk": phone_pk(tenant, e164), "sk": PHONE_SK}),
                    "UpdateExpression": "SET #entry = :entry",
                    "ExpressionAttributeNames": {"#entry": entry_name},
                    "ExpressionAttributeValues": {":entry": entry},
                }
                if e164 not in old_numbers:  # one more holder: counted, and refused past the limit
                    update["UpdateExpression"] += " ADD holders :one"
                    update["ConditionExpression"] = _CAPPED
                    update["ExpressionAttributeValues"] |= {
                        ":one": to_value(1),
                        ":max_holders": to_value(MAX_CONTACTS_PER_NUMBER),
                    }
                changes.append({"Update": update})
        for e164 in sorted(old_numbers - set(new_numbers)):
            changes.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": to_item({"pk": phone_pk(tenant, e164), "sk": PHONE_SK}),
                        "UpdateExpression": "REMOVE #entry ADD holders :minus_one",
                        "ExpressionAttributeNames": {"#entry": entry_name},
                        "ExpressionAttributeValues": {":minus_one": to_value(-1)},
                    }
                }
            )
        old_codes = set(old.external_codes.items()) if old else set()
        new_codes = set(new.external_codes.items()) if new else set()
        owner = {":id": to_value(contact.id)}
        for vendor, code in sorted(new_codes - old_codes):
            item = {"pk": external_pk(tenant, vendor, code), "sk": EXT_SK, "contact_id": contact.id}
            changes.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": to_item(item),
                        "ConditionExpression": "attribute_not_exists(pk) OR contact_id = :id",
                        "ExpressionAttributeValues": owner,
                    }
                }
            )
        for vendor, code in sorted(old_codes - new_codes):
            changes.append(
                {
                    "Delete": {
                        "TableName": self.table,
                        "Key": to_item({"pk": external_pk(tenant, vendor, code), "sk": EXT_SK}),
                        "ConditionExpression": "contact_id = :id",
                        "ExpressionAttributeValues": owner,
                    }
                }
            )
        return changes

    def _name_index_changes(self, old: Contact | None, new: Contact | None) -> list[dict[str, Any]]:
        """Every word item of `new` is put (its type and words may have changed; a contact written
        before the name index gets its items now), and `old`'s other words are deleted."""
        items = word_items(new) if new else []
        changes: list[dict[str, Any]] = [
            {"Put": {"TableName": self.table, "Item": to_item(i)}} for i in items
        ]
        kept = {(i["pk"], i["sk"]) for i in items}
        for item in word_items(old) if old else []:
            if (item["pk"], item["sk"]) not in kept:
                key = {"pk": item["pk"], "sk": item["sk"]}
                changes.append({"Delete": {"TableName": self.table, "Key": to_item(key)}})
        return changes

    def bulk_put_new(self, contacts: list[Contact]) -> None:
        """Load contacts in batches, without transactions or conditions: for seeding benchmarks and
        fixtures with numbers no other contact holds. Everything else goes through create()."""
        requests: list[dict[str, Any]] = []
        for contact in contacts:
            requests.append({"PutRequest": {"Item": contact_item(contact)}})
            requests += [{"PutRequest": {"Item": to_item(item)}} for item in word_items(contact)]
            summary = PhoneEntry.of(contact).model_dump(mode="json", exclude_none=True)
            entry = {ENTRY_PREFIX + contact.id: summary}
            for e164 in contact.phone_numbers():
                item = {"pk": phone_pk(contact.tenant, e164), "sk": PHONE_SK, "holders": 1, **entry}
                requests.append({"PutRequest": {"Item": to_item(item)}})
        self._batch_write(requests)

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        for start in range(0, len(requests), 25):
            pending = {self.table: requests[start : start + 25]}
            while pending:
                with translated_errors():
                    pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
