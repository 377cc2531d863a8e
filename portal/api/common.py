"""What every API resource shares: the JSON body, query arguments, paging and 201 answers."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, jsonify, request
from marshmallow import Schema, ValidationError
from marshmallow.experimental.context import Context

from portal.api.blueprint import bp
from portal.api.schemas.common import Checked
from portal.errors import DomainError, ValidationFailed, json_error
from portal.extensions import db


class BadRequest(DomainError):
    """A request the API can't read at all (not JSON, a bad query argument): 400."""

    status = 400
    code = "bad_request"


# Ids are 32-bit on every database; a larger one can name nothing (and must not reach SQL).
MAX_ID = 2**31 - 1
ID_MESSAGE = f"Ids are whole numbers from 1 to {MAX_ID}."


def _is_id_field(name: str) -> bool:
    return name == "id" or name.endswith(("_id", "_ids"))


def _bad_id(value) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_ID for v in values)


def _messages(errors) -> dict[str, str]:
    """marshmallow's {field: [messages]} as the API's {field: why}."""
    flat = {}
    for name, messages in errors.items():
        if isinstance(messages, list | tuple):
            flat[name] = " ".join(str(m) for m in messages)
        else:
            flat[name] = str(messages)
    return flat


def query_args(schema: Schema) -> dict:
    """Query arguments loaded with `schema` (paging and filters), or 400 naming each bad one."""
    try:
        args = schema.load(request.args)
    except ValidationError as error:
        fields = _messages(error.normalized_messages())
        first = next(iter(fields.items()))
        raise BadRequest(f"{first[0]}: {first[1]}", fields=fields) from None
    bad = {name: ID_MESSAGE for name, v in args.items() if _is_id_field(name) and _bad_id(v)}
    if bad:
        raise BadRequest(f"{next(iter(bad))}: {ID_MESSAGE}", fields=bad)
    return args


@dataclass(frozen=True)
class Body:
    """What a view takes as its request body (`@takes`)."""

    schema: type[Schema]
    required: bool
    unknown_by_service: bool


def takes(schema: type[Schema], *, required: bool = True, unknown_by_service: bool = False):
    """Name the request body of an API view: `json_body()` reads the body by `schema`, and the
    OpenAPI document shows `schema` as the body (`required`: whether it says one must be sent).

    Fields `schema` does not declare are refused before the service runs (422 naming each),
    unless `unknown_by_service`: the service refuses them itself, among its other checks."""

    def decorator(view):
        view.api_body = Body(schema, required, unknown_by_service)
        return view

    return decorator


def json_body() -> dict:
    """The request's JSON object, read by the schema its view names with `@takes`: 400 naming
    `body` unless it is an object; 422 for an id out of range, an undeclared field, or a field
    the API checks itself (`Checked`) that breaks its declaration. The service checks the rest."""
    body: Body | None = getattr(current_app.view_functions[request.endpoint], "api_body", None)
    if body is None:
        raise RuntimeError(f"{request.endpoint} reads a body: name its schema with @takes.")
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise BadRequest("Send a JSON object as the request body.", field="body")
    bad = {name: ID_MESSAGE for name, v in data.items() if _is_id_field(name) and _bad_id(v)}
    if bad:
        raise ValidationFailed(f"{next(iter(bad))}: {ID_MESSAGE}", fields=bad)
    declared = body.schema().fields
    unknown = sorted(set(data) - {f.data_key or name for name, f in declared.items()})
    if unknown and not body.unknown_by_service:
        raise ValidationFailed(
            f"{unknown[0]}: Unknown field.", fields=dict.fromkeys(unknown, "Unknown field.")
        )
    checked = [name for name, field in declared.items() if isinstance(field, Checked)]
    if not checked:
        return data
    try:
        loaded = body.schema(only=checked).load({k: v for k, v in data.items() if k in checked})
    except ValidationError as error:
        name, why = next(iter(_messages(error.normalized_messages()).items()))
        raise ValidationFailed(f"{name}: {why}", field=name) from None
    return {**data, **loaded}


def paginate(query: sa.Select, args: dict, list_schema: Schema, context=None, **extra):
    """One page of `query` as {"items", "page", "per_page", "total"} (and the `extra` fields of
    `list_schema`, such as a ledger's balance), dumped with `list_schema`.

    `context(items) -> dict`, when given, reads once what the schema would otherwise read per
    item (e.g. claim counts); its fields find it with marshmallow's `Context.get()`."""
    page, per_page = args["page"], args["per_page"]
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    body = {"items": items, "page": page, "per_page": per_page, "total": total, **extra}
    with Context(context(items) if context else {}):
        return jsonify(list_schema.dump(body))


def filters(args: dict) -> dict:
    """The loaded query arguments without the paging ones, for a service's *_query()."""
    return {name: value for name, value in args.items() if name not in ("page", "per_page")}


def changed_since(query: sa.Select, model, since) -> sa.Select:
    """`query` narrowed to rows of `model` changed at or after `since` (?updated_since)."""
    return query if since is None else query.where(model.updated_at >= since)


def created(body: dict, location: str):
    """A 201 answer with the new object and its address."""
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response


@bp.errorhandler(sa.exc.DataError)
@bp.errorhandler(OverflowError)
def out_of_range(error):
    """A number too large for its column (the database refused it): the client's error."""
    db.session.rollback()
    return json_error(400, "bad_request", "A number in the request is out of range.")
