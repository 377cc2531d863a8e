"""What the custom fields tests share: a job-function taxonomy and fields on it."""

from __future__ import annotations

from portal.extensions import db
from portal.program import custom_fields, taxonomy


def add_job_function(admin) -> str:
    """A taxonomy an administrator added, with three terms: CIO, CTO and CISO."""
    kind = taxonomy.add_kind(admin, "job_function", "Job function")
    for value, label in (("cio", "CIO"), ("cto", "CTO"), ("ciso", "CISO")):
        taxonomy.add_term(admin, kind.key, value, label)
    db.session.commit()
    return kind.key


def add_fields(admin, entity: str = "advocate", **choice_options):
    """A choice field job_function (used in matching), a number, a date and a text field."""
    add_job_function(admin)
    choice = custom_fields.add_field(
        admin,
        {
            "entity": entity,
            "label": "Job function",
            "type": "choice",
            "taxonomy_kind": "job_function",
            "match_criterion": True,
            "show_in_list": True,
            **choice_options,
        },
    )
    number = custom_fields.add_field(
        admin, {"entity": entity, "label": "Team size", "type": "number"}
    )
    date = custom_fields.add_field(
        admin, {"entity": entity, "key": "met_on", "label": "First met", "type": "date"}
    )
    text = custom_fields.add_field(admin, {"entity": entity, "label": "Hobby", "type": "text"})
    db.session.commit()
    return choice, number, date, text
