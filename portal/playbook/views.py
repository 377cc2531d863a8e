"""The playbook's pages: read-only for every staff member (/playbook), one form per activity
type for the program team (/program/playbook)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.auth.permissions import require
from portal.boundary import committing
from portal.errors import ValidationFailed
from portal.playbook import service
from portal.playbook.forms import PlaybookEntryForm
from portal.vocab import ACTIVITY_TYPES, STAGE_GROUPS

bp = Blueprint("playbook", __name__, url_prefix="/playbook")
admin_bp = Blueprint("playbook_admin", __name__, url_prefix="/program/playbook")


@bp.get("/")
@require("requests.create")
def index():
    """Which activity fits which sales stage, with the lead time, and each entry's brief."""
    return render_template(
        "playbook/index.html",
        entries=service.playbook(),
        stages=STAGE_GROUPS,
        stage_help=service.STAGE_HELP,
    )


def _form(found: service.Entry) -> PlaybookEntryForm:
    """The entry's form: its prefix keeps each form's field ids apart on the one page."""
    return PlaybookEntryForm(
        formdata=None,  # never the form another entry sent
        prefix=found.activity_type,
        data={
            "stages": list(found.stages),
            "brief": found.brief,
            "dos": found.dos,
            "donts": found.donts,
        },
    )


def _edit_page(entries, forms: dict, open_type: str | None = None):
    status = 422 if any(f.errors for f in forms.values()) else 200
    return render_template(
        "playbook/edit.html",
        entries=entries,
        forms=forms,
        open_type=open_type,
        stage_help=service.STAGE_HELP,
    ), status


@admin_bp.get("/")
@require("program.manage")
def edit():
    """Every activity type's entry, each in its own form."""
    entries = service.playbook()
    return _edit_page(entries, {e.activity_type: _form(e) for e in entries})


@admin_bp.post("/<activity_type>")
@require("program.manage")
def save(activity_type: str):
    """Save one entry: each refusal next to its field (nothing written), else back to the list."""
    if activity_type not in ACTIVITY_TYPES:
        abort(404)
    entries = service.playbook()
    forms = {e.activity_type: _form(e) for e in entries if e.activity_type != activity_type}
    form = PlaybookEntryForm(prefix=activity_type)
    forms[activity_type] = form
    if form.validate_on_submit():
        with committing(form=form, catches=ValidationFailed) as attempt:
            found, changed = service.update_entry(current_user, activity_type, form.to_data())
        if not attempt.refused:
            flash(
                f"Saved the playbook for {found.label.lower()}."
                if changed
                else f"Nothing changed for {found.label.lower()}.",
                "success",
            )
            return redirect(url_for("playbook_admin.edit", _anchor=f"entry-{activity_type}"))
    # Keep the page's order: the form sent sits where its activity type is.
    ordered = {t: forms[t] for t in ACTIVITY_TYPES}
    return _edit_page(entries, ordered, open_type=activity_type)
