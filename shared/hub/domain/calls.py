"""Call logging: one record per conversation, whatever order and however often the PBX's events come.

Every event is kept as a normalized snapshot under its leg and event name (a repeat replaces its twin
only if it is newer), and every field of the record is *derived* from that set of snapshots. The
record therefore depends on which events arrived, never on their order; the state only moves
forward. Writes are conditional on the version read, so concurrent deliveries cannot lose an update:
the loser re-reads, re-merges and usually finds nothing left to write.

The PBX's call history is one more kind of snapshot: each finished leg's row is kept under its leg
(`Call.history`) and the same derivation reads it beside the events, so the webhooks and the history
sync make one record in whichever order they come, and a row read twice writes nothing. A robot call
is kept the same way, as its sources' reports (the result webhook, the dialer's cdr).
"""

from __future__ import annotations

import hashlib
import itertools
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hub.domain.call_notes import NoteRequest, note_due
from hub.domain.deliveries import RawDelivery, keep
from hub.domain.tenants import TenantContext
from hub.errors import BadRequest, Conflict, NotFound, Unavailable
from hub.ids import now_ms
from hub.models.call import (
    Call,
    Callback,
    CallState,
    CallStatus,
    Direction,
    Disposition,
    HistoryLeg,
    LegEvent,
    MergeOutcome,
    Miss,
    PresenceChange,
    RobotReport,
    TimeSource,
)
from hub.ports import CallChanges, CallRepository, PhoneIndex, WebhookLog

if TYPE_CHECKING:  # records only read here: the events function need not build the vendor ports
    from hub.ports.vendors import DialResult, FinishedCall

_EVENT_ORDER = ("hangup", "bridge", "dial")  # the most advanced event knows the most
_MAX_MISSED_KEPT = 20
# A lost race is retried (re-read, re-merge) with jittered backoff for up to this long, well within the
# events function's 10 s timeout; then the PBX hears a retryable 503, never a final-looking 4xx.
SAVE_BUDGET_SECONDS = 7.0
_BACKOFF_BASE_SECONDS = 0.02
_BACKOFF_CAP_SECONDS = 1.0
# Jitter from the OS, not `random`'s state: SnapStart restores many environments from one snapshot,
# and a shared state would make their retries collide in step (as in hub.store.dynamo).
_jitter = random.SystemRandom()


# -- merging (pure) ----------------------------------------------------------------------------


def _newer(candidate: LegEvent, kept: LegEvent | None) -> bool:
    """Of two deliveries of one event, keep the later one; ties go to the larger JSON, so the choice
    does not depend on which arrived first. The same event delivered again keeps its first arrival
    time (the best estimate of when it happened), so a repeat changes nothing."""
    if kept is None:
        return True
    key = (candidate.server_time or 0, candidate.model_dump_json(exclude={"received_at"}))
    kept_key = (kept.server_time or 0, kept.model_dump_json(exclude={"received_at"}))
    if key != kept_key:
        return key > kept_key
    return (
        candidate.received_at is not None
        and kept.received_at is not None
        and (candidate.received_at < kept.received_at)
    )


def add_leg_event(call: Call, snapshot: LegEvent) -> Call:
    """The call with this snapshot merged in and every derived field recomputed."""
    legs = {uuid: dict(events) for uuid, events in call.legs.items()}
    leg = legs.setdefault(snapshot.uuid, {})
    if _newer(snapshot, leg.get(snapshot.event)):
        leg[snapshot.event] = snapshot
    # Sorted keys: the stored record is the same text whatever order the events came in.
    canonical = {uuid: dict(sorted(legs[uuid].items())) for uuid in sorted(legs)}
    return derive(call.model_copy(update={"legs": canonical}))


def add_history_leg(call: Call, row: HistoryLeg) -> Call:
    """The call with this history row merged in and every derived field recomputed. A leg read again
    (the same window twice, or from the missed list too) keeps the later row, then the larger, so the
    choice does not depend on the order the rows came in, and the same row again changes nothing."""
    history = dict(call.history)
    kept = history.get(row.uuid)
    if kept is None or _row_key(row) > _row_key(kept):
        history[row.uuid] = row
    return derive(call.model_copy(update={"history": dict(sorted(history.items()))}))


def _row_key(row: HistoryLeg) -> tuple[int, str]:
    return row.ended_at, row.model_dump_json()


def _first(values: Iterable[object]) -> object:
    return next((value for value in values if value is not None), None)


def _bridged(events: dict[str, LegEvent]) -> bool:
    return "bridge" in events or any(e.bridge_at for e in events.values())


def _bridge_time(events: dict[str, LegEvent]) -> tuple[int, TimeSource | None]:
    """When the leg was answered, by the PBX's clock, else when its bridge event reached us (0: never)."""
    times = [e.bridge_at for e in events.values() if e.bridge_at]
    bridge = events.get("bridge")
    if bridge and bridge.server_time:
        times.append(bridge.server_time)
    if times:
        return min(times), TimeSource.PBX
    if bridge and bridge.received_at:
        return bridge.received_at, TimeSource.RECEIVED
    return 0, None


def _answered(events: dict[str, LegEvent], row: HistoryLeg | None) -> bool:
    return _bridged(events) or (row is not None and row.answered)


def _answer_time(events: dict[str, LegEvent], row: HistoryLeg | None) -> tuple[int, TimeSource | None]:
    """The events' answer time when they saw one, else the history's (its end less its talk)."""
    if _bridged(events):
        return _bridge_time(events)
    if row is not None and row.answered:
        return row.answered_at, TimeSource.PBX
    return 0, None


def _leg_end(events: dict[str, LegEvent], row: HistoryLeg | None) -> tuple[bool, int | None, bool]:
    """Whether the leg ended, when, and whether by the PBX's clock. Its history row is the PBX's own
    end time and wins; a hangup without serverTime (the seed's own example has none) still ends the
    leg, at its arrival, an estimate the history corrects."""
    if row is not None:
        return True, row.ended_at, True
    hangup = events.get("hangup")
    if hangup is None:
        return False, None, False
    return True, hangup.server_time or hangup.received_at, hangup.server_time is not None


def _ended(call: Call, children: list[str]) -> tuple[bool, int | None, TimeSource | None]:
    """A conversation ends with its own leg (a hangup or its history row); one known only by its
    employee legs, when every leg ended."""
    own = call.uuid in call.legs or call.uuid in call.history
    ending = [call.uuid] if own else children
    ends = [_leg_end(call.legs.get(uuid, {}), call.history.get(uuid)) for uuid in ending]
    if not ends or not all(ended for ended, _, _ in ends):
        return False, None, None
    times = [at for _, at, _ in ends if at]
    if not times:
        return True, None, None
    return True, max(times), TimeSource.PBX if all(pbx for _, _, pbx in ends) else TimeSource.RECEIVED


def _status(state: CallState, answered: bool, direction: Direction | None) -> CallStatus | None:
    if state != CallState.ENDED:
        return None
    if answered:
        return CallStatus.ANSWERED
    return CallStatus.MISSED if direction == Direction.INBOUND else CallStatus.NO_ANSWER


def derive(call: Call) -> Call:
    """Every field of the record from its snapshots and history rows; `state` never goes back.

    A leg is answered when its events saw a bridge or its history row says so. Fields are taken from
    the events first (the conversation's own leg, then its employee legs, the one that answered
    first), each leg's most advanced event first, then from the history rows in the same leg order;
    the employee is the one who answered. The history alone gives the PBX's end time (over a hangup's
    arrival), the talk seconds (the answered leg's billSecs), the total seconds, the disposition and
    the transfers. The recordings are the answered leg's, once the call ended (a recording exists only
    then): the links the events give, else the history's.
    """
    legs, history = call.legs, call.history
    has_own = call.uuid in legs or call.uuid in history
    children = sorted((legs.keys() | history.keys()) - {call.uuid})

    def answered(uuid: str) -> bool:
        return _answered(legs.get(uuid, {}), history.get(uuid))

    def answer_time(uuid: str) -> tuple[int, TimeSource | None]:
        return _answer_time(legs.get(uuid, {}), history.get(uuid))

    ordered_children = sorted(children, key=lambda uuid: (not answered(uuid), answer_time(uuid)[0], uuid))
    ordered_legs = ([call.uuid] if has_own else []) + ordered_children
    snapshots = [
        legs[uuid][name] for uuid in ordered_legs for name in _EVENT_ORDER if name in legs.get(uuid, {})
    ]
    rows = [history[uuid] for uuid in ordered_legs if uuid in history]
    sources: list[LegEvent | HistoryLeg] = [*snapshots, *rows]

    def pick(attribute: str, pool: Iterable[LegEvent | HistoryLeg] = sources) -> object:
        return _first(getattr(source, attribute) for source in pool)

    answered_leg = next((uuid for uuid in ordered_children if answered(uuid)), None)
    if answered_leg is None and has_own and answered(call.uuid):
        answered_leg = call.uuid
    employee_pool = sources
    answering: list[LegEvent] = []
    answered_row = history.get(answered_leg) if answered_leg is not None else None
    if answered_leg is not None:
        events = legs.get(answered_leg, {})
        answering = [events[name] for name in _EVENT_ORDER if name in events]
        employee_pool = [*answering, *([answered_row] if answered_row else []), *sources]

    dial_times = [s.dial_at or (s.server_time if s.event == "dial" else None) for s in snapshots]
    dial_at = min((t for t in dial_times if t), default=None) or min(
        (r.started_at for r in rows), default=None
    )
    bridge_at, bridge_source = min(
        (answer_time(uuid) for uuid in ordered_legs if answered(uuid)),
        key=lambda time_and_source: time_and_source[0],
        default=(0, None),
    )
    ended, ended_at, ended_source = _ended(call, children)
    derived_state = CallState.ENDED if ended else CallState.ANSWERED if answered_leg else CallState.RINGING
    state = max(call.state, derived_state)
    direction = pick("direction")
    external = direction in (Direction.INBOUND, Direction.OUTBOUND)
    own_row = history.get(call.uuid)
    if answered_row is not None and answered_row.answered:
        talk_seconds: int | None = answered_row.talk_seconds
    elif answered_leg is not None and own_row is not None and own_row.answered:
        talk_seconds = own_row.talk_seconds  # the conversation's row: its talk, whoever had it
    elif ended_at and bridge_at:
        talk_seconds = max(0, ended_at - bridge_at) // 1000
    else:
        talk_seconds = None
    recordings = next((list(s.recordings) for s in answering if s.recordings), [])
    if not recordings and answered_leg is not None:
        recording = _first(row.recording for row in (answered_row, own_row) if row is not None)
        recordings = [str(recording)] if recording else []
    told = [*([answered_row] if answered_row else []), *rows]  # the history, the answered leg's first
    return call.model_copy(
        update={
            "direction": direction,
            "state": state,
            "status": _status(state, answered_leg is not None, direction),
            "dial_at": dial_at,
            "bridge_at": bridge_at or None,
            "bridge_at_source": bridge_source if bridge_at else None,
            "ended_at": ended_at,
            "ended_at_source": ended_source if ended_at else None,
            "talk_seconds": talk_seconds,
            # The span of the legs the history knows: a department's legs ring side by side or in turn.
            "total_seconds": (
                (max(r.ended_at for r in rows) - min(r.started_at for r in rows)) // 1000 if rows else None
            ),
            "disposition": _first(row.disposition for row in told),
            "transfer_history": _first(row.transfer_history for row in told),
            "employee_ext": pick("employee_ext", employee_pool),
            "employee_name": pick("employee_name", employee_pool),
            "employee2_ext": pick("employee2_ext") if direction == Direction.INTERNAL else None,
            "answered_leg": answered_leg,
            "other_number": pick("other_number") if external else None,
            "other_number_raw": pick("other_number_raw") if external else None,
            "other_name": pick("other_name") if external else None,
            "trunk_num": pick("trunk_num"),
            "trunk_name": pick("trunk_name", snapshots),
            "account_domain": pick("account_domain", snapshots),
            "recordings": recordings if state == CallState.ENDED else [],
        }
    )


def apply_missed(callback: Callback, call: Call) -> Callback | None:
    """The callback after a missed call from its number, or None when the number was already answered
    after this miss (the events came late) or the miss was counted already."""
    miss = _miss(call)
    missed_at = miss.at
    if callback.last_answered_at and callback.last_answered_at >= missed_at:
        return None
    if call.uuid in callback.missed_calls:
        return None
    missed_calls = ([*callback.missed_calls] if callback.open else [])[-_MAX_MISSED_KEPT + 1 :] + [call.uuid]
    misses = {**(callback.misses if callback.open else {}), call.uuid: miss}
    fresh = {} if callback.open else {"assigned_to": None, "assigned_by": None, "assigned_at": None}
    return callback.model_copy(
        update={
            "open": True,
            "count": callback.count + 1 if callback.open else 1,
            "first_missed_at": min(
                filter(None, [callback.first_missed_at if callback.open else None, missed_at])
            ),
            "last_missed_at": max(callback.last_missed_at or 0, missed_at) if callback.open else missed_at,
            "missed_calls": missed_calls,
            "misses": {uuid: misses[uuid] for uuid in sorted(misses) if uuid in missed_calls},
            "closed_at": None,
            "closed_by_employee_ext": None,
            "closed_by_call": None,
            **fresh,
        }
    )


def miss_of(call: Call, at: int) -> Miss:
    """What the callbacks list shows of a missed call: the line it came in on and every extension
    it rang (a department call rings several), from its events and its history rows alike."""
    sources: list[LegEvent | HistoryLeg] = [
        *(event for events in call.legs.values() for event in events.values()),
        *call.history.values(),
    ]
    rung = {source.employee_ext for source in sources if source.employee_ext}
    if call.employee_ext:
        rung.add(call.employee_ext)
    return Miss(at=at, line=call.trunk_num, line_name=call.trunk_name, rung=sorted(rung))


def _nothing_missed(callback: Callback, **changes: Any) -> Callback:
    """The number's callback with no miss left to return (and `changes`)."""
    emptied = {
        "open": False,
        "count": 0,
        "first_missed_at": None,
        "last_missed_at": None,
        "missed_calls": [],
        "misses": {},
        "assigned_to": None,
        "assigned_by": None,
        "assigned_at": None,
    }
    return callback.model_copy(update=emptied | changes)


def retract_missed(callback: Callback, call: Call) -> Callback:
    """The callback without this call's miss, once the call turned out answered: an answered call was
    never missed. Unchanged when the callback no longer counts it (returned or closed meanwhile)."""
    if not callback.open or call.uuid not in callback.missed_calls:
        return callback
    count = callback.count - 1
    if count <= 0:
        return _nothing_missed(callback)
    return callback.model_copy(
        update={
            "count": count,
            "missed_calls": [uuid for uuid in callback.missed_calls if uuid != call.uuid],
            "misses": {uuid: miss for uuid, miss in callback.misses.items() if uuid != call.uuid},
        }
    )


def close(
    callback: Callback, at: int, employee_ext: str | None, by_call: str | None
) -> tuple[Callback, Callback]:
    """Returning an open callback: the number's state afterwards (nothing open, the answer time
    remembered) and the closed record kept for history."""
    closed = callback.model_copy(
        update={
            "open": False,
            "closed_at": at,
            "closed_by_employee_ext": employee_ext,
            "closed_by_call": by_call,
        }
    )
    after = _nothing_missed(callback, last_answered_at=max(callback.last_answered_at or 0, at))
    return after, closed


def apply_answered(callback: Callback, call: Call) -> tuple[Callback, Callback | None]:
    """The callback after an answered call with its number, and the closed callback when this call
    returned it: answered after the last miss."""
    answered_at = call.bridge_at or call.dial_at or 0
    if not callback.open or (callback.last_missed_at or 0) > answered_at:
        after = callback.model_copy(
            update={"last_answered_at": max(callback.last_answered_at or 0, answered_at)}
        )
        return after, None
    return close(callback, answered_at, call.employee_ext, call.uuid)


# -- robot calls (pure) -------------------------------------------------------------------------

ROBOT_WEBHOOK = "webhook"
ROBOT_CDR = "cdr"


def job_call_uuid(job_id: str, number: str) -> str:
    """A robot call's id: one per number in one dialer job. The result webhook (when it names the job)
    and the dialer's cdr both know these two, so whichever comes first, the other finds its record."""
    return "avt-" + hashlib.sha256(f"job|{job_id}|{number}".encode()).hexdigest()[:32]


def _preferred(kept: RobotReport, candidate: RobotReport) -> RobotReport:
    """Of two reports from one source on one call: the one where the robot talked longer (an answered
    attempt over an unanswered one), then the larger; the same report again keeps its first time. So
    the choice does not depend on the order they came in."""
    key = (candidate.seconds or 0, candidate.model_dump_json(exclude={"at"}))
    kept_key = (kept.seconds or 0, kept.model_dump_json(exclude={"at"}))
    if key != kept_key:
        return candidate if key > kept_key else kept
    return candidate if candidate.at < kept.at else kept


def add_robot_report(call: Call, source: str, report: RobotReport) -> Call:
    """The robot call with one source's report merged in and its fields derived from all it has."""
    reports = dict(call.robot_reports)
    kept = reports.get(source)
    reports[source] = report if kept is None else _preferred(kept, report)
    return derive_robot(call.model_copy(update={"robot_reports": dict(sorted(reports.items()))}))


def derive_robot(call: Call) -> Call:
    """A robot call, field by field from its reports: the cdr's code, seconds and time of the last
    attempt (the dialer's clock, read as when the attempt began); the webhook's recording and
    recognized answer, and its arrival as the end when no cdr row came yet (an estimate)."""
    webhook, cdr = call.robot_reports.get(ROBOT_WEBHOOK), call.robot_reports.get(ROBOT_CDR)
    told = [report for report in (cdr, webhook) if report is not None]
    seconds = _first(report.seconds for report in told)
    talk = int(seconds) if isinstance(seconds, int) else 0
    if cdr is not None:
        dial_at, ended_at, source = cdr.at, cdr.at + talk * 1000, TimeSource.PBX
    else:
        ended_at = webhook.at if webhook else 0
        dial_at, source = ended_at - talk * 1000, TimeSource.RECEIVED
    details = {
        "answer": webhook.answer if webhook else None,
        "code": _first(report.code for report in told),
        "dial_record": webhook.dial_record if webhook else None,
        "query_id": _first(report.job_id for report in told),
    }
    phone = _first(report.phone for report in (webhook, cdr) if report is not None)
    phone_raw = _first(report.phone_raw for report in (webhook, cdr) if report is not None)
    return call.model_copy(
        update={
            "direction": Direction.OUTBOUND,
            "state": CallState.ENDED,
            "status": CallStatus.ANSWERED if talk > 0 else CallStatus.NO_ANSWER,
            "dial_at": dial_at,
            "bridge_at": dial_at if talk > 0 else None,
            "ended_at": ended_at,
            "ended_at_source": source,
            "talk_seconds": talk,
            "other_number": phone,
            "other_number_raw": phone_raw,
            "recordings": [webhook.recording] if webhook and webhook.recording else [],
            "extra": {
                **call.extra,
                "robot": {name: value for name, value in details.items() if value is not None},
            },
        }
    )


# -- the service --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RobotCallResult:
    """What Avtodialer's result webhook says of one robot call, in our terms; `phone` is None when the
    number made no sense (the raw one is still kept)."""

    phone: str | None
    phone_raw: str
    received_at: int
    duration_seconds: int | None = None
    recording: str | None = None
    answer: str | None = None
    code: str | None = None
    our_uuid: str | None = None  # the UUID we sent with the record: a dial campaign's record
    query_id: str | None = None

    def report(self) -> RobotReport:
        """What the webhook says, as the call keeps it (its arrival as its time)."""
        return RobotReport(
            at=self.received_at,
            phone=self.phone,
            phone_raw=self.phone_raw,
            seconds=self.duration_seconds,
            code=self.code,
            recording=self.recording,
            answer=self.answer,
            dial_record=self.our_uuid,
            job_id=self.query_id,
        )


@dataclass(frozen=True)
class LeadRequest:
    tenant: str
    call_uuid: str
    phone: str
    employee_ext: str | None
    source: str | None
    created_by: str = "phonet"  # the system whose call made the lead


@dataclass(frozen=True)
class _Saved:
    call: Call
    outcome: MergeOutcome


def history_leg(finished: FinishedCall) -> HistoryLeg:
    """A history row as the call keeps it."""
    try:
        disposition = Disposition(finished.disposition) if finished.disposition else None
    except ValueError:
        raise BadRequest(
            f"unknown disposition {finished.disposition!r}", code="invalid_disposition"
        ) from None
    return HistoryLeg(
        uuid=finished.uuid,
        parent_uuid=finished.parent_uuid,
        direction=finished.direction,
        ended_at=finished.ended_at,
        answered=finished.answered,
        talk_seconds=finished.talk_seconds,
        total_seconds=finished.total_seconds,
        other_number=finished.other_number,
        other_number_raw=finished.other_number_raw,
        other_name=finished.other_name,
        employee_ext=finished.employee_ext,
        employee_name=finished.employee_name,
        employee_pbx_id=finished.employee_pbx_id,
        employee2_ext=finished.employee2_ext,
        disposition=disposition,
        transfer_history=finished.transfer_history,
        trunk_num=finished.trunk,
        recording=finished.recording,
    )


class CallService:
    """The call log's use cases. `deliveries`, when given, keeps each webhook's raw body first."""

    def __init__(
        self,
        calls: CallRepository,
        phones: PhoneIndex,
        request_lead: Callable[[LeadRequest], None],
        deliveries: WebhookLog | None = None,
        robot_outcomes: Callable[[TenantContext, Call], None] | None = None,
        request_note: Callable[[NoteRequest], None] | None = None,
    ) -> None:
        """`robot_outcomes` hears every robot call once merged (a dial campaign counts its results);
        `request_note` queues a call's Phonet note when a save changes what it says
        (hub.domain.call_notes)."""
        self.calls = calls
        self.phones = phones
        self.request_lead = request_lead
        self.deliveries = deliveries
        self.robot_outcomes = robot_outcomes
        self.request_note = request_note

    def record_pbx_event(
        self,
        context: TenantContext,
        record: LegEvent | PresenceChange,
        delivery: RawDelivery | None = None,
    ) -> Call | None:
        """One PBX event in the hub's terms: a leg's snapshot merged into its conversation's call, or
        an employee's presence set (returns None)."""
        keep(self.deliveries, context.slug, delivery)
        if isinstance(record, PresenceChange):
            if record.ext:
                self.calls.set_presence(context.slug, record.ext, record.status, record.at or now_ms())
            return None
        snapshot = record
        if snapshot.server_time is None:  # the PBX may send no time of its own: its arrival is the best guess
            snapshot = snapshot.model_copy(update={"received_at": now_ms()})
        conversation = snapshot.parent_uuid or snapshot.uuid
        saved = self._update(context, conversation, lambda call: add_leg_event(call, snapshot))
        return saved.call if saved else None

    def link_contacts(self, context: TenantContext, call_uuid: str, contact_ids: list[str]) -> Call:
        """Attach contacts found or created after the call was logged (the lead worker's step)."""

        def attach(call: Call) -> Call:
            ids = list(dict.fromkeys([*call.contact_ids, *contact_ids]))
            return call.model_copy(update={"contact_ids": ids, "lead_pending": False})

        saved = self._update(context, call_uuid, attach, create=False)
        if saved is None:
            raise Conflict(f"call {call_uuid} is not logged yet", code="call_not_found")
        return saved.call

    def record_robot_call(
        self,
        context: TenantContext,
        uuid: str,
        result: RobotCallResult,
        delivery: RawDelivery | None = None,
    ) -> Call:
        """An Avtodialer call from its result webhook, logged once however often it is delivered, and
        merged field by field with its cdr row when that came first (same `uuid`: see
        hub.vendors.avtodialer.results.robot_call_uuid)."""
        keep(self.deliveries, context.slug, delivery)
        return self._record_robot(context, uuid, ROBOT_WEBHOOK, result.report()).call

    def record_dial_result(self, context: TenantContext, result: DialResult) -> MergeOutcome:
        """A robot call's outcome from the dialer's cdr, merged into the record its result webhook
        makes (one per job and number, whichever came first), or a new one like it."""
        report = RobotReport(
            at=result.at,
            phone=result.phone,
            phone_raw=result.phone_raw,
            seconds=result.seconds,
            code=result.code,
            job_id=result.job_id,
        )
        return self._record_robot(
            context, job_call_uuid(result.job_id, result.phone), ROBOT_CDR, report
        ).outcome

    def _record_robot(self, context: TenantContext, uuid: str, source: str, report: RobotReport) -> _Saved:
        def merge(call: Call) -> Call:
            if "robot" in call.extra and not call.robot_reports:
                return call  # logged before reports were kept: a late redelivery leaves it as it was
            return add_robot_report(call, source, report)

        saved = self._update(context, uuid, merge, "avtodialer")
        assert saved is not None
        if self.robot_outcomes is not None:
            self.robot_outcomes(context, saved.call)
        return saved

    def record_finished_call(self, context: TenantContext, finished: FinishedCall) -> MergeOutcome:
        """One leg of a finished call from the PBX's history, merged into its conversation's record
        (the parent call's uuid, else its own, as for the events) through the same derivation: a call
        the webhooks logged gains what only the history knows and stays one record; a call they missed
        is created complete, with its contact links, callback and lead as if they had come."""
        row = history_leg(finished)
        conversation = finished.parent_uuid or finished.uuid
        saved = self._update(context, conversation, lambda call: add_history_leg(call, row))
        assert saved is not None
        return saved.outcome

    def set_utm(self, context: TenantContext, call_uuid: str, labels: dict) -> Call | None:
        """Attribution on the call, field by field: a later batch adds what an earlier one lacked.
        None when the call is not logged: attribution alone never creates a call."""

        def merge(call: Call) -> Call:
            return call.model_copy(update={"utm": {**(call.utm or {}), **labels}})

        saved = self._update(context, call_uuid, merge, create=False)
        return saved.call if saved else None

    def close_callback(self, context: TenantContext, phone: str, employee_ext: str | None) -> Callback:
        """Mark a number's open callback done by hand (the employee called back some other way)."""
        before = self.calls.get_callback(context.slug, phone)
        if before is None or not before.open:
            raise NotFound("no open callback for this number")
        after, closed = close(before, now_ms(), employee_ext, by_call=None)
        self.calls.close_callback(before, after.model_copy(update={"version": before.version + 1}), closed)
        return closed

    def assign_callback(
        self,
        context: TenantContext,
        phone: str,
        employee_id: str | None,
        expected_version: int,
        by_employee_id: str | None,
    ) -> Callback:
        """Give a number's open callback to an employee (None: to nobody), if it is still the version
        the person saw: two people assigning at once, the second hears a Conflict instead of silently
        undoing the first. A miss counted meanwhile changes the version too: look again, then assign."""
        if employee_id is not None:
            employee = context.employees.get(employee_id)
            if employee is None or not employee.active:
                raise BadRequest("no such active employee", code="unknown_employee")
        before = self.calls.get_callback(context.slug, phone)
        if before is None or not before.open:
            raise NotFound("no open callback for this number")
        if before.version != expected_version:
            raise Conflict("the callback changed meanwhile", code="version_mismatch")
        after = before.model_copy(
            update={
                "assigned_to": employee_id,
                "assigned_by": by_employee_id if employee_id else None,
                "assigned_at": now_ms() if employee_id else None,
                "version": before.version + 1,
            }
        )
        try:
            self.calls.save_callback(before, after)
        except Conflict as exc:  # written between our read and our write
            raise Conflict("the callback changed meanwhile", code="version_mismatch") from exc
        return after

    def _update(
        self,
        context: TenantContext,
        uuid: str,
        change: Callable[[Call], Call],
        source: str = "phonet",
        create: bool = True,
    ) -> _Saved | None:
        """The call after `change`, saved unless it changed nothing; None when it is not logged and
        `create` is off."""
        deadline = time.monotonic() + SAVE_BUDGET_SECONDS
        for attempt in itertools.count():
            current = self.calls.get_call(context.slug, uuid)
            if current is None and not create:
                return None
            pending = None
            if current is None:  # the call's first save takes the UTM labels that came before it
                pending = self.calls.pending_attribution(context.slug, uuid)
            base = current or Call(
                tenant=context.slug,
                uuid=uuid,
                source=source,
                created_at=now_ms(),
                utm=dict(pending.labels) if pending else None,
            )
            merged = change(base)
            merged, changes, lead = self._consequences(context, current, merged)
            changes.pending_attribution = pending
            if current is not None and _same(current, merged):
                return _Saved(current, MergeOutcome.UNCHANGED)
            merged = merged.model_copy(
                update={"version": base.version + 1, "updated_at": max(now_ms(), base.updated_at + 1)}
            )
            if lead is not None:
                # Before the save: a failed send then fails the webhook, and the PBX's retry sends again.
                self.request_lead(lead)
            if self.request_note is not None and note_due(context.tenant.settings, current, merged):
                self.request_note(NoteRequest(context.slug, merged.uuid, merged.version))  # as the lead
            try:
                self.calls.save_call(current, merged, changes)
            except Conflict:
                # Someone saved meanwhile: wait a jittered while, read their version and merge again.
                pause = _jitter.uniform(0, min(_BACKOFF_CAP_SECONDS, _BACKOFF_BASE_SECONDS * 2**attempt))
                if time.monotonic() + pause > deadline:
                    break
                time.sleep(pause)
                continue
            return _Saved(merged, MergeOutcome.CREATED if current is None else MergeOutcome.MERGED)
        raise Unavailable("the call kept changing while it was saved; retry", code="busy_call")

    def _consequences(
        self, context: TenantContext, before: Call | None, call: Call
    ) -> tuple[Call, CallChanges, LeadRequest | None]:
        """Employee, contact links, the lead decision and the callback list: each worked out from
        the merged call, and each applied at most once per call."""
        employee = context.employee_by_ext_or_email(call.employee_ext) if call.employee_ext else None
        call = call.model_copy(update={"employee_id": employee.id if employee else None})
        lead = None
        if call.is_external and call.other_number and call.other_number != call.extra.get("linked_number"):
            found = [entry.id for entry in self.phones.phone_entries(context.slug, call.other_number)]
            call = call.model_copy(
                update={
                    "contact_ids": list(dict.fromkeys([*call.contact_ids, *found])),
                    "extra": {**call.extra, "linked_number": call.other_number},
                }
            )
            if not call.contact_ids and not call.lead_pending and self._wants_lead(context, call):
                call = call.model_copy(update={"lead_pending": True})
                lead = LeadRequest(
                    tenant=context.slug,
                    call_uuid=call.uuid,
                    phone=call.other_number,
                    employee_ext=call.employee_ext,
                    source=_lead_source(call),
                    created_by=call.source,
                )
        linked_before = set(before.contact_ids) if before else set()
        changes = CallChanges(new_contact_links=[cid for cid in call.contact_ids if cid not in linked_before])
        return self._callback_effects(context, before, call, changes), changes, lead

    def _wants_lead(self, context: TenantContext, call: Call) -> bool:
        """An unknown external number becomes a lead when the tenant wants it for that direction (a
        robot's calls have their own setting), never when it is one of the tenant's own lines
        (configured, or seen as a trunk)."""
        settings = context.tenant.settings
        if call.source == "avtodialer":
            wanted = settings.leads_from_avtodialer
        elif call.direction == Direction.INBOUND:
            wanted = settings.leads_from_inbound
        else:
            wanted = settings.leads_from_outbound
        if not wanted or call.other_number in (call.trunk_num, *settings.own_numbers):
            return False
        return call.other_number not in self.calls.own_numbers(context.slug)

    def _callback_effects(
        self, context: TenantContext, before: Call | None, call: Call, changes: CallChanges
    ) -> Call:
        """A missed inbound call opens (or counts on) its number's callback; an answered call with the
        number, either direction, closes it. Marks on the call keep a replay from applying either twice.
        A call that looked missed until later news said it was answered (a department leg that gave
        up came first; a history row) takes its miss back before it closes anything: the record and
        the callback end as if the news had come in order. A counted miss that learns more (a leg
        it rang, its line) after it was counted tells its callback too. Only people's calls count: a
        robot reaching the customer returns nobody's call."""
        if call.source != "phonet" or not (call.is_external and call.other_number):
            return call
        missed = call.status == CallStatus.MISSED and "missed" not in call.callback_effects
        answered = call.bridge_at is not None and "answered" not in call.callback_effects
        if not (missed or answered):
            if "missed" in call.callback_effects and before is not None:
                miss = _miss(call)
                if _miss(before) != miss:
                    self._retell_miss(context, call, miss, changes)
            return call
        stored = self.calls.get_callback(context.slug, call.other_number)
        callback = stored or Callback(tenant=context.slug, phone=call.other_number)
        effects = list(call.callback_effects)
        if missed:
            callback = apply_missed(callback, call) or callback
            effects.append("missed")
        if answered:
            if "missed" in effects:
                callback = retract_missed(callback, call)
                effects.remove("missed")
            callback, changes.closed_callback = apply_answered(callback, call)
            effects.append("answered")
        changes.callback_before = stored
        changes.callback_after = callback.model_copy(
            update={"version": (stored.version if stored else 0) + 1}
        )
        return call.model_copy(update={"callback_effects": effects})

    def _retell_miss(self, context: TenantContext, call: Call, miss: Miss, changes: CallChanges) -> None:
        """The counted miss's details (`miss`, as the call now tells it) on its callback, if still open."""
        stored = self.calls.get_callback(context.slug, call.other_number or "")
        if stored is None or call.uuid not in stored.misses or stored.misses[call.uuid] == miss:
            return
        misses = {**stored.misses, call.uuid: miss}
        changes.callback_before = stored
        changes.callback_after = stored.model_copy(update={"misses": misses, "version": stored.version + 1})


def _miss(call: Call) -> Miss:
    return miss_of(call, call.dial_at or call.ended_at or 0)


def _lead_source(call: Call) -> str | None:
    """Where a lead came from: the line a PBX call came in on, or the robot that reached them."""
    return call.trunk_name or call.trunk_num or (call.source if call.source != "phonet" else None)


def _same(a: Call, b: Call) -> bool:
    ignore = {"version", "updated_at", "created_at"}
    return a.model_dump(exclude=ignore) == b.model_dump(exclude=ignore)
