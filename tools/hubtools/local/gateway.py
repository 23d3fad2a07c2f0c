"""API Gateway HTTP API on loopback: template routes -> payload v2 events -> handler results -> HTTP.

The event is built as API Gateway builds it: path and query parameters, lower-cased headers with
repeated values joined by commas, cookies, base64 for non-text bodies, and
`requestContext.http.sourceIp` from the socket's peer (never from a header).
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from hubtools.local.lambdas import FunctionSpec, InvocationError

log = logging.getLogger("hubtools.local")
_TEXT_TYPES = re.compile(r"^(text/|application/(json|xml|javascript|x-www-form-urlencoded)|.*\+(json|xml)$)")


@dataclass(frozen=True)
class Route:
    method: str  # "ANY" or an HTTP method
    path: str  # as in the template: /hooks/phonet/{token}/lookup, /app/{proxy+}
    function: str
    pattern: re.Pattern[str]

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def specificity(self) -> tuple[int, int, int]:
        """API Gateway prefers literal segments over variables, and a greedy {x+} comes last."""
        segments = self.path.strip("/").split("/")
        literal = sum(1 for segment in segments if not segment.startswith("{"))
        return ("+}" in self.path, -literal, -len(segments))


def _compile(path: str) -> re.Pattern[str]:
    regex = ""
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{") and part.endswith("+}"):
            regex += f"(?P<{part[1:-2]}>.+)"
        elif part.startswith("{"):
            regex += f"(?P<{part[1:-1]}>[^/]+)"
        else:
            regex += re.escape(part)
    # DOTALL: an encoded newline (%0A) in a path is still part of the path, as API Gateway sees it.
    return re.compile(f"^{regex}$", re.DOTALL)


def http_routes(specs: dict[str, FunctionSpec]) -> list[Route]:
    """Every HttpApi event of every function, most specific first."""
    routes = []
    for spec in specs.values():
        for event in spec.events.values():
            if event.get("Type") != "HttpApi":
                continue
            props = event.get("Properties", {})
            path, method = props.get("Path", "$default"), str(props.get("Method", "ANY")).upper()
            routes.append(
                Route(method, path, spec.logical_id, _compile(path) if path != "$default" else re.compile(""))
            )
    return sorted(routes, key=Route.specificity)


def _joined(pairs: Any) -> dict[str, str]:
    """API Gateway's v2 shape: repeated headers or parameters become one comma-joined value."""
    joined: dict[str, str] = {}
    for name, value in pairs:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def _body(request: Request) -> tuple[str | None, bool]:
    """Text bodies as text; anything else (or undecodable) base64-encoded, as API Gateway does."""
    raw = request.get_data()
    if not raw:
        return None, False
    if _TEXT_TYPES.match(request.headers.get("content-type", "").lower()):
        try:
            return raw.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(raw).decode(), True


def _raw_query(request: Request) -> str:
    """The query string as the client sent it, as API Gateway passes it on: percent escapes kept as
    they are, raw UTF-8 bytes (`name=Имя%20контакта`, as TelefUM's docs send it) read as UTF-8 text,
    not as latin-1 mojibake; `queryStringParameters` are then decoded from it as UTF-8.

    werkzeug's server reads the request line as latin-1 and then UTF-8-encodes that text into the
    WSGI environ, so non-ASCII bytes arrive encoded twice: both steps are undone here."""
    sent = request.query_string
    # Not encoded twice (another server): the bytes are as sent.
    with contextlib.suppress(UnicodeDecodeError, UnicodeEncodeError):
        sent = sent.decode("utf-8").encode("latin-1")
    return sent.decode("utf-8", errors="replace")


def build_event(request: Request, route: Route, path_parameters: dict[str, str]) -> dict[str, Any]:
    headers = _joined(
        (name.lower(), value) for name, value in request.headers.items() if name.lower() != "cookie"
    )
    headers.setdefault("x-forwarded-proto", request.scheme)
    raw_query = _raw_query(request)
    query = _joined(parse_qsl(raw_query, keep_blank_values=True, encoding="utf-8", errors="replace"))
    body, is_base64 = _body(request)
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": request.path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": request.host,
            "domainPrefix": request.host.split(".")[0],
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": request.remote_addr or "",
                "userAgent": request.headers.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": route.route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": is_base64,
    }
    cookie_header = request.headers.get("cookie")
    if cookie_header:
        event["cookies"] = [c.strip() for c in cookie_header.split(";") if c.strip()]
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body is not None:
        event["body"] = body
    return event


def http_response(result: Any) -> Response:
    """Payload format 2.0: a dict with statusCode is the response; anything else is a JSON 200."""
    if not (isinstance(result, dict) and "statusCode" in result):
        return Response(json.dumps(result), 200, content_type="application/json")
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    response = Response(data, int(result["statusCode"]))
    response.headers.remove("Content-Type")
    for name, value in (result.get("headers") or {}).items():
        response.headers[name] = str(value)
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.add(name, str(value))
    for cookie in result.get("cookies") or []:
        response.headers.add("Set-Cookie", cookie)
    return response


def _message(status: int, message: str) -> Response:
    return Response(json.dumps({"message": message}), status, content_type="application/json")


class Gateway:
    """A threaded HTTP server in front of the functions; `control` serves the runner's /_local/ paths."""

    def __init__(
        self,
        routes: list[Route],
        invoke: Callable[[str, dict[str, Any]], Any],
        control: Callable[[Request], Response | None] | None = None,
        host: str = "127.0.0.1",
        port: int = 3000,
    ) -> None:
        self.routes, self.invoke, self.control = routes, invoke, control
        self.host, self.port = host, port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://{self.host}:{self._server.server_port}"

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.path == "$default":
                return route, {}
            found = route.pattern.match(path)
            if found and route.method in (method, "ANY"):
                return route, found.groupdict()
        return None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        if self.control and request.path.startswith("/_local/"):
            answer = self.control(request)
            if answer is not None:
                return answer
        matched = self.match(request.method, request.path)
        if matched is None:
            return _message(404, "Not Found")
        route, path_parameters = matched
        event = build_event(request, route, path_parameters)
        started = time.perf_counter()
        try:
            response = http_response(self.invoke(route.function, event))
        except InvocationError as exc:
            log.error("%s %s -> %s failed: %s", request.method, route.path, route.function, exc)
            if exc.kind == "Sandbox.Timedout":
                return _message(503, "Service Unavailable")
            return _message(500, "Internal Server Error")
        except Exception:  # noqa: BLE001 - a broken result is the function's fault: 500, keep serving
            log.exception("%s %s -> %s gave an unusable result", request.method, route.path, route.function)
            return _message(500, "Internal Server Error")
        elapsed = (time.perf_counter() - started) * 1000
        log.info(
            "%s %s -> %s %d (%.0f ms)",
            request.method,
            route.path,
            route.function,
            response.status_code,
            elapsed,
        )
        return response

    def start(self) -> Gateway:
        self._server = make_server(self.host, self.port, self, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="gateway", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
