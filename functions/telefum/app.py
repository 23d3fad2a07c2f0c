"""TelefUM's CRM API (spec/telefum.md): `/rest` find / addcont / addevent in XML, and the card and
search pages it opens, which redirect to the hub's own pages."""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from hub import wiring
from hub.domain.contacts import ContactInput, PhoneInput
from hub.domain.tenants import TenantContext
from hub.errors import InvalidPhone, NotFound
from hub.models.contact import ContactType
from hub.models.tenant import Employee
from hub.phones import normalize_phone
from hub.vendors.telefum.answers import (
    CONTACT_NOT_FOUND,
    NO_CONTACT_ID,
    NO_PHONE,
    UNKNOWN_REQUEST,
    WRONG_CONTACT_TYPE,
    TelefumError,
    document,
    item,
    xml_resolver,
    xml_response,
)
from hub.vendors.telefum.request import contact_type, event_kind, parameters

logger = Logger()
metrics = Metrics()
app = xml_resolver(logger)


@app.route("/telefum/<tenant>/rest", method=["GET", "POST"])
def rest(tenant: str) -> Response:
    fields = parameters(app)
    context = wiring.tenant_directory().by_slug(tenant)
    logger.append_keys(tenant=context.slug)
    employee = wiring.authenticator().authenticate(context.slug, fields.get("login"), fields.get("password"))
    handlers = {"find": find, "addcont": add_contact, "addevent": add_event}
    handler = handlers.get(fields.get("typereq", "").lower())
    if handler is None:
        raise TelefumError(UNKNOWN_REQUEST)
    return xml_response(handler(context, employee, fields))


def find(context: TenantContext, _employee: Employee, fields: dict[str, str]) -> str:
    """A hidden or odd caller id (`phone=`, `anonymous`, `101`) is held by nobody: `<total>0</total>`."""
    if "phone" not in fields:
        raise TelefumError(NO_PHONE)
    contacts = wiring.contact_service().with_number(context, fields["phone"])
    items = [
        item(
            id=c.id, typecont=c.type.value, name=c.display_name, company=c.company, description=c.description
        )
        for c in contacts
    ]
    return document(*items, ("total", len(items)))


def add_contact(context: TenantContext, employee: Employee, fields: dict[str, str]) -> str:
    """The contact, created by the employee whose credentials came; `x_pstn` (the line called) is its
    source, in E.164 when it parses."""
    if not fields.get("phone"):
        raise TelefumError(NO_PHONE)
    source = fields.get("x_pstn") or None
    if source:
        with contextlib.suppress(InvalidPhone):
            source = normalize_phone(source, context.tenant.default_country)
    data = ContactInput(
        type=contact_type(fields.get("typecont"), ContactType.CONTACT),
        name=fields.get("name") or None,
        phones=[PhoneInput(number=fields["phone"])],
        source=source,
    )
    contact = wiring.contact_service().create(context, data, created_by=employee.id)
    return document(
        ("result", "ok"),
        ("id", contact.id),
        ("typecont", contact.type.value),
        ("description", "Контакт добавлен"),
    )


def add_event(context: TenantContext, employee: Employee, fields: dict[str, str]) -> str:
    """An event on the contact's timeline, authored by the employee whose credentials came."""
    contact_id = fields.get("id")
    if not contact_id:
        raise TelefumError(NO_CONTACT_ID)
    service = wiring.contact_service()
    try:
        contact = service.get(context, contact_id)
    except NotFound as exc:
        raise TelefumError(CONTACT_NOT_FOUND, kind=NotFound) from exc
    if fields.get("typecont") and contact_type(fields["typecont"]) != contact.type:
        raise TelefumError(WRONG_CONTACT_TYPE)
    subject = fields.get("subj") or None
    event_id = service.add_event(
        context, contact.id, event_kind(subject), subject, fields.get("desc") or None, employee.id
    )
    return document(("result", "ok"), ("idev", event_id), ("description", "Событие добавлено"))


@app.get("/telefum/<tenant>/card")
def card(tenant: str) -> Response:
    contact_id = parameters(app).get("id", "")
    return redirect(f"/app/{quote(tenant)}/contacts/{quote(contact_id, safe='')}")


@app.get("/telefum/<tenant>/search")
def search(tenant: str) -> Response:
    return redirect(f"/app/{quote(tenant)}/search?phone={quote(parameters(app).get('phone', ''), safe='')}")


def redirect(location: str) -> Response:
    return Response(status_code=302, headers={"Location": location}, body="")


@logger.inject_lambda_context(clear_state=True, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
