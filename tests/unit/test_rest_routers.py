"""The REST API's routes live in one Router per resource (hub.api.routes); the handler only includes
them, and an included Router reads the context the handler writes (the tenant, the API key)."""

from __future__ import annotations

import pkgutil

from hub.api import routes
from tests.support import load_function


def test_rest_api_every_route_comes_from_a_resource_router() -> None:
    app = load_function("rest_api").app
    handlers = {route.func.__module__ for route in app._static_routes + app._dynamic_routes}
    modules = {f"hub.api.routes.{m.name}" for m in pkgutil.iter_modules(routes.__path__)}
    assert handlers - {"functions_rest_api_app"} == modules  # only the OpenAPI document stays in app.py


def test_rest_api_router_reads_the_handler_context() -> None:
    from hub.api.routes import contacts

    app = load_function("rest_api").app
    app.append_context(tenant="acme-context")
    try:
        assert contacts.router.context["tenant"] == "acme-context"
    finally:
        app.clear_context()
