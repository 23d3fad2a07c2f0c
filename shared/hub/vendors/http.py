"""How the hub talks to a vendor's API: one `requests.Session` setup and one reading of its answers,
shared by the Phonet, Avtodialer and Obzvonilka clients (the only modules that import `requests`).

The rules every client follows:
- an explicit (connect, read) timeout on every request;
- urllib3 retries with backoff for GET only, on connection failures, 429 and 5xx: a POST or PATCH is
  never sent twice by the transport (a call placed, a robot dial queued or a contact added may have
  happened even when the answer was lost). A refused connection is retried for any method, since
  nothing reached the vendor;
- redirects are never followed: a 301/302 would turn a POST into a GET (requests does that), and a
  tenant's vendor must not be able to point the hub's requests, with their keys, at another host;
- failures become the domain's errors, with `details` saying what is known: `VendorUnavailable`
  (retryable: 5xx, 429, timeouts, connection errors, an answer that is not the JSON promised),
  `VendorRejected` (not retryable: other 4xx, a redirect), `VendorAuthExpired`. `maybe_done` in the
  details tells a caller of a non-idempotent operation whether the vendor may have acted anyway.
- every request is counted by vendor and outcome (hub.observability.vendor_call) in `send`, the one
  function all of them go through: the outcome is the error its answer's status means (what
  `checked` raises), so a Phonet session renewed shows one refused and one ok exchange; a 2xx whose
  body does not read counts as ok here, the caller's error says the rest;
- messages never carry a URL or a request body: Avtodialer's key is a path segment, Obzvonilka's a
  query parameter, and both would leak into logs through requests' own exception texts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, ValidationError
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError
from urllib3.util.retry import Retry

from hub.errors import HubError, VendorRejected, VendorUnavailable, validation_summary
from hub.observability import vendor_call

IDEMPOTENT_METHODS = frozenset({"GET"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BODY_EXCERPT = 200

Row = TypeVar("Row", bound=BaseModel)


@dataclass(frozen=True)
class HttpPolicy:
    """Timeouts and retries of one vendor client. `retries` is how many more times a GET may be sent
    after a failure; tests pass `backoff_factor=0` to stay fast."""

    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    retries: int = 2
    backoff_factor: float = 0.5
    retry_after_max: float = 5.0

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)

    def retry(self) -> Retry:
        return _Retry(
            total=self.retries,
            connect=self.retries,
            read=self.retries,
            status=self.retries,
            other=0,
            redirect=False,
            allowed_methods=IDEMPOTENT_METHODS,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.backoff_factor,
            respect_retry_after_header=True,
            raise_on_status=False,
            raise_on_redirect=False,
            retry_after_cap=self.retry_after_max,
        )


class _Retry(Retry):
    """urllib3's Retry with Retry-After capped: a vendor asking for an hour must not hold a Lambda for
    an hour. The retry waits at most the cap; refused again, the caller hears `VendorUnavailable` with
    the vendor's Retry-After in its details."""

    DEFAULT_CAP: ClassVar[float] = 5.0

    def __init__(self, *args: Any, retry_after_cap: float = DEFAULT_CAP, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after_cap = retry_after_cap

    def new(self, **kw: Any) -> _Retry:
        fresh = super().new(**kw)
        fresh.retry_after_cap = self.retry_after_cap
        return fresh

    def parse_retry_after(self, retry_after: str) -> float:
        return min(super().parse_retry_after(retry_after), self.retry_after_cap)


def vendor_session(policy: HttpPolicy, session: requests.Session | None = None) -> requests.Session:
    """`session` (or a new one) with the policy's retries mounted for http and https. The client owns
    the session from then on."""
    session = session or requests.Session()
    adapter = HTTPAdapter(max_retries=policy.retry())
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def web_base_url(value: str, what: str) -> str:
    """A vendor base URL without its trailing slash; only http(s) with a host (the stage's stricter
    rules, https and no private addresses, belong to the settings that store it)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"{what} must be an http(s) URL with a host and no query")
    return value.strip().rstrip("/")


@dataclass(frozen=True)
class Call:
    """One outbound operation, named for errors and logs: `vendor` and the vendor's own operation name
    (`makeCall`, `make`, `contacts.create`)."""

    vendor: str
    operation: str
    method: str = "GET"
    read_only: bool = False  # a POST that only reads (Avtodialer's cdr): sending it twice is harmless

    @property
    def idempotent(self) -> bool:
        return self.read_only or self.method.upper() in IDEMPOTENT_METHODS

    def details(self, **extra: Any) -> dict[str, Any]:
        return {"vendor": self.vendor, "operation": self.operation, **extra}


def send(
    session: requests.Session, call: Call, url: str, policy: HttpPolicy, **kwargs: Any
) -> requests.Response:
    """Send one request (the adapter retries what may be retried) and count it; a transport failure
    becomes `VendorUnavailable`, with `maybe_done` false only when the request cannot have reached
    the vendor. The answer is returned whatever its status, for the caller to read or `checked`."""
    with vendor_call(call.vendor) as outcome:
        try:
            response = session.request(
                call.method, url, timeout=policy.timeout, allow_redirects=False, **kwargs
            )
        except requests.RequestException as exc:
            never_sent = _never_sent(exc)
            kind = "did not connect" if never_sent else _failure_kind(exc)
            # `from None`: requests' own message names the URL, which may carry the tenant's key
            raise VendorUnavailable(
                f"{call.vendor} {call.operation}: {kind}",
                details=call.details(failure=type(exc).__name__, maybe_done=not never_sent),
            ) from None
        error = answer_error(response, call)
        if error is not None:
            outcome.failed(error)
        return response


def _never_sent(exc: requests.RequestException) -> bool:
    """A refused connection, a failed DNS lookup or a connect timeout: the vendor saw nothing."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if not isinstance(exc, requests.ConnectionError) or isinstance(exc, requests.ReadTimeout):
        return False
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # a MaxRetryError wraps the last failure
    return isinstance(reason, ConnectTimeoutError)  # NewConnectionError and NameResolutionError too


def _failure_kind(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return "timed out waiting for the answer"
    return "the connection failed before an answer came"


def checked(response: requests.Response, call: Call) -> requests.Response:
    """The response when it is a 2xx, else the domain error its status means, raised."""
    error = answer_error(response, call)
    if error is not None:
        raise error
    return response


def answer_error(response: requests.Response, call: Call) -> HubError | None:
    """The domain error an answer's status means; None for a 2xx."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    excerpt = body_excerpt(response)
    if 300 <= status < 400:
        moved = urlsplit(response.headers.get("Location", ""))
        where = f"{moved.scheme}://{moved.hostname}" if moved.hostname else "elsewhere"
        return VendorRejected(
            f"{call.vendor} {call.operation}: answered {status}, a redirect to {where} (not followed; "
            "if the service moved, update its base URL)",
            code="vendor_redirected",
            details=call.details(status=status, location=where, maybe_done=False),
        )
    if status in (401, 403):
        return VendorRejected(
            f"{call.vendor} {call.operation}: the credentials were refused ({status}): {excerpt}",
            code="vendor_auth_refused",
            details=call.details(status=status, maybe_done=False),
        )
    if status in RETRY_STATUSES or status >= 500:
        # avtodialer.md: a 429, or a 503 with no body, proves nothing was done; any other 5xx may not
        maybe_done = not call.idempotent and not (status == 429 or (status == 503 and not response.content))
        return VendorUnavailable(
            f"{call.vendor} {call.operation}: answered {status}: {excerpt}",
            details=call.details(
                status=status, retry_after=response.headers.get("Retry-After"), maybe_done=maybe_done
            ),
        )
    return VendorRejected(
        f"{call.vendor} {call.operation}: refused the request ({status}): {excerpt}",
        details=call.details(status=status, maybe_done=False),
    )


def body_excerpt(response: requests.Response) -> str:
    """The start of a vendor's error text, on one line (Phonet answers errors in plain text)."""
    text = " ".join(response.text.split())
    return text[:BODY_EXCERPT] + ("…" if len(text) > BODY_EXCERPT else "") if text else "(no body)"


def json_body(response: requests.Response, call: Call) -> Any:
    """The JSON a 2xx answer must carry. Anything else (an HTML error page from a proxy, an empty or
    cut body) is `VendorUnavailable`, never an empty result: reading it as "no rows" silently loses
    data, while a retry later may well get the real answer."""
    try:
        return response.json()
    except ValueError:
        raise VendorUnavailable(
            f"{call.vendor} {call.operation}: answered {response.status_code} without JSON "
            f"({response.headers.get('Content-Type') or 'no content type'}): {body_excerpt(response)}",
            details=call.details(status=response.status_code, maybe_done=not call.idempotent),
        ) from None


def unexpected_shape(call: Call, what: str) -> VendorUnavailable:
    """A JSON answer that is not what the vendor documents: like a non-JSON one, not an empty result."""
    return VendorUnavailable(
        f"{call.vendor} {call.operation}: the answer is not {what}",
        details=call.details(maybe_done=not call.idempotent),
    )


@dataclass(frozen=True)
class InvalidRow:
    """A row of a vendor's list that did not read as its model: kept (with why) for the caller to
    count and log, so one odd row neither fails the whole page nor vanishes."""

    index: int
    raw: Any
    reason: str


@dataclass(frozen=True)
class Rows(Generic[Row]):
    """A vendor list read row by row: the rows that parsed and those that did not."""

    rows: list[Row] = field(default_factory=list)
    invalid: list[InvalidRow] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows) + len(self.invalid)


def parse_rows(model: type[Row], body: Any, call: Call) -> Rows[Row]:
    """`body` must be a JSON array; each element is validated on its own."""
    if not isinstance(body, list):
        raise unexpected_shape(call, "a JSON array")
    rows: list[Row] = []
    invalid: list[InvalidRow] = []
    for index, item in enumerate(body):
        try:
            rows.append(model.model_validate(item))
        except ValidationError as exc:
            invalid.append(InvalidRow(index=index, raw=item, reason=validation_summary(exc, limit=3)))
    return Rows(rows=rows, invalid=invalid)


def parse_one(model: type[Row], body: Any, call: Call) -> Row:
    """A single object answer; not matching its model is an unexpected shape."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise VendorUnavailable(
            f"{call.vendor} {call.operation}: the answer does not read: {validation_summary(exc, limit=3)}",
            details=call.details(maybe_done=not call.idempotent),
        ) from None
