"""Phonet's own contact book ("CRM teler", spec/phonet.md §B2, `/rest/crm/contacts/v2`): what it
answers, read as leniently as the PBX's other answers, and what the hub sends, under the seed's names.

A contact is `{id, firstName, lastName, companyTitle, lastModified, responsibleUserId, dateCreate,
createUserId, fields: [{id, enumCode, values: [{id, enumValueCode, lastModified, value}]}]}`; the
`enumCode`s ("Телефон", "Email", "Категория", ...) differ between accounts, so they are kept as given
and mapped later, never interpreted here. Ids are the PBX's Java `Long`s: read as text (numbers or
strings arrive), sent as JSON numbers.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from hub.models.common import EpochMs, LooseStr, OptionalLooseStr

LONG_MAX = 2**63 - 1


def _none_as_empty(value: Any) -> Any:
    return [] if value is None else value


def _zero_as_none(value: Any) -> Any:
    """The seed's notes show `0` for a time not set; that is no time, not 1970."""
    return None if value in (0, "0", "") else value


def _long(value: Any) -> Any:
    """A PBX id to send: a non-negative whole number, given as a number or as its digits."""
    if isinstance(value, bool):
        raise ValueError("an id is not a boolean")
    if isinstance(value, str):
        if not value.strip().isdigit():
            raise ValueError("an id must be a whole number")
        value = int(value.strip())
    if isinstance(value, int) and not 0 <= value <= LONG_MAX:
        raise ValueError("an id must be a non-negative Long")
    return value


OptionalMs = Annotated[EpochMs | None, BeforeValidator(_zero_as_none)]
OptionalRef = Annotated[OptionalLooseStr, BeforeValidator(_zero_as_none)]  # a note's `0`: no user, no leg
PhonetId = Annotated[int, BeforeValidator(_long)]


def phonet_id(value: str | int) -> int:
    """`value` as the id the PBX wants, or ValueError (a path built from it then cannot escape)."""
    checked = _long(value)
    if not isinstance(checked, int):
        raise ValueError("not a Phonet id")
    return checked


# ---- what the book answers ------------------------------------------------------------------------
class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class PhonetFieldValue(_Answer):
    """One value of a field: `enumValueCode` is its kind ("Рабочий" for a work phone)."""

    id: OptionalLooseStr = None
    enum_value_code: OptionalLooseStr = Field(default=None, alias="enumValueCode")
    last_modified: OptionalMs = Field(default=None, alias="lastModified")
    value: OptionalLooseStr = None


class PhonetContactField(_Answer):
    """A field of a contact with all its values (a contact's phones are one field, many values)."""

    id: OptionalLooseStr = None
    enum_code: OptionalLooseStr = Field(default=None, alias="enumCode")
    values: Annotated[list[PhonetFieldValue], BeforeValidator(_none_as_empty)] = Field(default_factory=list)


class PhonetContact(_Answer):
    """A contact of the book, as `GET /v2/{id}`, the list and `searchByOLNum` answer it."""

    id: LooseStr
    first_name: OptionalLooseStr = Field(default=None, alias="firstName")
    last_name: OptionalLooseStr = Field(default=None, alias="lastName")
    company_title: OptionalLooseStr = Field(default=None, alias="companyTitle")
    last_modified: OptionalMs = Field(default=None, alias="lastModified")
    responsible_user_id: OptionalLooseStr = Field(default=None, alias="responsibleUserId")
    date_create: OptionalMs = Field(default=None, alias="dateCreate")
    create_user_id: OptionalLooseStr = Field(default=None, alias="createUserId")
    fields: Annotated[list[PhonetContactField], BeforeValidator(_none_as_empty)] = Field(default_factory=list)

    def values(self, enum_code: str) -> list[str]:
        """Every value of the fields with `enum_code` (as the account spells it), in the book's order."""
        return [v.value for f in self.fields if f.enum_code == enum_code for v in f.values if v.value]

    def as_body(self) -> ContactBody:
        """This contact as an update would send it back: every field and value with its id."""
        return ContactBody.model_validate(self.model_dump(by_alias=True, exclude_none=True))


class PhonetNote(_Answer):
    """A note on a contact (a call's uuid, talk seconds, recording, number; or free `content`)."""

    id: LooseStr
    element_id: OptionalRef = Field(default=None, alias="elementId")
    element_type: int | None = Field(default=None, alias="elementType")
    note_type: int | None = Field(default=None, alias="noteType")
    date_create: OptionalMs = Field(default=None, alias="dateCreate")
    last_modified: OptionalMs = Field(default=None, alias="lastModified")
    content: OptionalLooseStr = None
    responsible_user_id: OptionalRef = Field(default=None, alias="responsibleUserId")
    other_leg_num: OptionalLooseStr = Field(default=None, alias="otherLegNum")
    other_leg_name: OptionalLooseStr = Field(default=None, alias="otherLegName")
    status: OptionalLooseStr = None
    error_msg: OptionalLooseStr = Field(default=None, alias="errorMsg")
    uuid: OptionalLooseStr = None
    end: OptionalMs = None
    leg_id: OptionalRef = Field(default=None, alias="legId")
    logic_direction: int | None = Field(default=None, alias="logicDirection")
    bill_sec: int | None = Field(default=None, alias="billSec", ge=0)
    record_link: OptionalLooseStr = Field(default=None, alias="recordLink")
    trunk: OptionalLooseStr = None
    tag: OptionalLooseStr = None

    def as_body(self) -> NoteBody:
        """This note as an update sends it (PUT replaces the note with what it is given)."""
        return NoteBody.model_validate(self.model_dump(by_alias=True, exclude_none=True))


class BatchResult(_Answer):
    """`POST /v2/batch`'s 201: how many contacts were saved and how many were not."""

    succeeded: int = Field(ge=0)
    failed: int = Field(ge=0)


# ---- what the hub sends ---------------------------------------------------------------------------
class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    def wire(self) -> dict[str, Any]:
        """The JSON body under the seed's names, with only what was set: an update replaces what it
        names, so a key the caller never set must not go out as null."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class FieldValueBody(_Body):
    id: PhonetId | None = None  # None or absent: a new value
    enum_value_code: str | None = Field(default=None, alias="enumValueCode")
    last_modified: int | None = Field(default=None, alias="lastModified")
    value: str | None = None


class ContactFieldBody(_Body):
    id: PhonetId | None = None
    enum_code: str | None = Field(default=None, alias="enumCode")
    values: list[FieldValueBody] = Field(default_factory=list)


class ContactBody(_Body):
    """A contact to update (`id` required) or to load in a batch (`id` optional: with `merge` the PBX
    joins it to the contact it matches). `fields`, when set, replaces the contact's fields."""

    id: PhonetId | None = None
    first_name: str | None = Field(default=None, alias="firstName")
    last_name: str | None = Field(default=None, alias="lastName")
    company_title: str | None = Field(default=None, alias="companyTitle")
    last_modified: int | None = Field(default=None, alias="lastModified")
    responsible_user_id: PhonetId | None = Field(default=None, alias="responsibleUserId")
    date_create: int | None = Field(default=None, alias="dateCreate")
    create_user_id: PhonetId | None = Field(default=None, alias="createUserId")
    fields: list[ContactFieldBody] = Field(default_factory=list)


class NoteBody(_Body):
    """A note to add (`id` 0) or update (`id` the note's). Sent whole, every key the seed shows with its
    default, because the seed's bodies are whole and it answers 400 when "a parameter is missing"."""

    id: PhonetId = 0
    element_id: PhonetId = Field(default=0, alias="elementId")
    element_type: int = Field(default=0, alias="elementType")
    note_type: int = Field(default=0, alias="noteType")
    date_create: int = Field(default=0, alias="dateCreate")
    last_modified: int = Field(default=0, alias="lastModified")
    content: str | None = None
    responsible_user_id: PhonetId = Field(default=0, alias="responsibleUserId")
    other_leg_num: str = Field(default="", alias="otherLegNum")
    other_leg_name: str | None = Field(default=None, alias="otherLegName")
    status: str | None = None
    error_msg: str | None = Field(default=None, alias="errorMsg")
    uuid: str = ""
    end: int = 0
    leg_id: PhonetId = Field(default=0, alias="legId")
    logic_direction: int = Field(default=0, alias="logicDirection")
    bill_sec: int = Field(default=0, alias="billSec", ge=0)
    record_link: str = Field(default="", alias="recordLink")
    trunk: str = ""
    tag: str = ""

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)
