"""What every API resource shares: the JSON body, query arguments, paging and 201 answers."""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify, request
from marshmallow import Schema, ValidationError
from marshmallow.experimental.context import Context

from portal.api.blueprint import bp
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


def json_body() -> dict:
    """The request's JSON object, or 400 naming `body` (or an id field out of range: 422)."""
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise BadRequest("Send a JSON object as the request body.", field="body")
    bad = {name: ID_MESSAGE for name, v in data.items() if _is_id_field(name) and _bad_id(v)}
    if bad:
        raise ValidationFailed(f"{next(iter(bad))}: {ID_MESSAGE}", fields=bad)
    return data


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


def paginate(query: sa.Select, args: dict, list_schema: Schema, context=None):
    """One page of `query` as {"items", "page", "per_page", "total"}, dumped with `list_schema`.

    `context(items) -> dict`, when given, reads once what the schema would otherwise read per
    item (e.g. claim counts); its fields find it with marshmallow's `Context.get()`."""
    page, per_page = args["page"], args["per_page"]
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    body = {"items": items, "page": page, "per_page": per_page, "total": total}
    with Context(context(items) if context else {}):
        return jsonify(list_schema.dump(body))


def only_fields(data: dict, allowed) -> None:
    """Refuse a body naming fields the endpoint does not take (422 naming each), before any
    service runs."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationFailed(
            f"{unknown[0]}: Unknown field.", fields=dict.fromkeys(unknown, "Unknown field.")
        )


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
