"""Domain errors say what happened and whether a retry can help; only the edges know HTTP statuses."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from hub import errors
from hub.errors import HubError, NotFound, Unavailable, VendorRejected
from hub.http import STATUS, http_status, proxy_error
from hub.vendors.telefum.answers import TelefumError
from hub.workers import settled


def _subclasses(cls: type[HubError]) -> list[type[HubError]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


ERROR_CLASSES = [cls for _, cls in inspect.getmembers(errors, inspect.isclass) if issubclass(cls, HubError)]


@pytest.mark.parametrize("kind", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_error_kind_has_no_http_status_attribute(kind: type[HubError]) -> None:
    assert not hasattr(kind, "status") and not hasattr(kind("x"), "status")
    assert isinstance(kind.retryable, bool)


def test_error_kind_every_subclass_has_its_own_row_in_the_json_status_table() -> None:
    """A new kind of error must be given a status on purpose, not inherit 500 by accident
    (InvalidPhone is a BadRequest, and TelefumError names its kind)."""
    inherit = {errors.InvalidPhone, TelefumError}
    missing = [cls.__name__ for cls in _subclasses(HubError) if cls not in STATUS and cls not in inherit]
    assert not missing, missing
    assert all(100 <= http_status(cls) < 600 for cls in _subclasses(HubError))


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (errors.BadRequest, 400),
        (errors.InvalidPhone, 400),
        (errors.Unauthorized, 401),
        (errors.Forbidden, 403),
        (NotFound, 404),
        (errors.Conflict, 409),
        (errors.PreconditionFailed, 412),
        (errors.PayloadTooLarge, 413),
        (errors.UnsupportedMediaType, 415),
        (errors.LimitExceeded, 422),
        (errors.TooManyAttempts, 429),
        (Unavailable, 503),
        (HubError, 500),
    ],
)
def test_error_kind_keeps_the_status_it_always_had(kind: type[HubError], status: int) -> None:
    assert http_status(kind("x")) == status


def test_error_kind_retryable_answers_retry_after_others_do_not() -> None:
    assert proxy_error(Unavailable("busy"))["headers"]["Retry-After"] == "1"
    assert "Retry-After" not in proxy_error(NotFound("gone"))["headers"]
    assert [cls.__name__ for cls in _subclasses(HubError) if cls.retryable] == [
        "Unavailable",
        "VendorUnavailable",
        "VendorAuthExpired",
    ]


def test_error_kind_telefum_error_stands_for_its_kind() -> None:
    assert http_status(TelefumError("Контакт не найден", kind=NotFound).kind) == 404
    assert TelefumError("Контакт не найден", kind=NotFound).code == "not_found"
    assert TelefumError("Неверный тип контакта").code == "bad_request"


@pytest.mark.parametrize("error", [Unavailable("busy"), VendorRejected("no"), NotFound("gone")])
def test_worker_settled_fails_the_record_for_any_error_not_moot(error: HubError) -> None:
    with pytest.raises(type(error)), settled(Logger(service="test")):
        raise error


def test_worker_settled_acknowledges_a_moot_error() -> None:
    done: list[Any] = []
    with settled(Logger(service="test"), moot=(NotFound,), job="j1"):
        raise NotFound("the job expired")
    done.append("after")
    assert done == ["after"]
