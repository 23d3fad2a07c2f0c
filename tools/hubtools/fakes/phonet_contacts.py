"""The Phonet PBX's own contact book ("CRM teler", seed §"CRM teler. Контакты", spec/phonet.md §B2).

Plain state with the seed's validation rules; ``PhonetFake`` maps it onto ``/rest/crm/contacts/v2``.
Errors are werkzeug exceptions, which the fake answers as Phonet's plain-text errors. What the seed
leaves open is decided here once, and said where it is decided:

* ids (path, body, notes) are Java ``Long``: a number (``7068``, ``7068.0``) or a numeric string
  (blanks trimmed) is accepted, anything else (``true``, ``"7a"``, ``1.5``) is a 400, as a JSON
  binder would answer;
* string fields take numbers too (a phone sent as ``380440000000`` is stored as text);
* the list answers a JSON array (the seed's example shows one element of it);
* ``field`` (repeatable) narrows ``searchText`` to fields with those ``enumCode`` values (our reading);
  ``from``/``to`` apply only together with ``filterBy``;
* ``searchByOLNum`` compares digits only, so ``+380 44 000-00-00`` and ``380440000000`` match;
* update (``POST /v2/``) replaces the contact's ``fields`` with the body's (a client must send the whole
  contact, the strict reading); an unknown id is a 404, like get;
* batch ``merge=1`` merges into the contact with the same id or sharing a phone number (values unioned
  per ``enumCode``; a value carrying one of the field's value ids replaces that value), ``merge=0``
  saves each contact as given, so a resent batch duplicates contacts;
* field and value ids are the PBX's: ones the contact has are kept, others (absent, 0, another
  contact's) are replaced by fresh ones;
* delete and note routes answer 404 for an unknown contact or note.
"""

from __future__ import annotations

import copy
import itertools
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import BadRequest, NotFound

FIRST_ID = 7068  # the seed's example contact id
DEFAULT_LIMIT, CONTACTS_MAX_LIMIT = 30, 60
PHONE_CODES = ("Телефон",)
LONG_RE = re.compile(r"-?\d{1,19}")
CONTACT_TEXT = ("firstName", "lastName", "companyTitle")
NOTE_TEMPLATE: dict[str, Any] = {  # the seed's note, field for field
    "id": 0,
    "elementId": 0,
    "elementType": 0,
    "noteType": 0,
    "dateCreate": 0,
    "lastModified": 0,
    "content": None,
    "responsibleUserId": 0,
    "otherLegNum": "",
    "otherLegName": None,
    "status": None,
    "errorMsg": None,
    "uuid": "",
    "end": 0,
    "legId": 0,
    "logicDirection": 0,
    "billSec": 0,
    "recordLink": "",
    "trunk": "",
    "tag": "",
}
NOTE_LONGS = tuple(k for k, v in NOTE_TEMPLATE.items() if isinstance(v, int))
NOTE_OWNED = ("id", "elementId", "dateCreate", "lastModified")  # set by the PBX, not the client


def now_ms() -> int:
    return int(time.time() * 1000)


def as_long(value: Any, name: str, *, required: bool = False) -> int | None:
    """A Java Long from JSON: a number or a numeric string; None when absent (400 if ``required``)."""
    if value is None or value == "":
        if required:
            raise BadRequest(f"{name} is not set")
        return None
    if isinstance(value, float) and value.is_integer():  # a JSON binder takes 7068.0 for 7068
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadRequest(f"{name} must be a number")
    if isinstance(value, str) and not LONG_RE.fullmatch(value := value.strip()):
        raise BadRequest(f"{name} must be a number")
    number = int(value)
    if not -(2**63) <= number < 2**63:
        raise BadRequest(f"{name} is out of range")
    return number


def as_text(value: Any, name: str) -> str | None:
    """A Java String from JSON: text, or a number written as text; objects and lists are a 400."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise BadRequest(f"{name} must be a string")


def digits(text: Any) -> str:
    return re.sub(r"\D", "", str(text or ""))


def contact_body(
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    company: str | None = None,
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    category: str | None = None,
    responsible_user_id: int | None = None,
) -> dict[str, Any]:
    """A contact in the seed's shape from plain values (for seeding the fake)."""
    fields: list[dict[str, Any]] = []

    def add(code: str, value_code: str, values: Iterable[str | None]) -> None:
        vals = [{"enumValueCode": value_code, "value": v} for v in values if v]
        if vals:
            fields.append({"enumCode": code, "values": vals})

    add("Имя", "Имя", [first_name])
    add("Фамилия", "Фамилия", [last_name])
    add("Телефон", "Рабочий", phones)
    add("Email", "Email рабочий", emails)
    add("Компания", "Компания", [company])
    add("Категория", "Категория", [category])
    return {
        "firstName": first_name,
        "lastName": last_name,
        "companyTitle": company,
        "responsibleUserId": responsible_user_id,
        "fields": fields,
    }


class ContactBook:
    """Contacts and their notes, one id sequence for contacts, fields, values and notes."""

    def __init__(self, *, phone_codes: Iterable[str] = PHONE_CODES, clock: Callable[[], int] = now_ms):
        self.phone_codes = frozenset(phone_codes)
        self.clock = clock
        self.contacts: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, dict[int, dict[str, Any]]] = {}
        self._ids = itertools.count(FIRST_ID)

    # ---- contacts --------------------------------------------------------------------------------
    def create(self, body: Any, *, user_id: int | None = None) -> dict[str, Any]:
        """Store a new contact with fresh ids (any ids in ``body`` are ignored)."""
        contact = self._clean(body)
        for f in contact.get("fields", []):
            f["id"] = None
            for v in f["values"]:
                v["id"] = None
        now = self.clock()
        cid = next(self._ids)
        contact = {  # the seed's key order
            "id": cid,
            **{k: contact.get(k) for k in CONTACT_TEXT},
            "lastModified": now,
            "responsibleUserId": contact.get("responsibleUserId") or user_id,
            "dateCreate": now,
            "createUserId": user_id,
            "fields": self._with_ids(contact.get("fields", []), now),
        }
        self.contacts[cid] = contact
        self.notes[cid] = {}
        return copy.deepcopy(contact)

    def get(self, cid: int) -> dict[str, Any]:
        return copy.deepcopy(self._contact(cid))

    def page(
        self,
        *,
        offset: int,
        limit: int,
        search_text: str | None = None,
        search_note_text: str | None = None,
        fields: Iterable[str] = (),
        filter_by: int | None = None,
        t_from: int | None = None,
        t_to: int | None = None,
    ) -> list[dict[str, Any]]:
        if filter_by not in (None, 0, 1):
            raise BadRequest("filterBy must be 1 (modified) or 0 (created)")
        codes = frozenset(fields)
        stamp = {None: None, 0: "dateCreate", 1: "lastModified"}[filter_by]
        out = []
        for cid, c in sorted(self.contacts.items()):
            if search_text and not self._text_matches(c, search_text.casefold(), codes):
                continue
            if search_note_text and not any(
                search_note_text.casefold() in str(n.get("content") or "").casefold()
                for n in self.notes[cid].values()
            ):
                continue
            if stamp and not ((t_from is None or c[stamp] >= t_from) and (t_to is None or c[stamp] <= t_to)):
                continue
            out.append(c)
        return copy.deepcopy(out[offset : offset + limit])

    def search_by_num(self, number: str, *, offset: int, limit: int) -> list[dict[str, Any]]:
        wanted = digits(number)
        found = [c for _, c in sorted(self.contacts.items()) if wanted and wanted in self._phones(c)]
        return copy.deepcopy(found[offset : offset + limit])

    def update(self, body: Any) -> None:
        """Replace the contact named by ``body.id`` with the body's values (400 no id, 404 unknown)."""
        if not isinstance(body, dict):
            raise BadRequest("body must be a contact")
        cid = as_long(body.get("id"), "id", required=True)
        current = self._contact(cid or 0)
        self._save(current, self._clean(body))

    def delete(self, cid: int) -> None:
        self._contact(cid)
        del self.contacts[cid]
        del self.notes[cid]

    def batch(self, body: Any, *, user_id: int | None = None) -> dict[str, int]:
        if not isinstance(body, dict) or not isinstance(body.get("contacts"), list):
            raise BadRequest('body must be {"merge": 1|0, "contacts": [...]}')
        merge = as_long(body.get("merge"), "merge") or 0
        if merge not in (0, 1):
            raise BadRequest("merge must be 1 or 0")
        succeeded = failed = 0
        for item in body["contacts"]:
            try:
                self._batch_one(item, bool(merge), user_id)
            except BadRequest:
                failed += 1
            else:
                succeeded += 1
        return {"succeeded": succeeded, "failed": failed}

    # ---- notes -----------------------------------------------------------------------------------
    def list_notes(self, cid: int) -> list[dict[str, Any]]:
        self._contact(cid)
        return copy.deepcopy([n for _, n in sorted(self.notes[cid].items())])

    def add_note(self, cid: int, body: Any) -> dict[str, Any]:
        self._contact(cid)
        note = self._clean_note(body)
        now = self.clock()
        nid = next(self._ids)
        saved = {**NOTE_TEMPLATE, **note, "id": nid, "elementId": cid, "dateCreate": now, "lastModified": now}
        self.notes[cid][nid] = saved
        return copy.deepcopy(saved)

    def update_note(self, cid: int, body: Any) -> None:
        self._contact(cid)
        nid = as_long(body.get("id") if isinstance(body, dict) else None, "id", required=True) or 0
        note = self._note(cid, nid)
        note.update(self._clean_note(body))
        note["lastModified"] = self.clock()

    def delete_note(self, cid: int, nid: int) -> None:
        self._contact(cid)
        self._note(cid, nid)
        del self.notes[cid][nid]

    # ---- internals -------------------------------------------------------------------------------
    def _contact(self, cid: int) -> dict[str, Any]:
        contact = self.contacts.get(cid)
        if contact is None:
            raise NotFound(f"Contact {cid} not found")
        return contact

    def _note(self, cid: int, nid: int) -> dict[str, Any]:
        note = self.notes[cid].get(nid)
        if note is None:
            raise NotFound(f"Note {nid} of contact {cid} not found")
        return note

    def _clean(self, body: Any) -> dict[str, Any]:
        """The client-settable part of a contact, type-checked (400 on a wrong shape)."""
        if not isinstance(body, dict):
            raise BadRequest("contact must be an object")
        out: dict[str, Any] = {k: as_text(body[k], k) for k in CONTACT_TEXT if k in body}
        if "responsibleUserId" in body:
            out["responsibleUserId"] = as_long(body["responsibleUserId"], "responsibleUserId")
        if "fields" in body:
            raw = body["fields"] if body["fields"] is not None else []
            if not isinstance(raw, list):
                raise BadRequest("fields must be a list")
            out["fields"] = [self._clean_field(f) for f in raw]
        return out

    @staticmethod
    def _clean_field(field: Any) -> dict[str, Any]:
        if not isinstance(field, dict) or not isinstance(field.get("values", []), list | None):
            raise BadRequest("a field must be {enumCode, values: [...]}")
        values = []
        for v in field.get("values") or []:
            if not isinstance(v, dict):
                raise BadRequest("a field value must be {enumValueCode, value}")
            values.append(
                {
                    "id": as_long(v.get("id"), "values.id"),
                    "enumValueCode": as_text(v.get("enumValueCode"), "enumValueCode"),
                    "value": as_text(v.get("value"), "value"),
                }
            )
        return {
            "id": as_long(field.get("id"), "fields.id"),
            "enumCode": as_text(field.get("enumCode"), "enumCode"),
            "values": values,
        }

    def _with_ids(
        self, fields: list[dict[str, Any]], now: int, known: frozenset[int] = frozenset()
    ) -> list[dict[str, Any]]:
        """Fields and values as stored: ``lastModified`` on values, and an id for each. The PBX assigns
        ids: one the contact already has (``known``) is kept, any other (0, absent, another contact's,
        made up) gets a fresh one, so two rows never share an id."""

        def kept(row_id: int | None) -> int:
            return row_id if row_id in known else next(self._ids)

        out = []
        for f in fields:
            values = [{**v, "id": kept(v["id"]), "lastModified": now} for v in f["values"]]
            out.append({**f, "id": kept(f["id"]), "values": values})
        return out

    def _save(self, current: dict[str, Any], changes: dict[str, Any]) -> None:
        now = self.clock()
        if "fields" in changes:
            changes["fields"] = self._with_ids(changes["fields"], now, _row_ids(current))
        current.update(changes)
        current["lastModified"] = now

    def _merge(self, current: dict[str, Any], incoming: dict[str, Any]) -> None:
        """Join ``incoming`` to ``current``: non-null values win; per ``enumCode``, a value with the id of
        one of the field's values replaces it, any other is added unless the field holds it already
        (phones compared by digits)."""
        now = self.clock()
        for k, v in incoming.items():
            if k != "fields" and v is not None:
                current[k] = v
        by_code = {f["enumCode"]: f for f in current["fields"]}
        for f in incoming.get("fields", []):
            mine = by_code.get(f["enumCode"])
            if mine is None:
                (added,) = self._with_ids([f], now)
                current["fields"].append(added)
                by_code[f["enumCode"]] = added
                continue
            by_id = {v["id"]: v for v in mine["values"]}
            held = {_value_key(v) for v in mine["values"]}
            for v in f["values"]:
                if v["id"] in by_id:
                    by_id[v["id"]].update({**v, "id": v["id"], "lastModified": now})
                elif _value_key(v) not in held:
                    mine["values"].append({**v, "id": next(self._ids), "lastModified": now})
                    held.add(_value_key(v))
        current["lastModified"] = now

    def _batch_one(self, item: Any, merge: bool, user_id: int | None) -> None:
        incoming = self._clean(item)
        cid = as_long(item.get("id"), "id")
        current = self.contacts.get(cid) if cid else None
        if merge and current is None:
            phones = self._phones({"fields": incoming.get("fields", [])})
            current = next((c for _, c in sorted(self.contacts.items()) if phones & self._phones(c)), None)
        if current is None:
            self.create(incoming, user_id=user_id)
        elif merge:
            self._merge(current, incoming)
        else:
            self._save(current, incoming)

    def _phones(self, contact: dict[str, Any]) -> set[str]:
        return {
            digits(v.get("value"))
            for f in contact.get("fields", [])
            if f.get("enumCode") in self.phone_codes
            for v in f.get("values", [])
            if digits(v.get("value"))
        }

    @staticmethod
    def _text_matches(contact: dict[str, Any], needle: str, codes: frozenset[str]) -> bool:
        texts = [] if codes else [contact.get(k) for k in CONTACT_TEXT]
        chosen = [f for f in contact["fields"] if not codes or f["enumCode"] in codes]
        texts += [v.get("value") for f in chosen for v in f["values"]]
        return any(needle in str(t).casefold() for t in texts if t)

    @staticmethod
    def _clean_note(body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise BadRequest("body must be a note")
        out: dict[str, Any] = {}
        for k, default in NOTE_TEMPLATE.items():
            if k not in body or k in NOTE_OWNED:
                continue
            if k in NOTE_LONGS:
                out[k] = as_long(body[k], k) or 0
            else:
                out[k] = as_text(body[k], k) if body[k] is not None else default
        return out


def _row_ids(contact: dict[str, Any]) -> frozenset[int]:
    """The ids of a contact's fields and values."""
    fields = contact.get("fields", [])
    return frozenset([f["id"] for f in fields] + [v["id"] for f in fields for v in f["values"]])


def _value_key(value: dict[str, Any]) -> str:
    """What makes two values of a field the same: a phone's digits, else the text as given."""
    return digits(value.get("value")) or str(value.get("value"))


__all__ = ["CONTACTS_MAX_LIMIT", "DEFAULT_LIMIT", "ContactBook", "as_long", "contact_body"]
