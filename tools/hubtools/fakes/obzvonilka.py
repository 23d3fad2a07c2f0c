"""A fake Obzvonilka call-list service: contact bases, contacts (upsert by external code) and users.

The hub pushes contacts with find_by_external -> PATCH, else POST, so that a retried push never makes a
second copy. This fake therefore allows duplicate ``external_code`` values on POST, exactly like a
service that does not enforce them, so a hub that skips the lookup leaves visible duplicates:
``push_counts()`` (``GET /_fake/push_counts``) counts the contacts carrying each code per base, and
``contacts_created`` the contacts added through the API.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from werkzeug.exceptions import NotFound
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .base import FakeServer, counted, json_response, parse_body

API_KEY_HEADERS = ("X-Api-Key", "Api-Key")
CONTACT_FIELDS = (
    "name",
    "address_string",
    "description",
    "email",
    "external_code",
    "www",
    *(f"phone{i}" for i in range(1, 11)),
    *(f"phone_remark{i}" for i in range(1, 11)),
)
BASE_DEFAULTS: dict[str, Any] = {
    "name": "",
    "remark": "",
    "deleted": False,
    "select_from_last": False,
    "auto_open_window_params": None,
    "parser_name": None,
    "parser_settings": None,
    "use_predictive_call": False,
}
USER_DEFAULTS: dict[str, Any] = {"account_enabled": True, "email": "", "name": "", "admin": False}
DEFAULT_BASES = [{"id": 1, "name": "Должники", "remark": "демо"}, {"id": 2, "name": "Новые клиенты"}]
DEFAULT_USERS = [
    {"id": 1, "email": "admin@example.com", "name": "Администратор", "admin": True},
    {"id": 2, "email": "operator@example.com", "name": "Оператор Мария"},
]
FORM_KEY = re.compile(r"contact\[(\w+)\]")


class ObzvonilkaFake(FakeServer):
    """Obzvonilka on loopback.

    Auth: the organization key as ``api_key`` (query string or form field) or in an ``X-Api-Key`` /
    ``Api-Key`` header; missing or wrong -> 401 ``{"error": ...}``. Contacts are written with form
    fields ``contact[<attr>]`` (a JSON ``{"contact": {...}}`` body is accepted too); an unknown
    attribute -> 422 ``{"errors": {attr: [...]}}``. Seed with ``bases``/``users``/``contacts``
    (each contact carrying ``base_id``) or later with ``add_base`` / ``add_contact`` / ``add_user``.

    ``moved_to`` (a base URL) makes every API request answer ``redirect_status`` (301 by default, as a
    site that changed hosts does) with ``Location`` on that host, path and query kept, unprocessed: the
    service has moved between versions of its document. A client that follows a 301 or 302 the usual
    way turns a POST or PATCH into a GET.
    """

    name = "obzvonilka"
    rules: ClassVar[list[Rule]] = [
        Rule("/api/contact_bases.json", endpoint="bases", methods=["GET"]),
        Rule("/api/contact_bases/<int:base_id>.json", endpoint="base", methods=["GET"]),
        Rule("/api/contact_bases/<int:base_id>/contacts.json", endpoint="contacts", methods=["GET"]),
        Rule("/api/contact_bases/<int:base_id>/contacts.json", endpoint="contact_create", methods=["POST"]),
        Rule("/api/contact_bases/<int:base_id>/contacts/<int:cid>.json", endpoint="contact", methods=["GET"]),
        Rule(
            "/api/contact_bases/<int:base_id>/contacts/<int:cid>.json",
            endpoint="contact_update",
            methods=["PATCH"],
        ),
        Rule(
            "/api/contact_bases/<int:base_id>/contacts/find_by_external/<code>.json",
            endpoint="find_external",
            methods=["GET"],
        ),
        Rule("/api/users.json", endpoint="users", methods=["GET"]),
        Rule("/api/users/<int:user_id>.json", endpoint="user", methods=["GET"]),
        Rule("/_fake/seed", endpoint="ctl_seed", methods=["POST"]),
        Rule("/_fake/push_counts", endpoint="ctl_push_counts", methods=["GET"]),
    ]

    def __init__(
        self,
        port: int = 0,
        *,
        api_key: str = "demo-obzvonilka-key",
        bases: list[dict[str, Any]] | None = None,
        users: list[dict[str, Any]] | None = None,
        contacts: list[dict[str, Any]] | None = None,
        moved_to: str | None = None,
        redirect_status: int = 301,
        host: str = "127.0.0.1",
    ) -> None:
        if redirect_status not in (301, 302, 303, 307, 308):
            raise ValueError("redirect_status must be a redirect")
        self.api_key = api_key
        self.moved_to = moved_to.rstrip("/") if moved_to else None
        self.redirect_status = redirect_status
        self._seed = {
            "bases": DEFAULT_BASES if bases is None else bases,
            "users": DEFAULT_USERS if users is None else users,
            "contacts": contacts or [],
        }
        super().__init__(port, host)

    def _reset_state(self) -> None:
        self.bases: dict[int, dict[str, Any]] = {}
        self.contacts_by_base: dict[int, dict[int, dict[str, Any]]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self._next_contact_id = 1
        self.contacts_created = 0  # through the API's POST; seeded contacts are not counted
        self.seed(**self._seed)

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "bases": list(self.bases.values()),
                "contacts": {str(b): list(cs.values()) for b, cs in self.contacts_by_base.items()},
                "users": list(self.users.values()),
                "push_counts": self.push_counts(),
                "contacts_created": self.contacts_created,
            }

    # ---- Python API ------------------------------------------------------------------------------
    def seed(self, bases: Any = (), users: Any = (), contacts: Any = ()) -> None:
        """Add bases, users, then contacts (each with ``base_id``)."""
        for b in bases:
            self.add_base(**b)
        for u in users:
            self.add_user(**u)
        for c in contacts:
            self.add_contact(**c)

    def add_base(self, **fields: Any) -> dict[str, Any]:
        with self._lock:
            base = {"id": fields.pop("id", max(self.bases, default=0) + 1), **BASE_DEFAULTS, **fields}
            self.bases[base["id"]] = base
            self.contacts_by_base.setdefault(base["id"], {})
            return dict(base)

    def add_user(self, **fields: Any) -> dict[str, Any]:
        with self._lock:
            user = {"id": fields.pop("id", max(self.users, default=0) + 1), **USER_DEFAULTS, **fields}
            self.users[user["id"]] = user
            return dict(user)

    def add_contact(self, base_id: int, **fields: Any) -> dict[str, Any]:
        with self._lock:
            if base_id not in self.bases:
                raise KeyError(f"no contact base {base_id}")
            cid = fields.pop("id", None) or self._next_contact_id
            self._next_contact_id = max(self._next_contact_id, cid + 1)
            contact = {"id": cid, **dict.fromkeys(CONTACT_FIELDS), **fields}
            self.contacts_by_base[base_id][cid] = contact
            return dict(contact)

    def contacts(self, base_id: int) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(c) for c in self.contacts_by_base.get(base_id, {}).values()]

    def find_by_external(self, base_id: int, code: str) -> list[dict[str, Any]]:
        """Every contact with that external code (more than one means a duplicated push)."""
        return [c for c in self.contacts(base_id) if c.get("external_code") == code]

    def push_counts(self) -> dict[str, dict[str, int]]:
        """``{base_id: {external_code: contacts in that base carrying it}}`` (JSON-able: ids as
        strings): a code pushed twice without the lookup shows as 2. Contacts without a code are left
        out."""
        with self._lock:
            return {
                str(base_id): counted(
                    str(c["external_code"]) for c in contacts.values() if c.get("external_code")
                )
                for base_id, contacts in self.contacts_by_base.items()
            }

    def pushed_twice(self) -> dict[str, list[str]]:
        """The external codes more than one contact of a base carries, by base (should be empty)."""
        return {
            base: twice
            for base, codes in self.push_counts().items()
            if (twice := [code for code, n in codes.items() if n > 1])
        }

    # ---- internals -------------------------------------------------------------------------------
    def _before(self, request: Request) -> Response | None:
        if not request.path.startswith("/api/"):
            return None
        if self.moved_to:
            query = request.query_string.decode()
            location = f"{self.moved_to}{request.path}{'?' + query if query else ''}"
            return Response("", self.redirect_status, {"Location": location})
        form = parse_body(request)
        key = request.args.get("api_key") or (form.get("api_key") if isinstance(form, dict) else None)
        key = key or next((request.headers[h] for h in API_KEY_HEADERS if h in request.headers), None)
        if key != self.api_key:
            return json_response({"error": "Unauthorized: missing or wrong api_key"}, 401)
        return None

    def _error(self, status: int, message: str) -> Response:
        return json_response({"error": message}, status)

    def _base(self, base_id: int) -> dict[int, dict[str, Any]]:
        if base_id not in self.bases:
            raise NotFound(f"contact base {base_id} not found")
        return self.contacts_by_base[base_id]

    def _contact(self, base_id: int, cid: int) -> dict[str, Any]:
        contact = self._base(base_id).get(cid)
        if contact is None:
            raise NotFound(f"contact {cid} not found")
        return contact

    # ---- handlers --------------------------------------------------------------------------------
    def _h_bases(self, request: Request) -> Any:
        with self._lock:
            return list(self.bases.values())

    def _h_base(self, request: Request, base_id: int) -> Any:
        with self._lock:
            self._base(base_id)
            return self.bases[base_id]

    def _h_contacts(self, request: Request, base_id: int) -> Any:
        with self._lock:
            return list(self._base(base_id).values())

    def _h_contact(self, request: Request, base_id: int, cid: int) -> Any:
        with self._lock:
            return self._contact(base_id, cid)

    def _h_find_external(self, request: Request, base_id: int, code: str) -> Any:
        with self._lock:
            found = [c for c in self._base(base_id).values() if c.get("external_code") == code]
        if not found:
            raise NotFound(f"no contact with external_code {code}")
        return found[0]

    def _h_contact_create(self, request: Request, base_id: int) -> Response:
        with self._lock:
            self._base(base_id)
        fields = _contact_fields(request)
        if isinstance(fields, Response):
            return fields
        with self._lock:
            contact = self.add_contact(base_id, **fields)
            self.contacts_created += 1
        return json_response(contact, 201)

    def _h_contact_update(self, request: Request, base_id: int, cid: int) -> Response:
        fields = _contact_fields(request)
        if isinstance(fields, Response):
            return fields
        with self._lock:
            contact = self._contact(base_id, cid)
            contact.update(fields)
            return json_response(dict(contact))

    def _h_users(self, request: Request) -> Any:
        with self._lock:
            return list(self.users.values())

    def _h_user(self, request: Request, user_id: int) -> Any:
        with self._lock:
            user = self.users.get(user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found")
        return user

    def _h_ctl_seed(self, request: Request) -> Response:
        spec = request.get_json(silent=True)
        try:
            self.seed(**(spec if isinstance(spec, dict) else {}))
        except (TypeError, KeyError) as e:
            return json_response({"error": str(e)}, 400)
        return json_response(self.state(), 201)

    def _h_ctl_push_counts(self, request: Request) -> Any:
        return {"push_counts": self.push_counts(), "contacts_created": self.contacts_created}


def _contact_fields(request: Request) -> dict[str, Any] | Response:
    """``contact[attr]`` form fields (or JSON ``{"contact": {...}}``), checked against the attributes."""
    body = parse_body(request)
    if isinstance(body, dict) and isinstance(body.get("contact"), dict):
        fields = dict(body["contact"])
    elif isinstance(body, dict):
        fields = {m.group(1): v for k, v in body.items() if (m := FORM_KEY.fullmatch(k))}
    else:
        fields = {}
    if unknown := [k for k in fields if k not in CONTACT_FIELDS]:
        return json_response({"errors": {k: ["unknown attribute"] for k in unknown}}, 422)
    if not fields:
        return json_response({"errors": {"contact": ["no contact[...] fields given"]}}, 422)
    return fields


__all__ = ["ObzvonilkaFake"]
