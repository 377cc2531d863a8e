"""The bare stack `bench/pages.py` compares the portal with: Flask, Flask-SQLAlchemy and Jinja,
one page that reads 20 rows of 100,000 through an index into a layout with a navigation bar.

    BENCH_BARE_DB=sqlite:////tmp/bare.sqlite gunicorn -w 2 'bench.bare_app:create_app()'

`python -m bench.bare_app` creates and fills the table (100,000 rows) first. Not part of the
portal.
"""

from __future__ import annotations

import os
import random

import sqlalchemy as sa
from flask import Flask, render_template, request
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROWS = 100_000
LAYOUT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{% block title %}{% endblock %}</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body><header><nav aria-label="Main"><a href="/">Home</a> {% for item in menu %}
<a href="/{{ item }}">{{ item|title }}</a>{% endfor %}</nav></header>
<main>{% block content %}{% endblock %}</main></body></html>"""
PAGE = """{% extends "layout.html" %}{% block title %}Items{% endblock %}
{% block content %}<h1>Items</h1><table><thead><tr><th>Name</th><th>Status</th>
<th>Score</th></tr></thead><tbody>{% for item in items %}<tr><td><a href="/items/{{ item.id }}">
{{ item.name }}</a></td><td>{{ item.status }}</td><td>{{ item.score }}</td></tr>{% endfor %}
</tbody></table>{% endblock %}"""


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Item(db.Model):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    score: Mapped[int]


def _fill() -> None:
    db.create_all()
    if db.session.scalar(sa.select(sa.func.count()).select_from(Item)):
        return
    rng = random.Random(3)
    db.session.execute(
        sa.insert(Item),
        [
            {
                "id": i,
                "name": f"Item {i}",
                "status": rng.choice(("active", "paused")),
                "score": rng.randint(0, 100),
            }
            for i in range(1, ROWS + 1)
        ],
    )
    db.session.commit()


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BENCH_BARE_DB"]
    app.jinja_loader = DictLoader({"layout.html": LAYOUT, "page.html": PAGE})
    db.init_app(app)

    @app.get("/")
    def items():
        page = request.args.get("page", 1, type=int)
        rows = db.session.scalars(
            sa.select(Item)
            .where(Item.status == "active")
            .order_by(Item.id.desc())
            .limit(20)
            .offset((page - 1) * 20)
        ).all()
        return render_template("page.html", items=rows, menu=("accounts", "advocates", "reports"))

    return app


if __name__ == "__main__":
    with create_app().app_context():
        _fill()
