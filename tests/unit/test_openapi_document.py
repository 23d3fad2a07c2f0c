"""The committed OpenAPI document is the one the code generates, and it says what the API does."""

from __future__ import annotations

from hubtools.openapi import DOCUMENT, generate, render


def test_committed_document_matches_the_code() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == render(generate()), (
        "docs/openapi.json is out of date: run `make openapi` and commit it"
    )


def test_document_declares_key_auth_error_bodies_and_limits() -> None:
    document = generate()
    schemes = document["components"]["securitySchemes"]
    assert {(s["in"], s["name"]) for s in schemes.values()} == {("header", "X-API-Key"), ("query", "api_key")}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" not in responses, (method, path)
            assert responses["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    contact = document["components"]["schemas"]["ContactCreate"]["properties"]
    assert contact["phones"]["maxItems"] == 10 and contact["name"]["anyOf"][0]["maxLength"] == 300
    limits = {p["name"]: p for p in document["paths"]["/api/v1/contacts"]["get"]["parameters"]}
    assert limits["limit"]["schema"]["maximum"] == 100
    rows = document["components"]["schemas"]["ImportRequest"]["properties"]["rows"]
    assert rows["maxItems"] == 10_000
