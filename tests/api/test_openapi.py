"""The OpenAPI document: complete, well-formed, and true to what the API answers."""

from __future__ import annotations

import importlib.util
import re

import pytest

from portal.accounts.service import FIELDS as ACCOUNT_FIELDS
from portal.advocates.service import FIELDS as ADVOCATE_FIELDS
from portal.api.openapi import openapi_document
from portal.api.schemas.accounts import AccountInputSchema, AccountNewSchema
from portal.api.schemas.advocates import AdvocateInputSchema, AdvocateNewSchema
from tests.factories import AccountFactory, AdvocateFactory

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
def document(db, api):
    response = api.get("/api/v1/openapi.json", None)
    assert response.status_code == 200
    return response.get_json()


def resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = document
        for part in ref[2:].split("/"):
            node = node[part]
    return node


def all_refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from all_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from all_refs(value)


def test_every_api_rule_is_documented_with_its_methods(app, document):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")]
    assert len(rules) >= 5
    for rule in rules:
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        assert path in document["paths"], path
        methods = {m.lower() for m in rule.methods} - {"head", "options"}
        assert methods <= set(document["paths"][path]), (path, methods)
    documented = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    served = {
        (re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", r.rule), m.lower())
        for r in rules
        for m in r.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == served


def test_document_is_valid_openapi(document):
    if importlib.util.find_spec("openapi_spec_validator") is not None:  # pragma: no cover
        from openapi_spec_validator import validate

        validate(document)
    # Structure, checked here whether or not a validator is installed.
    assert re.fullmatch(r"3\.(0\.\d+|1\.\d+)", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"]
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token.",
    }
    assert document["security"] == [{"bearerAuth": []}]
    for ref in set(all_refs(document)):
        resolve(document, {"$ref": ref})  # every $ref points at something
    operation_ids = []
    for path, item in document["paths"].items():
        assert path.startswith("/api/v1/")
        declared = {p["name"] for p in item.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"{(\w+)}", path)), path
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            operation_ids.append(operation["operationId"])
            assert operation["responses"], (path, method)
            assert any(code.startswith("2") for code in operation["responses"])
            for code, response in operation["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d", code)
                assert resolve(document, response)["description"]
            for parameter in operation.get("parameters", []):
                assert {"name", "in", "schema"} <= set(parameter)
                assert parameter["in"] in {"query", "path", "header", "cookie"}
    assert len(operation_ids) == len(set(operation_ids))


def test_errors_are_documented_with_the_error_schema(document):
    error = document["components"]["schemas"]["Error"]
    detail = resolve(document, error["properties"]["error"])
    assert set(detail["properties"]) == {"code", "message", "fields"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            for code, response in operation["responses"].items():
                if code.startswith("4"):
                    schema = resolve(document, response)["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, code)


def test_only_the_document_itself_is_public(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                public = path == "/api/v1/openapi.json"
                assert (operation.get("security") == []) is public
                assert ("401" not in operation["responses"]) is public


def test_document_is_built_on_first_request_not_by_the_factory(db, app, api):
    assert "portal.api.openapi" not in app.extensions
    first = api.get("/api/v1/openapi.json", None).get_json()
    assert "portal.api.openapi" in app.extensions
    assert openapi_document(app) == first


def test_input_schemas_describe_exactly_what_the_services_accept():
    # Besides their own fields, both take `custom_fields` (checked by program.custom_field_values).
    accounts, advocates = {*ACCOUNT_FIELDS, "custom_fields"}, {*ADVOCATE_FIELDS, "custom_fields"}
    assert set(AccountInputSchema().fields) == accounts
    assert set(AccountNewSchema().fields) == accounts
    assert set(AdvocateInputSchema().fields) == advocates
    assert set(AdvocateNewSchema().fields) == advocates


def assert_matches(document: dict, schema: dict, value, where: str) -> None:
    """`value` has exactly the properties `schema` declares, all the way down."""
    schema = resolve(document, schema)
    if value is None:
        assert schema.get("nullable"), f"{where} is null but not nullable"
        return
    if schema.get("type") == "object" and "properties" in schema:
        assert isinstance(value, dict), where
        # Nothing undeclared, nothing required missing (objects require all their properties).
        assert set(value) <= set(schema["properties"]), where
        assert set(schema.get("required", [])) <= set(value), where
        for name, item in value.items():
            assert_matches(document, schema["properties"][name], item, f"{where}.{name}")
    elif schema.get("type") == "object":
        assert isinstance(value, dict), where
    elif schema.get("type") == "array":
        assert isinstance(value, list), where
        for n, item in enumerate(value):
            assert_matches(document, schema["items"], item, f"{where}[{n}]")
    else:
        kinds = {"integer": int, "string": str, "boolean": bool, "number": (int, float)}
        assert isinstance(value, kinds[schema["type"]]), where
        if "enum" in schema:
            assert value in schema["enum"], where


def test_objects_and_lists_declare_every_property_required(document):
    schemas = document["components"]["schemas"]
    for name in ("Account", "AccountList", "Advocate", "AdvocateList"):
        assert set(schemas[name]["required"]) == set(schemas[name]["properties"]), name
    assert set(schemas["ErrorDetail"]["required"]) == {"code", "message"}


def test_every_answer_has_exactly_the_properties_its_schema_declares(db, api, document):
    account = AccountFactory(arr=None, notes=None)
    advocate = AdvocateFactory(account=account)
    _, plain = api.as_role("manager")
    new_account = {"name": "Nordbank", "industry": "banking", "segment": "smb", "region": "na"}
    new_advocate = {"account_id": account.id, "name": "Ada", "email": "ada@example.com"}
    calls = [
        ("get", "/api/v1/accounts", "/api/v1/accounts", None, 200),
        ("post", "/api/v1/accounts", "/api/v1/accounts", new_account, 201),
        ("get", "/api/v1/accounts/{account_id}", f"/api/v1/accounts/{account.id}", None, 200),
        (
            "patch",
            "/api/v1/accounts/{account_id}",
            f"/api/v1/accounts/{account.id}",
            {"notes": "Champion"},
            200,
        ),
        ("get", "/api/v1/advocates", "/api/v1/advocates", None, 200),
        ("post", "/api/v1/advocates", "/api/v1/advocates", new_advocate, 201),
        ("get", "/api/v1/advocates/{advocate_id}", f"/api/v1/advocates/{advocate.id}", None, 200),
        (
            "patch",
            "/api/v1/advocates/{advocate_id}",
            f"/api/v1/advocates/{advocate.id}",
            {"title": "CTO"},
            200,
        ),
        # Errors, each in the shape their schema declares.
        ("get", "/api/v1/accounts", "/api/v1/accounts?page=0", None, 400),
        ("post", "/api/v1/accounts", "/api/v1/accounts", {"name": ""}, 422),
        ("get", "/api/v1/advocates/{advocate_id}", "/api/v1/advocates/999999", None, 404),
        (
            "patch",
            "/api/v1/advocates/{advocate_id}",
            f"/api/v1/advocates/{advocate.id}",
            {"status": "invited"},
            409,
        ),
    ]
    for method, template, url, body, status in calls:
        response = api.call(method.upper(), url, plain, json=body)
        assert response.status_code == status, (method, url, response.get_json())
        spec = document["paths"][template][method]["responses"][str(status)]
        schema = resolve(document, spec)["content"]["application/json"]["schema"]
        assert_matches(document, schema, response.get_json(), f"{method} {url}")
    unauthorized = api.get("/api/v1/accounts", None)
    spec = document["paths"]["/api/v1/accounts"]["get"]["responses"]["401"]
    schema = resolve(document, spec)["content"]["application/json"]["schema"]
    error_schema = resolve(document, resolve(document, schema)["properties"]["error"])
    # `fields` is optional: an error about no field in particular leaves it out.
    assert set(unauthorized.get_json()["error"]) == set(error_schema["required"])
