"""What the REST API takes and answers: its OpenAPI document is generated from these models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, WithJsonSchema

from hub.domain.contacts import ContactInput, PhoneInput
from hub.domain.imports import MAX_IMPORT_ROWS
from hub.domain.tenants import TenantContext
from hub.models.call import Call, Callback, CallState, CallStatus, Direction, Disposition, HistoryLeg
from hub.models.call import LegEvent as LegSnapshot
from hub.models.contact import (
    ADDRESS_LENGTH,
    DESCRIPTION_LENGTH,
    EMAIL_LENGTH,
    ID_LENGTH,
    MAX_EXTERNAL_CODES,
    MAX_PHONES,
    NAME_LENGTH,
    Contact,
    ContactType,
)
from hub.models.tenant import (
    SLUG_PATTERN,
    ApiKey,
    AvtodialerFields,
    BookField,
    Employee,
    Language,
    NumberFormat,
    TenantSettings,
)
from hub.vendors.phonet.translate import DIRECTION_CODES

MAX_PAGE_SIZE = 100


LATEST_MS = 9_999_999_999_999


def _moment(value: Any) -> Any:
    """An ISO 8601 date-time (UTC unless it says otherwise) or seconds/milliseconds since 1970, as
    UTC milliseconds within [0, LATEST_MS]."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.isascii() and text.isdigit():
        number = int(text)
        ms = number * 1000 if number < 10**11 else number
    else:
        try:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            ms = int(moment.timestamp() * 1000)
        except (ValueError, OverflowError) as exc:
            raise ValueError("expected an ISO 8601 date-time or a Unix timestamp") from exc
    return min(max(ms, 0), LATEST_MS)


Moment = Annotated[
    int,
    BeforeValidator(_moment),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date-time"},
                {"type": "string", "pattern": "^[0-9]{1,13}$"},
            ],
            "description": "ISO 8601 date-time, or seconds or milliseconds since 1970",
        }
    ),
]


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    """Every error the API answers."""

    error: ErrorDetail


# -- contacts ------------------------------------------------------------------------------------


class ContactCreate(ContactInput):
    """A new contact; numbers in any form the tenant's default country makes sense of."""

    phones: list[PhoneInput] = Field(default_factory=list, max_length=MAX_PHONES)


class ContactPatch(BaseModel):
    """The fields to change; a field sent as null is cleared. `version`, when given, must be the
    contact's current version (else 409); the `If-Match` header does the same with 412."""

    model_config = ConfigDict(extra="forbid")

    type: ContactType | None = None
    name: str | None = Field(default=None, max_length=NAME_LENGTH)
    company: str | None = Field(default=None, max_length=NAME_LENGTH)
    description: str | None = Field(default=None, max_length=DESCRIPTION_LENGTH)
    email: str | None = Field(default=None, max_length=EMAIL_LENGTH)
    address: str | None = Field(default=None, max_length=ADDRESS_LENGTH)
    www: str | None = Field(default=None, max_length=ADDRESS_LENGTH)
    phones: list[PhoneInput] | None = Field(default=None, max_length=MAX_PHONES)
    external_codes: dict[str, str] | None = Field(default=None, max_length=MAX_EXTERNAL_CODES)
    responsible_employee_id: str | None = Field(default=None, max_length=ID_LENGTH)
    source: str | None = Field(default=None, max_length=NAME_LENGTH)
    category: str | None = Field(default=None, max_length=NAME_LENGTH)
    extra_fields: dict[str, list[str]] | None = None  # replaces them all; limits as ContactInput's
    version: int | None = Field(default=None, ge=1)


class ContactList(BaseModel):
    items: list[Contact]
    next_cursor: str | None = None


class ImportRequest(BaseModel):
    """Rows are contacts (as in POST /contacts), checked one by one: a bad row fails alone.
    With `merge`, a row updates the contact holding its external code, else its number (numbers and
    codes are added, given fields replaced) and creates one only when nobody matches.
    Up to 100 rows are applied before the answer (200, one result per row); more become a job
    (202: poll its `status_url`). With an Idempotency-Key, a retry answers the same import and
    creates nobody twice; the same key with other rows is a 409."""

    model_config = ConfigDict(extra="forbid")

    merge: StrictBool = False  # `0` is not a boolean: the document says so, the API agrees
    rows: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_IMPORT_ROWS)


class ImportRow(BaseModel):
    """One row's outcome: `unchanged` when the contact already held all it gives (no new version),
    `skipped` when the row was not a contact to import (`error` says why). `ref` is the row's id in
    the system it came from (a Phonet contact id), `notes` what was kept elsewhere than asked."""

    row: int
    status: Literal["created", "updated", "unchanged", "skipped", "failed"]
    id: str | None = None
    ref: str | None = None
    notes: list[str] = Field(default_factory=list)
    error: ErrorDetail | None = None


class ImportResult(BaseModel):
    created: int
    updated: int
    failed: int
    unchanged: int = 0
    skipped: int = 0
    rows: list[ImportRow]
    job_id: str | None = None


class ImportJob(BaseModel):
    """An import applied in the background, a chunk of rows at a time. Counters grow as chunks
    finish; `rows` holds a page of per-row results (each with its row index), `next_cursor` the next."""

    job_id: str
    status: Literal["planning", "queued", "running", "done"]
    status_url: str
    merge: bool
    total: int
    created: int
    updated: int
    failed: int
    unchanged: int = 0
    skipped: int = 0
    source: str | None = None  # where the rows came from: "phonet" for Phonet's contact book
    chunks: int
    chunks_done: int
    submitted_at: int
    finished_at: int | None = None
    rows: list[ImportRow] = Field(default_factory=list)
    next_cursor: str | None = None


# -- calls ---------------------------------------------------------------------------------------


class CallSummary(BaseModel):
    """A call as lists show it (timestamps are UTC milliseconds)."""

    uuid: str
    source: str
    direction: Direction | None = None
    state: Literal["ringing", "answered", "ended"]
    status: CallStatus | None = None
    dial_at: int | None = None
    bridge_at: int | None = None
    ended_at: int | None = None
    talk_seconds: int | None = None
    total_seconds: int | None = Field(
        default=None, description="Ringing and talk, in seconds, as the PBX's call history counts it"
    )
    disposition: Disposition | None = Field(
        default=None, description="How it ended, by the PBX's call history"
    )
    transfer_history: str | None = Field(
        default=None, description='The extensions it went through, e.g. "003 > 001" (call history)'
    )
    employee_id: str | None = None
    employee_ext: str | None = None
    employee_name: str | None = None
    other_number: str | None = None
    other_name: str | None = None
    trunk_num: str | None = None
    trunk_name: str | None = None
    contact_ids: list[str] = Field(default_factory=list)
    recordings: list[str] = Field(default_factory=list)
    utm: dict[str, Any] | None = None
    updated_at: int = 0

    @classmethod
    def of(cls, call: Call) -> CallSummary:
        data = call.model_dump(include=set(cls.model_fields) - {"state"})
        return cls(**data, state=CallState(call.state).name.lower())


class LegEvent(BaseModel):
    """What one PBX event said about one leg of a call, normalized (numbers E.164, times in ms)."""

    event: str  # dial | bridge | hangup
    uuid: str
    parent_uuid: str | None = None
    direction_code: int  # the PBX's own code for the direction (Phonet's lgDirection)
    dial_at: int | None = None
    bridge_at: int | None = None
    server_time: int | None = None
    received_at: int | None = None
    employee_ext: str | None = None
    employee_name: str | None = None
    employee_pbx_id: str | None = None
    employee2_ext: str | None = None
    other_number: str | None = None
    other_number_raw: str | None = None
    other_name: str | None = None
    trunk_num: str | None = None
    trunk_name: str | None = None
    account_domain: str | None = None

    @classmethod
    def of(cls, snapshot: LegSnapshot) -> LegEvent:
        """0 for `direction_code` when the event named no direction."""
        data = snapshot.model_dump(include=set(cls.model_fields) - {"direction_code"})
        return cls(**data, direction_code=DIRECTION_CODES[snapshot.direction] if snapshot.direction else 0)


class HistoryRow(BaseModel):
    """What the PBX's call history said about one finished leg of a call (times in ms)."""

    uuid: str
    parent_uuid: str | None = None
    direction_code: int  # the PBX's own code for the direction (Phonet's lgDirection)
    ended_at: int
    answered: bool
    talk_seconds: int
    total_seconds: int
    disposition: Disposition | None = None
    employee_ext: str | None = None
    employee_name: str | None = None
    other_number: str | None = None
    transfer_history: str | None = None
    trunk_num: str | None = None
    recording: str | None = None

    @classmethod
    def of(cls, row: HistoryLeg) -> HistoryRow:
        """0 for `direction_code` when the row named no direction."""
        data = row.model_dump(include=set(cls.model_fields) - {"direction_code"})
        return cls(**data, direction_code=DIRECTION_CODES[row.direction] if row.direction else 0)


class CallDetail(CallSummary):
    """A call with what each PBX event said about each of its legs, in the order they happened, and
    what the PBX's call history said about each leg, in the order they ended."""

    events: list[LegEvent] = Field(default_factory=list)
    history: list[HistoryRow] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def of(cls, call: Call) -> CallDetail:
        events = [event for leg in call.legs.values() for event in leg.values()]
        events.sort(key=lambda e: (e.server_time or e.dial_at or 0, e.uuid, e.event))
        details = {k: v for k, v in call.extra.items() if k != "linked_number"}
        return cls(
            **CallSummary.of(call).model_dump(),
            events=[LegEvent.of(event) for event in events],
            history=[
                HistoryRow.of(row)
                for row in sorted(call.history.values(), key=lambda r: (r.ended_at, r.uuid))
            ],
            details=details,
        )


class CallList(BaseModel):
    items: list[CallSummary]
    next_cursor: str | None = None


# -- callbacks -----------------------------------------------------------------------------------


class CallbackLine(BaseModel):
    """One of the tenant's lines a callback's missed calls came in on."""

    number: str
    name: str | None = None


class CallbackOut(BaseModel):
    """Missed calls from one number: open until someone talks to it or closes it by hand. `lines`
    (the latest miss's first) and `missed_by` (the extensions rung) are known for misses counted
    since the hub kept them; `version` is what an assignment names."""

    phone: str
    open: bool
    count: int = 0
    first_missed_at: int | None = None
    last_missed_at: int | None = None
    missed_calls: list[str] = Field(default_factory=list)
    lines: list[CallbackLine] = Field(default_factory=list)
    missed_by: list[str] = Field(default_factory=list)
    assigned_to: str | None = None
    assigned_at: int | None = None
    closed_at: int | None = None
    closed_by_employee_ext: str | None = None
    closed_by_call: str | None = None
    version: int = 0

    @classmethod
    def of(cls, callback: Callback) -> CallbackOut:
        return cls.model_validate(
            {
                **callback.model_dump(exclude={"misses"}),
                "lines": [{"number": number, "name": name} for number, name in callback.lines],
                "missed_by": callback.missed_by,
            }
        )


class CallbackList(BaseModel):
    items: list[CallbackOut]
    next_cursor: str | None = None


class CloseCallback(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee_id: str | None = Field(default=None, max_length=40)


class AssignCallback(BaseModel):
    """Who is to call back (null: nobody), on the callback's `version` as last read: a callback
    changed meanwhile (assigned by someone else, or missed again) is a 409 `version_mismatch`."""

    model_config = ConfigDict(extra="forbid")

    employee_id: str | None = Field(max_length=40)
    version: int = Field(ge=0, le=10**15)


# -- employees -----------------------------------------------------------------------------------


class EmployeeCreate(BaseModel):
    """A person who takes calls; `login` and `password` let them into the pages and TelefUM's API."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    name: str = Field(min_length=1, max_length=200, pattern=r"\S")
    email: str | None = Field(default=None, max_length=254)
    ext: str | None = Field(default=None, max_length=20)
    login: str | None = Field(default=None, max_length=100, pattern=r"^\s*[A-Za-z0-9._@+-]+\s*$")
    password: str | None = Field(default=None, min_length=8, max_length=200)
    obzvonilka_user_id: str | None = Field(default=None, max_length=40)


class EmployeePatch(EmployeeCreate):
    """The fields to change; null clears one (a null password removes the login's password).
    `active: false` deactivates, as DELETE does; a changed password or login or a deactivation ends
    the employee's page sessions."""

    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"\S")
    active: StrictBool | None = None


class EmployeeOut(Employee):
    """An employee with their presence as the PBX last reported it (pause: away, unpause: back)."""

    presence: Literal["away", "back"] | None = None
    presence_at: int | None = None

    @classmethod
    def of(cls, employee: Employee, presence: dict[str, Any] | None) -> EmployeeOut:
        status = (presence or {}).get("status")
        return cls(
            **employee.model_dump(),
            presence=status if status in ("away", "back") else None,
            presence_at=(presence or {}).get("at") if status else None,
        )


class EmployeeList(BaseModel):
    items: list[EmployeeOut]
    next_cursor: str | None = None


# -- settings ------------------------------------------------------------------------------------


class CredentialsState(BaseModel):
    """Whether credentials for a vendor are set and when; the secrets themselves are never returned."""

    configured: bool
    updated_at: int | None = None


class SettingsOut(BaseModel):
    slug: str = Field(pattern=SLUG_PATTERN)
    name: str
    default_country: str
    timezone: str
    language: Language
    settings: TenantSettings
    credentials: dict[str, CredentialsState]


class TenantSettingsPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phonet_ip_allowlist_enabled: bool | None = None
    phonet_ip_allowlist: list[str] | None = Field(default=None, max_length=100)
    phonet_split_recording: bool | None = None
    leads_from_inbound: bool | None = None
    leads_from_outbound: bool | None = None
    leads_from_avtodialer: bool | None = None
    own_numbers: list[str] | None = Field(default=None, max_length=100)
    avtodialer_fields: AvtodialerFields | None = None
    public_base_url: str | None = Field(default=None, max_length=300)
    phonet_call_notes: bool | None = None
    # enumCode -> hub field for a Phonet contact-book import (the whole map replaces the old one)
    phonet_book_fields: dict[Annotated[str, Field(min_length=1, max_length=100)], BookField] | None = Field(
        default=None, max_length=100
    )
    phonet_book_sync: bool | None = None


class SettingsPatch(BaseModel):
    """What to change; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    default_country: str | None = Field(default=None, min_length=2, max_length=2)
    timezone: str | None = Field(default=None, max_length=64)
    language: Language | None = None
    settings: TenantSettingsPatch | None = None


# -- API keys ------------------------------------------------------------------------------------


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=100)


class ApiKeyCreated(ApiKey):
    """The new key with its secret: shown this once, only its hash is kept. A retry with the same
    Idempotency-Key is a 409 `secret_shown_once` naming this key (`details.key_id`), never the secret."""

    secret: str


class ApiKeyList(BaseModel):
    items: list[ApiKey]
    next_cursor: str | None = None


# -- vendor credentials and click-to-call ----------------------------------------------------------


class CredentialsIn(BaseModel):
    """A vendor's API credentials; which fields each vendor takes (others are refused):
    phonet `{domain, api_key, base_url?}`, avtodialer `{base_url, api_key, access_token, number_format?}`,
    obzvonilka `{api_key, base_url?}`. In production a `base_url` (and Phonet's `https://{domain}`)
    must be a public https URL. Stored as a secret and never returned; errors never echo it."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    api_key: str = Field(min_length=1, max_length=500)
    domain: str | None = Field(default=None, max_length=253, description="phonet: the PBX domain")
    base_url: str | None = Field(default=None, max_length=300, description="Where the vendor's API is")
    access_token: str | None = Field(default=None, max_length=500, description="avtodialer: the body's token")
    number_format: NumberFormat | None = Field(
        default=None,
        description="avtodialer: how the account wants numbers: domestic (8XXXXXXXXXX for +7, default), "
        "international (digits without +) or e164",
    )


class CallRequest(BaseModel):
    """Place a call from the PBX as an employee: their phone rings first, then the PBX dials the
    contact's number (its first phone, or `phone` among its phones) or `number` (read in the tenant's
    country)."""

    model_config = ConfigDict(extra="forbid")

    employee_id: str = Field(min_length=1, max_length=ID_LENGTH)
    contact_id: str | None = Field(default=None, min_length=1, max_length=ID_LENGTH)
    phone: str | None = Field(default=None, min_length=1, max_length=40, description="with contact_id")
    number: str | None = Field(default=None, min_length=1, max_length=40)


class CallPlaced(BaseModel):
    """The new call's uuid: its webhooks log it as usual, under this uuid."""

    uuid: str


class ActiveCallOut(BaseModel):
    """A call ringing or talking now, as the PBX reports it."""

    uuid: str
    parent_uuid: str | None = None
    direction: Direction | None = None
    state: Literal["ringing", "talking"]
    dial_at: int | None = None
    bridge_at: int | None = None
    employee_ext: str | None = None
    employee_name: str | None = None
    employee_id: str | None = None
    other_number: str | None = None
    other_number_raw: str | None = None
    other_name: str | None = None

    @classmethod
    def of(cls, leg: LegSnapshot, context: TenantContext) -> ActiveCallOut:
        employee = context.employee_by_ext_or_email(leg.employee_ext) if leg.employee_ext else None
        return cls(
            **leg.model_dump(
                include={
                    "uuid",
                    "parent_uuid",
                    "direction",
                    "dial_at",
                    "bridge_at",
                    "employee_ext",
                    "employee_name",
                    "other_number",
                    "other_number_raw",
                    "other_name",
                }
            ),
            state="talking" if leg.bridge_at or leg.event == "bridge" else "ringing",
            employee_id=employee.id if employee else None,
        )


class ActiveCallList(BaseModel):
    items: list[ActiveCallOut]
