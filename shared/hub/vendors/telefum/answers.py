"""TelefUM's XML (spec/telefum.md): every answer built with a real XML library, every value escaped.

Errors use the spec's shape, `<response><result>error</result><description>…</description></response>`,
with Russian descriptions and status 200: the seed shows error bodies and no status codes, and a
desktop HTTP client may not read the body of a 4xx. The cause (the 4xx it stands for, the hub's error
code) is in the description and in the log line. Only the hub's own failures (5xx) keep their status.
Each answer is counted (hub.observability) with the status its error stands for, not the 200 sent.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree as ET

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from pydantic import ValidationError

from hub.errors import BadRequest, HubError
from hub.http import http_status
from hub.models.tenant import Vendor
from hub.observability import webhook_answered

XML_CONTENT_TYPE = "application/xml; charset=utf-8"
# XML 1.0 forbids most control characters even escaped: they are dropped, so any input still gives a
# document a strict parser accepts.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class TelefumError(HubError):
    """An error TelefUM shows its user: the description is the spec's Russian text; `kind`, the domain
    error it stands for (invalid input unless told), gives its code and the status it is logged as."""

    def __init__(self, description: str, kind: type[HubError] = BadRequest) -> None:
        super().__init__(description, code=kind.code)
        self.kind = kind


WRONG_CREDENTIALS = "Неправильный логин или пароль"
NO_PHONE = "Не указан номер телефона"
NO_CONTACT_ID = "Не указано id-контакта"
CONTACT_NOT_FOUND = "Контакт не найден"
WRONG_CONTACT_TYPE = "Неверный тип контакта"
UNKNOWN_REQUEST = "Неизвестный тип запроса"
LOCKED_OUT = "Слишком много неудачных попыток входа. Повторите позже"
INTERNAL = "Внутренняя ошибка. Повторите запрос позже"
# The hub's error codes as TelefUM's user reads them.
DESCRIPTIONS = {
    "unauthorized": WRONG_CREDENTIALS,
    "locked_out": LOCKED_OUT,
    "not_found": "Не найдено",
    "invalid_phone": "Неверный номер телефона",
    "too_many_phones": "Слишком много номеров телефона",
    "bad_request": "Неверные параметры запроса",
    "payload_too_large": "Слишком большой запрос",
    "conflict": "Данные изменились, повторите запрос",
}


def clean(value: Any) -> str:
    return _NOT_XML.sub("", "" if value is None else str(value))


def document(*children: tuple[str, Any] | ET.Element) -> str:
    """`<response>` with the given `(tag, text)` pairs or elements, as UTF-8 XML text."""
    root = ET.Element("response")
    for child in children:
        if isinstance(child, ET.Element):
            root.append(child)
        else:
            ET.SubElement(root, child[0]).text = clean(child[1])
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def item(**fields: Any) -> ET.Element:
    element = ET.Element("item")
    for tag, value in fields.items():
        ET.SubElement(element, tag).text = clean(value)
    return element


def xml_response(body: str, status: int = 200) -> Response:
    return Response(status_code=status, content_type=XML_CONTENT_TYPE, body=body)


def error_document(description: str) -> str:
    return document(("result", "error"), ("description", description))


class XmlResolver(APIGatewayHttpResolver):
    """Powertools' HTTP API resolver, counting each of TelefUM's requests where its answer is final:
    a refusal goes out as a 200, so the error handlers note the status it stands for and its code."""

    refusal: tuple[int, str] | None = None  # (status, code) of the error answered, set per request

    def resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.refusal = None
        response = super().resolve(event, context)
        status, code = self.refusal or (response["statusCode"], None)
        webhook_answered(Vendor.TELEFUM.value, status, code)
        return response


def xml_resolver(logger: Logger) -> XmlResolver:
    """A resolver whose errors are TelefUM's XML with status 200, mapped in one place."""
    app = XmlResolver()

    def error(description: str, status: int, code: str) -> Response:
        app.refusal = (status, code)
        if status >= 500:
            logger.warning("request failed", extra={"code": code, "status": status})
            return xml_response(error_document(description), status)
        logger.info("request refused", extra={"code": code, "status": status, "description": description})
        return xml_response(error_document(description))

    @app.exception_handler(TelefumError)
    def _telefum(exc: TelefumError) -> Response:
        return error(exc.message, http_status(exc.kind), exc.code)

    @app.exception_handler(HubError)
    def _hub(exc: HubError) -> Response:
        return error(DESCRIPTIONS.get(exc.code, INTERNAL), http_status(exc), exc.code)

    @app.exception_handler(ValidationError)
    def _invalid(exc: ValidationError) -> Response:
        return error(DESCRIPTIONS["bad_request"], 400, "bad_request")

    @app.not_found
    def _not_found(_exc: Exception) -> Response:
        return error(DESCRIPTIONS["not_found"], 404, "not_found")

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        logger.exception("unexpected error")
        app.refusal = (500, HubError.code)
        return xml_response(error_document(INTERNAL), 500)

    return app
