"""The vendor clients answer to their ports' names: every method a port declares exists on its client
with the same parameters, and every attribute it declares too, so a use case written against the
port calls the client unchanged (the records each answers in are the vendor package's to translate)."""

from __future__ import annotations

import inspect

import pytest

from hub.ports.vendors import CallListClient, DialerClient, PbxClient, SessionCache
from hub.vendors.avtodialer.client import AvtodialerClient
from hub.vendors.avtodialer.dialer import AvtodialerDialer
from hub.vendors.obzvonilka.call_list import ObzvonilkaCallList
from hub.vendors.obzvonilka.client import ObzvonilkaClient
from hub.vendors.phonet.client import MemorySessionCache, PhonetClient


def declared(port: type) -> dict[str, list[str]]:
    """The port's methods and their parameter names (self left out)."""
    return {
        name: list(inspect.signature(member).parameters)[1:]
        for name, member in vars(port).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


@pytest.mark.parametrize(
    ("port", "client"),
    [
        (PbxClient, PhonetClient),
        (SessionCache, MemorySessionCache),
        (DialerClient, AvtodialerClient),
        (CallListClient, ObzvonilkaClient),
        (DialerClient, AvtodialerDialer),
        (CallListClient, ObzvonilkaCallList),
    ],
)
def test_vendor_port_methods_exist_on_the_client_with_the_same_parameters(port: type, client: type) -> None:
    assert declared(port), f"{port.__name__} declares no methods"
    for name, parameters in declared(port).items():
        method = getattr(client, name, None)
        assert method is not None, f"{client.__name__} has no {name}"
        assert list(inspect.signature(method).parameters)[1:] == parameters, f"{client.__name__}.{name}"
    for attribute in vars(port).get("__annotations__", {}):  # DialerClient.MAX_RECORDS
        assert hasattr(client, attribute), f"{client.__name__} has no {attribute}"
