"""Shared machinery for the in-process vendor fakes.

Each fake is a small WSGI app served by werkzeug on loopback in a daemon thread. The base class gives
every fake the same two test levers, because the hub's hard problems are about *how often* and *under
what failure* a vendor was called, not about happy-path payloads:

* a thread-safe **journal** of every request received (control endpoints excluded), so a test can prove
  e.g. "nobody was dialed twice";
* **failure injection**: a queue of faults applied to the next N requests matching method + path regex,
  or to a seeded random share of them (``rate``), for a load test that fails some of its requests.

Both levers are reachable from Python (``fake.fail(...)``, ``fake.journal``, ``fake.count(...)``,
``fake.reset()``) and over HTTP under ``/_fake/`` so a separate process (the local runner) can steer them.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import socket
import threading
import time
import traceback
import wave
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar, Self

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

CONTROL_PREFIX = "/_fake/"
FAULT_KINDS = ("status", "timeout", "slow", "drop")
DEFAULT_DELAY = {"timeout": 30.0, "slow": 1.0}


def json_response(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A UTF-8 JSON response (non-ASCII kept raw, as real vendors send it)."""
    body = json.dumps(obj, ensure_ascii=False)
    return Response(body, status, headers, content_type="application/json; charset=utf-8")


def text_response(text: str, status: int = 200) -> Response:
    """A plain-text response: the error format Phonet documents (``>=400 plain-text error``)."""
    return Response(text, status, content_type="text/plain; charset=utf-8")


def tiny_wav() -> bytes:
    """0.1 s of silence: enough for a hub to download and store a "recording"."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 800)
    return buf.getvalue()


def parse_body(request: Request) -> Any:
    """JSON if it parses, else form fields, else text (None when empty): what the journal stores."""
    raw = request.get_data(cache=True)
    if not raw:
        return None
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.form.to_dict(flat=True)
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


@dataclass
class Hit:
    """One request the fake received; ``status`` None = no response was sent (drop/timeout fault)."""

    seq: int
    at: float
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int | None = None
    fault: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Fault:
    """A misbehaviour to apply to the next ``times`` requests matching ``method`` + ``path``.

    kinds: ``status`` (answer ``status`` with ``body``, optional ``Retry-After`` and extra ``headers``
    -- ``[name, value]`` pairs, so a name may repeat, as ``Set-Cookie`` does -- request not
    processed); ``timeout`` (hold the request ``delay`` s, then close the connection unprocessed);
    ``slow`` (wait ``delay`` s, then process and answer normally -- with ``delay`` above the client's
    timeout this is the "server did it but the client never heard" case); ``drop`` (close the
    connection at once, unprocessed). Subclasses add kinds (Phonet: ``expire_session``).
    ``path`` is a regex matched against the whole path (``re.fullmatch``); ``method`` None = any.
    ``skip`` lets that many matching requests through first.
    ``rate`` (0 < rate <= 1): each matching request after the skipped ones gets the fault with that
    probability instead of always, drawn from the fault's own ``random.Random(seed)``, so the same
    requests in the same order are faulted on every run; ``times`` still bounds how many faults are
    applied (give it a large number for "rate for ever"). Its draws happen under the fake's lock, in
    the order requests arrive.
    """

    kind: str = "status"
    method: str | None = None
    path: str = ".*"
    times: int = 1
    skip: int = 0
    status: int = 500
    body: str = ""
    content_type: str = "text/plain; charset=utf-8"
    retry_after: str | int | None = None
    headers: list[tuple[str, str]] | None = None
    delay: float | None = None
    rate: float | None = None
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.rate is not None and not 0 < self.rate <= 1:
            raise ValueError("rate must be in (0, 1]")
        self._rng = random.Random(self.seed)

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return re.fullmatch(self.path, path) is not None

    def strikes(self) -> bool:
        """Whether this matching request (past the skipped ones) gets the fault: always, or at `rate`."""
        return self.rate is None or self._rng.random() < self.rate

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.init}


class _Dropped(ConnectionAbortedError):
    """Raised after closing the socket: werkzeug treats it as a dropped connection and stays quiet."""


class _QuietHandler(WSGIRequestHandler):
    """Request handler without per-request access logs (tests would drown in them)."""

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002 - werkzeug's signature
        pass


def _match_hits(hits: Iterable[Hit], method: str | None, path: str | None) -> list[Hit]:
    out = []
    for h in hits:
        if method and method != "*" and method.upper() != h.method:
            continue
        if path and re.fullmatch(path, h.path) is None:
            continue
        out.append(h)
    return out


class FakeServer:
    """Serves ``self.rules`` (werkzeug ``Rule`` objects whose endpoints name ``_h_<endpoint>`` methods).

    Subclasses set ``rules``, may add ``extra_fault_kinds`` (handled in ``_custom_fault``) and override
    ``_reset_state`` / ``state`` / ``_public_paths``.
    """

    name: ClassVar[str] = "fake"
    rules: ClassVar[list[Rule]] = []
    extra_fault_kinds: ClassVar[tuple[str, ...]] = ()
    base_rules: ClassVar[list[Rule]] = [
        Rule("/_fake/journal", endpoint="ctl_journal", methods=["GET"]),
        Rule("/_fake/count", endpoint="ctl_count", methods=["GET"]),
        Rule("/_fake/faults", endpoint="ctl_faults_list", methods=["GET"]),
        Rule("/_fake/faults", endpoint="ctl_faults_add", methods=["POST"]),
        Rule("/_fake/faults", endpoint="ctl_faults_clear", methods=["DELETE"]),
        Rule("/_fake/reset", endpoint="ctl_reset", methods=["POST"]),
        Rule("/_fake/state", endpoint="ctl_state", methods=["GET"]),
    ]

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port
        self._lock = threading.RLock()
        self._journal: list[Hit] = []
        self._faults: list[Fault] = []
        self._seq = 0
        self._stopping = threading.Event()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        # a Rule binds to one Map only: each instance routes with its own copies of the class rules
        self._url_map = Map([r.empty() for r in (*self.base_rules, *self.rules)], strict_slashes=False)
        self.errors: list[str] = []  # tracebacks of bugs inside the fake itself
        self._reset_state()

    # ---- lifecycle -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (the port is fixed once started)."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        """Bind and serve in a daemon thread; a restart after ``stop()`` reuses the same port."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = make_server(self.host, self.port, self, threaded=True, request_handler=_QuietHandler)
        self.port = self._server.port
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},  # stop() waits at most this long
            name=f"{self.name}-fake",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (connections are then refused); wakes requests sleeping in timeout/slow faults."""
        self._stopping.set()
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- journal and faults (Python API) ---------------------------------------------------------
    @property
    def journal(self) -> list[Hit]:
        """A snapshot of every non-control request received, oldest first."""
        with self._lock:
            return list(self._journal)

    def hits(self, method: str | None = None, path: str | None = None) -> list[Hit]:
        """Journal rows matching ``method`` (None/"*" = any) and ``path`` (regex, whole path)."""
        return _match_hits(self.journal, method, path)

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests matched -- including ones answered by an injected fault."""
        return len(self.hits(method, path))

    def fail(self, kind: str = "status", *, method: str | None = None, path: str = ".*", **kw: Any) -> Fault:
        """Queue a fault for the next matching requests; see ``Fault`` for the kinds and fields."""
        if kind not in FAULT_KINDS + self.extra_fault_kinds:
            raise ValueError(f"unknown fault kind {kind!r}")
        fault = Fault(kind=kind, method=method, path=path, **kw)
        re.compile(fault.path)
        if fault.times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._faults.append(fault)
        return fault

    @property
    def faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def reset(self) -> None:
        """Forget journal and faults and rebuild the vendor state from the constructor's seed."""
        with self._lock:
            self._journal.clear()
            self._faults.clear()
            self.errors.clear()
            self._reset_state()

    def state(self) -> dict[str, Any]:
        """A JSON-able snapshot of the vendor state (``GET /_fake/state``)."""
        return {}

    def _reset_state(self) -> None:
        """Subclasses (re)build their vendor state here; called by ``__init__`` and ``reset``."""

    # ---- WSGI ------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        control = request.path.startswith(CONTROL_PREFIX)
        hit = None if control else self._record(request)
        try:
            response = self._respond(request, hit)
        except _Dropped:
            raise
        except Exception:  # a bug in the fake: answer 500 and keep the traceback for the test
            self.errors.append(traceback.format_exc())
            response = text_response("fake internal error", 500)
        if hit is not None:
            hit.status = response.status_code
        return response(environ, start_response)

    def _record(self, request: Request) -> Hit:
        with self._lock:
            self._seq += 1
            hit = Hit(
                seq=self._seq,
                at=time.time(),
                method=request.method,
                path=request.path,
                query=request.args.to_dict(flat=True),
                headers=dict(request.headers.items()),
                body=parse_body(request),
            )
            self._journal.append(hit)
        return hit

    def _respond(self, request: Request, hit: Hit | None) -> Response:
        if hit is not None:
            fault = self._take_fault(request.method, request.path)
            if fault is not None:
                hit.fault = fault.kind
                response = self._apply_fault(fault, request)
                if response is not None:
                    return response
            denied = self._before(request)
            if denied is not None:
                return denied
        try:
            endpoint, args = self._url_map.bind_to_environ(request.environ).match()
            result = getattr(self, f"_h_{endpoint}")(request, **args)
        except HTTPException as e:
            return self._error(e.code or 500, e.description or e.name)
        return result if isinstance(result, Response) else json_response(result)

    def _before(self, request: Request) -> Response | None:
        """Vendor-wide gate (auth) run before routing; return a response to refuse the request."""
        return None

    def _error(self, status: int, message: str) -> Response:
        """How this vendor reports an error (Phonet: plain text; subclasses may answer JSON)."""
        return text_response(message, status)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if not fault.matches(method, path):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                if not fault.strikes():
                    continue
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _apply_fault(self, fault: Fault, request: Request) -> Response | None:
        """Return the faulty response, or None to let the request through (slow, custom kinds)."""
        delay = fault.delay if fault.delay is not None else DEFAULT_DELAY.get(fault.kind, 0.0)
        if fault.kind == "status":
            headers = [(str(name), str(value)) for name, value in fault.headers or ()]
            if fault.retry_after is not None:
                headers.append(("Retry-After", str(fault.retry_after)))
            return Response(fault.body, fault.status, headers, content_type=fault.content_type)
        if fault.kind in ("timeout", "drop"):
            self._stopping.wait(delay)
            self._drop(request)
        if fault.kind == "slow":
            self._stopping.wait(delay)
            return None
        return self._custom_fault(fault, request)

    def _custom_fault(self, fault: Fault, request: Request) -> Response | None:
        return None

    @staticmethod
    def _drop(request: Request) -> None:
        """Close the TCP connection without writing a response."""
        sock = request.environ.get("werkzeug.socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        raise _Dropped("fault: connection dropped")

    # ---- control endpoints -----------------------------------------------------------------------
    def _h_ctl_journal(self, request: Request) -> Any:
        return [h.to_dict() for h in self.hits(request.args.get("method"), request.args.get("path"))]

    def _h_ctl_count(self, request: Request) -> Any:
        return {"count": self.count(request.args.get("method"), request.args.get("path"))}

    def _h_ctl_faults_list(self, request: Request) -> Any:
        return [f.to_dict() for f in self.faults]

    def _h_ctl_faults_add(self, request: Request) -> Response:
        spec = request.get_json(silent=True)
        specs = spec if isinstance(spec, list) else [spec]
        try:
            added = [self.fail(**s).to_dict() for s in specs if isinstance(s, dict)]
        except (TypeError, ValueError, re.error) as e:
            return text_response(f"bad fault: {e}", 400)
        if not added:
            return text_response("body must be a fault object or a list of them", 400)
        return json_response(added, 201)

    def _h_ctl_faults_clear(self, request: Request) -> Any:
        self.clear_faults()
        return {"ok": True}

    def _h_ctl_reset(self, request: Request) -> Any:
        self.reset()
        return {"ok": True}

    def _h_ctl_state(self, request: Request) -> Any:
        return self.state()


def counted(values: Iterable[str]) -> dict[str, int]:
    """A plain dict counter (JSON-able, ordered by first appearance)."""
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


__all__ = [
    "FAULT_KINDS",
    "Fault",
    "FakeServer",
    "Hit",
    "counted",
    "json_response",
    "parse_body",
    "text_response",
    "tiny_wav",
]
