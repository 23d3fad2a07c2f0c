"""Call records: one per conversation, merged from however many PBX events arrive, in any order."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

# The attribution labels the hub keeps on a call or contact, under its own names (Phonet's UTM
# labels, §A3, are translated to these; the pages show each under a readable label).
ATTRIBUTION_KEYS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "google_client_id",
    "client_ip",
    "referrer",
    "label",
    "trunk_source",
)


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


class CallState(IntEnum):
    """Only ever moves forward."""

    RINGING = 1
    ANSWERED = 2
    ENDED = 3


class CallStatus(StrEnum):
    """How an ended call went."""

    ANSWERED = "answered"
    MISSED = "missed"  # inbound, nobody answered
    NO_ANSWER = "no_answer"  # outbound or internal, the other side did not answer


class MergeOutcome(StrEnum):
    """What merging one vendor record (a history row, a robot call's outcome) did to the call log:
    the sync counts these, and a second run over the same rows must answer UNCHANGED for each."""

    CREATED = "created"
    MERGED = "merged"
    UNCHANGED = "unchanged"


class Disposition(StrEnum):
    """How one leg of a finished call ended, as the PBX's call history says (Phonet's codes 0-4)."""

    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    CONGESTED = "congested"  # no answer: the route was congested
    DIAL_ERROR = "dial_error"  # no answer: dialing failed
    BUSY = "busy"  # no answer: the callee set "busy"


class LegEvent(BaseModel):
    """What one PBX event said about one leg of a call, normalized (numbers E.164, times in ms)."""

    event: str  # dial | bridge | hangup
    uuid: str
    parent_uuid: str | None = None
    direction: Direction | None = None
    dial_at: int | None = None
    bridge_at: int | None = None
    server_time: int | None = None
    # When the hub got it: the best estimate of an event's time when the PBX sent no serverTime.
    received_at: int | None = None
    employee_ext: str | None = None
    employee_name: str | None = None
    employee_pbx_id: str | None = None
    employee2_ext: str | None = None
    other_number: str | None = None  # E.164 when it parsed
    other_number_raw: str | None = None
    other_name: str | None = None
    trunk_num: str | None = None
    trunk_name: str | None = None
    account_domain: str | None = None  # the PBX the event came from
    # Where this leg's recording is (or will be, once the talk ended): the vendor's translator knows.
    recordings: list[str] = Field(default_factory=list)


class HistoryLeg(BaseModel):
    """What the PBX's call history says of one finished leg (hub.ports.vendors.FinishedCall, kept on
    the call): the PBX's own end time, talk and total seconds, disposition, transfers, recording.
    Its field names are the leg events' where they mean the same, so one derivation reads both."""

    uuid: str
    parent_uuid: str | None = None
    direction: Direction | None = None
    ended_at: int
    answered: bool = False
    talk_seconds: int = 0
    total_seconds: int = 0
    other_number: str | None = None
    other_number_raw: str | None = None
    other_name: str | None = None
    employee_ext: str | None = None
    employee_name: str | None = None
    employee_pbx_id: str | None = None
    employee2_ext: str | None = None
    disposition: Disposition | None = None
    transfer_history: str | None = None
    trunk_num: str | None = None
    recording: str | None = None

    @property
    def started_at(self) -> int:
        """When the leg began ringing, by the PBX's clock: its end less its total seconds."""
        return self.ended_at - self.total_seconds * 1000

    @property
    def answered_at(self) -> int:
        """When the leg's talk began, by the PBX's clock: its end less its talk seconds."""
        return self.ended_at - self.talk_seconds * 1000


class RobotReport(BaseModel):
    """What one source said of a robot call: its result webhook (`webhook`: the recording, the
    recognized answer, when it arrived) or the dialer's cdr (`cdr`: the code, the seconds, the time
    of the last attempt by the dialer's clock). The call is derived from the reports it has."""

    at: int
    phone: str | None = None  # E.164 when it parsed
    phone_raw: str | None = None
    seconds: int | None = None
    code: str | None = None
    recording: str | None = None
    answer: str | None = None
    dial_record: str | None = None  # the UUID we sent with the record
    job_id: str | None = None


@dataclass(frozen=True)
class PresenceChange:
    """An employee paused or came back, as the PBX said: away/back by extension; `at` in ms, None
    when the PBX gave no time (its arrival is then the best guess). No extension: nothing to set."""

    ext: str | None
    status: str  # away | back
    at: int | None = None


class TimeSource(StrEnum):
    """Where a call's time came from: the PBX's own clock, or the hub's receipt of the event (an
    approximation the call history sync may correct)."""

    PBX = "pbx"
    RECEIVED = "received"


class Call(BaseModel):
    tenant: str
    uuid: str  # the conversation: a department call's parent uuid, else the call's own
    source: str = "phonet"
    # leg uuid -> event name -> what that event said; the fields below are derived from these alone.
    legs: dict[str, dict[str, LegEvent]] = Field(default_factory=dict)
    # leg uuid -> the PBX's call history row of that leg: derived from together with `legs`.
    history: dict[str, HistoryLeg] = Field(default_factory=dict)
    # A robot call's reports by source (webhook | cdr): its fields are derived from these alone.
    robot_reports: dict[str, RobotReport] = Field(default_factory=dict)
    direction: Direction | None = None
    state: CallState = CallState.RINGING
    status: CallStatus | None = None
    dial_at: int | None = None
    bridge_at: int | None = None
    ended_at: int | None = None
    talk_seconds: int | None = None
    total_seconds: int | None = None  # ringing and talk, as the call history counts it
    disposition: Disposition | None = None  # the call history's word on how it ended
    transfer_history: str | None = None  # the extensions it went through, e.g. "003 > 001"
    bridge_at_source: TimeSource | None = None
    ended_at_source: TimeSource | None = None
    employee_ext: str | None = None
    employee_name: str | None = None
    employee_id: str | None = None
    employee2_ext: str | None = None
    answered_leg: str | None = None
    other_number: str | None = None
    other_number_raw: str | None = None
    other_name: str | None = None
    trunk_num: str | None = None
    trunk_name: str | None = None
    account_domain: str | None = None
    recordings: list[str] = Field(default_factory=list)
    contact_ids: list[str] = Field(default_factory=list)
    utm: dict[str, Any] | None = None
    lead_pending: bool = False
    # Set once the call's effect on the callback list was applied, so a replay cannot apply it twice.
    callback_effects: list[str] = Field(default_factory=list)
    # Fields of a robot or imported call that no PBX event derives (e.g. Avtodialer's recognized answer).
    extra: dict[str, Any] = Field(default_factory=dict)
    created_at: int = 0
    updated_at: int = 0
    version: int = 0
    # Which of `legs` the store keeps in items of their own (a call with very many legs): storage only.
    _legs_apart: set[str] = PrivateAttr(default_factory=set)

    @property
    def is_external(self) -> bool:
        return self.direction in (Direction.INBOUND, Direction.OUTBOUND)


class Miss(BaseModel):
    """One missed call as its callback shows it, kept when the miss is counted so the list never
    reads the calls: when, the tenant's line it came in on, and the extensions it rang."""

    at: int = 0
    line: str | None = None  # the trunk's number (E.164)
    line_name: str | None = None
    rung: list[str] = Field(default_factory=list)  # extensions, sorted


class Callback(BaseModel):
    """Missed calls from one number still to return; repeated misses are one callback with a count."""

    tenant: str
    phone: str
    open: bool = False
    count: int = 0
    first_missed_at: int | None = None
    last_missed_at: int | None = None
    missed_calls: list[str] = Field(default_factory=list)
    # The counted misses by call uuid (the ones in `missed_calls`): a dict, so the order they were
    # counted in does not matter, and a miss taken back takes its details with it.
    misses: dict[str, Miss] = Field(default_factory=dict)
    last_answered_at: int | None = None
    closed_at: int | None = None
    closed_by_employee_ext: str | None = None
    closed_by_call: str | None = None
    # Who is to call back (an employee id), chosen on the callbacks page; cleared when it is returned.
    assigned_to: str | None = None
    assigned_by: str | None = None
    assigned_at: int | None = None
    version: int = 0

    @property
    def lines(self) -> list[tuple[str, str | None]]:
        """The tenant's lines the misses came in on, (number, name), the latest miss's first."""
        found: dict[str, str | None] = {}
        for miss in sorted(self.misses.values(), key=lambda m: (-m.at, m.line or "")):
            if miss.line and found.get(miss.line) is None:  # a line's latest name that is known
                found[miss.line] = miss.line_name
        return list(found.items())

    @property
    def missed_by(self) -> list[str]:
        """The extensions the misses rang, each once, sorted."""
        return sorted({ext for miss in self.misses.values() for ext in miss.rung})


class PendingAttribution(BaseModel):
    """UTM labels for a call the hub has not logged yet: kept (and dropped by TTL) until the call's
    first save takes them, so attribution never creates a call of its own."""

    tenant: str
    call_uuid: str
    labels: dict[str, Any] = Field(default_factory=dict)
    expires_at: int = 0  # epoch seconds, DynamoDB's TTL
    version: int = 0
