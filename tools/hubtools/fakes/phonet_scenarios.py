"""Phonet call scenarios as data: the webhook traffic a real PBX sends for one call (spec §A).

Kept apart from the HTTP server so the payload shapes can be reviewed against the spec in one place.
A scenario builds a ``Plan``: the ``call.settings`` lookup body (if any), the call legs, the ordered
(event name, leg) steps to deliver, and the finished-call rows the PBX's history shows afterwards.
Event bodies are rendered only after the lookup, because the PBX copies the CRM's answer (name, url)
into ``otherLegs``.
"""

from __future__ import annotations

import random
import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

INTERNAL, OUTBOUND, INBOUND, PAUSED, UNPAUSED = 1, 2, 4, 32, 64
DIAL, BRIDGE, HANGUP = "call.dial", "call.bridge", "call.hangup"

Staff = Callable[[str], dict[str, Any]]  # ext -> {"id", "ext", "displayName"}


@dataclass
class PlayParams:
    """Knobs of ``PhonetFake.play``; every field has a demo default.

    ``caller`` is the external party (caller on inbound, callee on outbound). ``time_unit`` "ms" or "s"
    applies to ``dialAt``/``bridgeAt`` (the spec's prose says ms, its example seconds); ``serverTime``
    is always ms, as in the spec's example. ``start`` (epoch seconds of the first ring) defaults to
    "the call has just ended". ``copies`` fixes the repeat count of ``duplicated`` (else 2 or 3 per
    event, drawn from ``seed``); ``seed`` also drives ``reordered``. ``seed_shape`` sends events as the
    seed's own example does: without ``serverTime`` and without ``otherLegs[].priority`` (its prose
    names both, its example has neither, so real traffic may lack them).
    """

    caller: str = "+380442246595"
    trunk: str = "+380442246500"
    trunk_name: str = "www.phonet.com.ua"
    ext: str = "001"
    ext2: str = "002"
    uuid: str | None = None
    parent_uuid: str | None = None
    time_unit: str = "ms"
    split_recording: bool = False
    ring_secs: int = 5
    talk_secs: int = 30
    start: float | None = None
    disposition: int = 1
    copies: int | None = None
    seed: int = 0
    utm: bool = False
    pause_event: str = DIAL
    send_delay: float = 0.0
    timeout: float = 5.0
    seed_shape: bool = False

    def __post_init__(self) -> None:
        if self.time_unit not in ("s", "ms"):
            raise ValueError("time_unit must be 's' or 'ms'")
        if self.disposition not in (1, 2, 3, 4):
            raise ValueError("disposition of an unanswered call is 1..4")
        if self.copies is not None and self.copies < 1:
            raise ValueError("copies must be >= 1")


@dataclass(eq=False)
class Leg:
    """One call leg as the PBX reports it; times are epoch seconds (floats)."""

    uuid: str
    direction: int
    employee: dict[str, Any]
    dial_at: float
    end_at: float
    bridge_at: float | None = None
    parent_uuid: str | None = None
    employee2: dict[str, Any] | None = None
    other_num: str | None = None
    trunk_num: str | None = None
    trunk_name: str | None = None

    @property
    def external(self) -> bool:
        return self.direction in (OUTBOUND, INBOUND)

    def _no_other_legs(self) -> list[dict[str, Any]] | None:
        return None if self.direction == INTERNAL else []

    def event(
        self,
        name: str,
        *,
        domain: str,
        other_legs: list[dict[str, Any]],
        unit: str,
        seed_shape: bool = False,
    ) -> dict[str, Any]:
        """The §A2 body for ``name``; every documented field present (null where the spec says so),
        or, with ``seed_shape``, only those of the seed's example."""
        now = {BRIDGE: self.bridge_at or self.dial_at, HANGUP: self.end_at}.get(name, self.dial_at)
        bridge = None if name == DIAL else self.bridge_at
        body = {
            "event": name,
            "accountDomain": domain,
            "uuid": self.uuid,
            "parentUuid": self.parent_uuid,
            "dialAt": _stamp(self.dial_at, unit),
            "bridgeAt": None if bridge is None else _stamp(bridge, unit),
            "serverTime": _stamp(now, "ms"),
            "lgDirection": self.direction,
            "leg": dict(self.employee),
            "leg2": dict(self.employee2) if self.employee2 else None,
            # the seed's active-calls example: an internal call has ``otherLegs: null``
            "otherLegs": [dict(o) for o in other_legs] if self.external else self._no_other_legs(),
            "trunkNum": self.trunk_num if self.external else None,
            "trunkName": self.trunk_name if self.external else None,
        }
        if seed_shape:
            del body["serverTime"]
            for other in body["otherLegs"] or []:
                other.pop("priority", None)
        return body


@dataclass
class Plan:
    main: Leg
    steps: list[tuple[str, Leg]]
    finished: list[tuple[Leg, int]]  # (leg, disposition) rows for the call history
    lookup: dict[str, Any] | None = None


@dataclass
class Delivery:
    """One POST the fake made to the hub, and what the hub answered."""

    kind: str  # lookup | event | utm
    url: str
    body: Any
    status: int | None = None
    response: Any = None
    error: str | None = None


@dataclass
class PlayResult:
    scenario: str
    uuid: str
    parent_uuid: str | None
    deliveries: list[Delivery] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    recording_urls: list[str] = field(default_factory=list)

    @property
    def events(self) -> list[dict[str, Any]]:
        return [d.body for d in self.deliveries if d.kind == "event"]

    @property
    def statuses(self) -> list[int | None]:
        return [d.status for d in self.deliveries]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _stamp(t: float, unit: str) -> int:
    return int(t) if unit == "s" else int(t * 1000)


def new_uuid() -> str:
    return uuidlib.uuid4().hex


def _times(p: PlayParams) -> tuple[float, float, float]:
    """First ring, answer, end -- by default so that the call ends right now."""
    start = p.start if p.start is not None else time.time() - p.ring_secs - p.talk_secs
    return start, start + p.ring_secs, start + p.ring_secs + p.talk_secs


def _lookup(p: PlayParams, direction: int) -> dict[str, Any]:
    body: dict[str, Any] = {"request": "call.settings", "otherLegNum": p.caller}
    if direction == INBOUND:  # spec: trunkNum is sent on inbound calls only
        body["trunkNum"] = p.trunk
    return body


def _external(p: PlayParams, staff: Staff, direction: int, answered: bool) -> Plan:
    t0, t1, t2 = _times(p)
    leg = Leg(
        uuid=p.uuid or new_uuid(),
        direction=direction,
        employee=staff(p.ext),
        dial_at=t0,
        bridge_at=t1 if answered else None,
        end_at=t2 if answered else t1,
        parent_uuid=p.parent_uuid,
        other_num=p.caller,
        trunk_num=p.trunk,
        trunk_name=p.trunk_name,
    )
    names = [DIAL, BRIDGE, HANGUP] if answered else [DIAL, HANGUP]
    disposition = 0 if answered else p.disposition
    return Plan(leg, [(n, leg) for n in names], [(leg, disposition)], _lookup(p, direction))


def inbound_answered(p: PlayParams, staff: Staff) -> Plan:
    return _external(p, staff, INBOUND, answered=True)


def inbound_missed(p: PlayParams, staff: Staff) -> Plan:
    return _external(p, staff, INBOUND, answered=False)


def outbound_answered(p: PlayParams, staff: Staff) -> Plan:
    return _external(p, staff, OUTBOUND, answered=True)


def outbound_no_answer(p: PlayParams, staff: Staff) -> Plan:
    return _external(p, staff, OUTBOUND, answered=False)


def department_call(p: PlayParams, staff: Staff) -> Plan:
    """An inbound call to a group: parent uuid rings ``ext`` and ``ext2``; ``ext2`` answers."""
    t0, t1, t2 = _times(p)
    parent = p.parent_uuid or new_uuid()
    common: dict[str, Any] = {
        "direction": INBOUND,
        "dial_at": t0,
        "parent_uuid": parent,
        "other_num": p.caller,
        "trunk_num": p.trunk,
        "trunk_name": p.trunk_name,
    }
    missed = Leg(uuid=new_uuid(), employee=staff(p.ext), end_at=t1, **common)
    taken = Leg(uuid=p.uuid or new_uuid(), employee=staff(p.ext2), bridge_at=t1, end_at=t2, **common)
    steps = [(DIAL, missed), (DIAL, taken), (BRIDGE, taken), (HANGUP, missed), (HANGUP, taken)]
    return Plan(taken, steps, [(taken, 0)], _lookup(p, INBOUND))


def duplicated(p: PlayParams, staff: Staff) -> Plan:
    """inbound_answered with every event delivered 2-3 times back to back (PBX retries)."""
    plan = inbound_answered(p, staff)
    rng = random.Random(p.seed)
    steps = []
    for step in plan.steps:
        steps.extend([step] * (p.copies or rng.choice((2, 3))))
    plan.steps = steps
    return plan


def reordered(p: PlayParams, staff: Staff) -> Plan:
    """inbound_answered with events shuffled by ``seed`` (never left in the original order)."""
    plan = inbound_answered(p, staff)
    steps = list(plan.steps)
    random.Random(p.seed).shuffle(steps)
    if steps == plan.steps:
        steps.reverse()
    plan.steps = steps
    return plan


def internal(p: PlayParams, staff: Staff) -> Plan:
    """``ext`` calls ``ext2``: lgDirection 1, no lookup, no trunk, no external party."""
    t0, t1, t2 = _times(p)
    leg = Leg(
        uuid=p.uuid or new_uuid(),
        direction=INTERNAL,
        employee=staff(p.ext),
        employee2=staff(p.ext2),
        dial_at=t0,
        bridge_at=t1,
        end_at=t2,
    )
    return Plan(leg, [(n, leg) for n in (DIAL, BRIDGE, HANGUP)], [(leg, 0)])


def pause_unpause(p: PlayParams, staff: Staff) -> Plan:
    """``ext`` goes away (lgDirection 32) and comes back ``talk_secs`` later (64), as ``pause_event``."""
    t0, _, t2 = _times(p)
    emp = staff(p.ext)
    pause = Leg(uuid=p.uuid or new_uuid(), direction=PAUSED, employee=emp, dial_at=t0, end_at=t0)
    back = Leg(uuid=new_uuid(), direction=UNPAUSED, employee=emp, dial_at=t2, end_at=t2)
    return Plan(pause, [(p.pause_event, pause), (p.pause_event, back)], [(pause, 0), (back, 0)])


SCENARIOS: dict[str, Callable[[PlayParams, Staff], Plan]] = {
    f.__name__: f
    for f in (
        inbound_answered,
        inbound_missed,
        outbound_answered,
        outbound_no_answer,
        department_call,
        duplicated,
        reordered,
        internal,
        pause_unpause,
    )
}


def build_plan(scenario: str, p: PlayParams, staff: Staff) -> Plan:
    try:
        builder = SCENARIOS[scenario]
    except KeyError:
        raise ValueError(f"unknown scenario {scenario!r}; known: {', '.join(SCENARIOS)}") from None
    return builder(p, staff)


def other_legs_from_lookup(reply: Any, number: str) -> list[dict[str, Any]]:
    """What the PBX puts in ``otherLegs`` after the CRM answered the §A1 lookup (or failed to)."""
    known = reply.get("otherLeg") if isinstance(reply, dict) else None
    known = known if isinstance(known, dict) else {}
    return [
        {
            "id": known.get("id"),
            "name": known.get("name"),
            "num": number,
            "companyName": known.get("companyName"),
            "url": known.get("url"),
            "priority": 1,
        }
    ]


def recording_url(base: str, uuid: str, suffix: str = "") -> str:
    return f"{base}/rest/public/calls/{uuid}{suffix}/audio"


def finished_row(
    leg: Leg, disposition: int, *, recording_base: str, other_name: str | None
) -> dict[str, Any]:
    """The §B finished-call row (company/users/missed.api) for a leg.

    As in the seed's examples, ``parentUuid`` is present only when the call went through a group.
    """
    talk = int(leg.end_at - leg.bridge_at) if leg.bridge_at is not None else 0
    other_num = leg.other_num if leg.external else None
    if not leg.external:  # seed: otherLegNum/otherLegName "always null for internal calls"
        other_name = None
    trunk = None
    if leg.external and leg.trunk_num:
        trunk = f"{'o' if leg.direction == OUTBOUND else 'i'}={leg.trunk_num.lstrip('+')};"
    row: dict[str, Any] = {"parentUuid": leg.parent_uuid} if leg.parent_uuid else {}
    return row | {
        "uuid": leg.uuid,
        "endAt": _stamp(leg.end_at, "ms"),
        "lgDirection": leg.direction,
        "otherLegNum": other_num,
        "otherLegName": other_name or other_num,
        "leg": _row_leg(leg.employee),
        "leg2": _row_leg(leg.employee2) if leg.employee2 else None,
        "billSecs": talk,
        "duration": int(leg.end_at - leg.dial_at),
        "disposition": disposition,
        # the seed's internal row has transferHistory null; an external one names who took the call
        "transferHistory": leg.employee.get("ext") if leg.external else None,
        "audioRecUrl": recording_url(recording_base, leg.uuid) if talk else None,
        "trunk": trunk,
    }


def _row_leg(emp: dict[str, Any]) -> dict[str, Any]:
    return {"id": emp.get("id"), "type": 1, "displayName": emp.get("displayName"), "ext": emp.get("ext")}


def utm_rows(plan: Plan, p: PlayParams) -> list[dict[str, Any]]:
    """The §A3 array for the call (one row, the spec's example values)."""
    leg = plan.main
    return [
        {
            "utmSource": "google",
            "utmMedium": "cpc",
            "utmCampaign": "(not set)",
            "utmContent": "(not set)",
            "utmTerm": "(not set)",
            "googleClientId": "1340605716.1544986520",
            "clientIp": "91.243.203.133",
            "referrer": "https://www.google.com/",
            "otherLegNum": p.caller,
            "trunkSource": p.trunk.lstrip("+"),
            "label": "callcatcher\n firstcall",
            "callDate": _stamp(leg.end_at, "ms"),
            "callStart": _stamp(leg.dial_at, "ms"),
            "callParentUuid": leg.parent_uuid or leg.uuid,
        }
    ]
