"""The hub's pages under /app/{tenant}/: sign-in, contact card (with click-to-call and the do-not-call
toggle), search, new contact, the call log, callbacks, dial campaigns (a list, and each one's live
progress), the team (presence, and who is on a call now).

Server-rendered (Jinja2, autoescape), one stylesheet, usable on a phone. Every page but sign-in
needs this tenant's session; every form checks its CSRF token. The routes are hub.pages.routes';
this handler builds the use cases they call and answers what no route handled.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from hub import wiring
from hub.errors import HubError
from hub.http import http_status
from hub.pages import render_status
from hub.pages.i18n import LANGUAGE_COOKIE
from hub.pages.routes import callbacks, calls, campaigns, contacts, session, team
from hub.pages.web import HTML, PageServices, request_cookies

logger = Logger()
app = APIGatewayHttpResolver()
for pages in (session, contacts, calls, callbacks, campaigns, team):
    app.include_router(pages.router)


def page_services() -> PageServices:
    return PageServices(
        tenants=wiring.tenant_directory(),
        sessions=wiring.page_sessions(),
        authenticator=wiring.authenticator(),
        contacts=wiring.contact_service(),
        cards=wiring.contact_cards(),
        dialing=wiring.dialing(),
        do_not_call=wiring.do_not_call(),
        call_log=wiring.call_log(),
        calls=wiring.call_service(),
        campaigns=wiring.campaign_service(),
        team=wiring.team(),
    )


def status_page(status: int) -> Response:
    event = app.current_event
    chosen = request_cookies(event).get(LANGUAGE_COOKIE)
    body = render_status(status, (event.headers or {}).get("accept-language"), chosen)
    return Response(status_code=status, content_type=HTML, body=body, headers={"Cache-Control": "no-store"})


@app.exception_handler(HubError)
def _refused(exc: HubError) -> Response:
    """A domain error no page handled (an unknown tenant, a body that is not UTF-8): its status, in HTML."""
    status = http_status(exc)
    if status >= 500:
        logger.warning("request failed", extra={"code": exc.code})
    return status_page(status)


@app.not_found
def _no_route(_exc: Exception) -> Response:
    return status_page(404)


@app.exception_handler(Exception)
def _unexpected(exc: Exception) -> Response:
    logger.exception("unexpected error")
    return status_page(500)


@logger.inject_lambda_context(clear_state=True, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    app.append_context(services=page_services())
    return app.resolve(event, context)
