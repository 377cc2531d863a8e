"""Administrators edit, preview and publish the program terms (blueprint `terms_admin`)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.auth.permissions import require
from portal.boundary import REFUSED, commit_or_show, committing
from portal.forms import show_service_errors
from portal.program import terms
from portal.program.terms_forms import PublishTermsForm, TermsDraftForm

bp = Blueprint("terms_admin", __name__, url_prefix="/admin/settings/terms")


@bp.get("/")
@require("users.manage")
def index():
    """The current version, the draft, and every published version with its acceptances."""
    versions = terms.list_versions(current_user)
    return render_template(
        "admin/terms.html",
        versions=versions,
        draft=next((v for v in versions if v.status == "draft"), None),
        current=terms.current_version(),
        counts=terms.acceptance_counts(),
    )


def _draft_page(draft_form, publish_form, *, preview=None, status=200):
    draft = terms.get_draft(current_user)
    saved_html = terms.render_markdown(draft.body_markdown) if draft is not None else None
    return render_template(
        "admin/terms_draft.html",
        form=draft_form,
        publish_form=publish_form,
        draft=draft,
        preview=preview,
        saved_html=saved_html,
        current=terms.current_version(),
    ), status


@bp.route("/draft", methods=["GET", "POST"])
@require("users.manage")
def draft():
    """Edit the draft (it starts as a copy of the current text); Preview shows it rendered
    without saving, Save draft keeps it."""
    saved = terms.get_draft(current_user)
    if saved is not None:
        start = saved.body_markdown
    else:
        current = terms.current_terms()
        start = current.body_markdown if current is not None else ""
    form = TermsDraftForm(data={"body_markdown": start})
    publish_form = PublishTermsForm(formdata=None)
    if not form.validate_on_submit():
        return _draft_page(form, publish_form, status=422 if form.is_submitted() else 200)
    if form.preview.data:
        # Nothing is written: the admin sees the text as advocates will.
        return _draft_page(
            form, publish_form, preview=terms.render_markdown(form.body_markdown.data)
        )
    result = commit_or_show(
        terms.save_draft, current_user, {"body_markdown": form.body_markdown.data}, form=form
    )
    if result is REFUSED:
        return _draft_page(form, publish_form, status=422)
    flash("Draft saved. Advocates see it only once you publish it.", "success")
    return redirect(url_for("terms_admin.draft"))


@bp.post("/draft/discard")
@require("users.manage")
def discard():
    if commit_or_show(terms.discard_draft, current_user):
        flash("Draft discarded. The published terms are unchanged.", "success")
    else:
        flash("There was no draft to discard.", "info")
    return redirect(url_for("terms_admin.index"))


@bp.post("/publish")
@require("users.manage")
def publish():
    """Publish the saved draft under a new version name: advocates must accept it again."""
    publish_form = PublishTermsForm()
    draft_form = _saved_draft_form()
    if not publish_form.validate_on_submit():
        return _draft_page(draft_form, publish_form, status=422)
    with committing(show=False) as attempt:
        published, notified = terms.publish_terms(
            current_user, {"version": publish_form.version.data}
        )
    if error := attempt.error:
        show_service_errors(publish_form, error)
        return _draft_page(draft_form, publish_form, status=422)
    flash(
        f"Version {published.version} is now the program terms. Advocates accept it at their "
        f"next sign-in; {notified} were e-mailed.",
        "success",
    )
    return redirect(url_for("terms_admin.index"))


def _saved_draft_form() -> TermsDraftForm:
    draft = terms.get_draft(current_user)
    return TermsDraftForm(
        formdata=None, data={"body_markdown": draft.body_markdown if draft else ""}
    )


@bp.get("/versions/<version>")
@require("users.manage")
def version(version: str):
    """One published version as advocates saw it, and its Markdown."""
    row = terms.get_published(current_user, version)
    return render_template(
        "admin/terms_version.html",
        terms_version=row,
        html=terms.render_markdown(row.body_markdown),
        accepted=terms.acceptance_counts().get(row.version, 0),
        current=terms.current_version(),
    )
