"""Administrators shape the taxonomy: kinds, and each kind's terms (add, rename, reorder,
group, retire, restore, merge). Blueprint `taxonomies` under /admin/settings/taxonomies."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth.permissions import require
from portal.boundary import REFUSED, commit_or_show
from portal.database import parse_id
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import id_or_raw
from portal.program import taxonomy, taxonomy_merge
from portal.program.taxonomy_forms import (
    KindForm,
    KindLabelForm,
    MergeForm,
    TermEditForm,
    TermForm,
)

bp = Blueprint("taxonomies", __name__, url_prefix="/admin/settings/taxonomies")


def _kind_or_404(key: str):
    try:
        return taxonomy.get_kind(key)
    except DomainError:
        abort(404)


def _term_or_404(kind: str, term_id: int):
    try:
        return taxonomy.get_term(kind, term_id)
    except DomainError:
        abort(404)


def _counts() -> dict[str, tuple[int, int]]:
    every = taxonomy.terms_by_kind()
    counts: dict[str, tuple[int, int]] = {}
    for kind in taxonomy.kinds():
        each = every.get(kind.key, [])
        counts[kind.key] = (sum(t.active for t in each), len(each))
    return counts


@bp.route("/", methods=["GET", "POST"])
@require("users.manage")
def index():
    """Every kind with its number of terms; add a kind."""
    form = KindForm()
    if form.validate_on_submit():
        kind = commit_or_show(
            taxonomy.add_kind, current_user, form.key.data, form.label.data, form=form
        )
        if kind is not REFUSED:
            flash(f"{kind.label} added: now add its terms.", "success")
            return redirect(url_for("taxonomies.kind", key=kind.key))
    status = 422 if form.errors else 200
    return render_template(
        "admin/taxonomy_index.html", kinds=taxonomy.kinds(), counts=_counts(), form=form
    ), status


def _kind_page(kind, *, term_form=None, label_form=None, status=200):
    terms = taxonomy.terms(kind.key)
    return render_template(
        "admin/taxonomy_kind.html",
        kind=kind,
        terms=terms,
        by_id={t.id: t for t in terms},
        members={t.id: [m for m in terms if m.group_id == t.id] for t in terms},
        label_only=kind.key in taxonomy.LABEL_ONLY_KINDS,
        term_form=term_form or TermForm(prefix="term", kind=kind.key, formdata=None),
        label_form=label_form
        or KindLabelForm(prefix="kind", formdata=None, data={"label": kind.label}),
    ), status


@bp.get("/<key>")
@require("users.manage")
def kind(key: str):
    """One kind's terms in their order, with what may be done to each."""
    return _kind_page(_kind_or_404(key))


@bp.post("/<key>")
@require("users.manage")
def rename_kind(key: str):
    found = _kind_or_404(key)
    form = KindLabelForm(prefix="kind")
    if form.validate_on_submit():
        changed = commit_or_show(
            taxonomy.update_kind, current_user, key, {"label": form.label.data}, form=form
        )
        if changed is not REFUSED:
            flash("Renamed." if changed else "Nothing changed.", "success")
            return redirect(url_for("taxonomies.kind", key=key))
    return _kind_page(found, label_form=form, status=422)


@bp.post("/<key>/terms")
@require("users.manage")
def add_term(key: str):
    found = _kind_or_404(key)
    form = TermForm(prefix="term", kind=key)
    if form.validate_on_submit():
        term = commit_or_show(
            taxonomy.add_term,
            current_user,
            key,
            form.value.data,
            form.label.data,
            group=form.group_id.data or None,
            form=form,
        )
        if term is not REFUSED:
            flash(f"{term.label} added.", "success")
            return redirect(url_for("taxonomies.kind", key=key))
    return _kind_page(found, term_form=form, status=422)


@bp.post("/<key>/terms/<int:term_id>/move")
@require("users.manage")
def move_term(key: str, term_id: int):
    """One step up or down (forms and lists show terms in this order)."""
    _kind_or_404(key)
    term = _term_or_404(key, term_id)
    commit_or_show(taxonomy.move_term, current_user, term, request.form.get("direction", ""))
    return redirect(url_for("taxonomies.kind", key=key, _anchor=f"term-{term.id}"))


def _term_page(kind, term, *, form=None, merge_form=None, status=200):
    terms = taxonomy.terms(kind.key)
    return render_template(
        "admin/taxonomy_term.html",
        kind=kind,
        term=term,
        label_only=kind.key in taxonomy.LABEL_ONLY_KINDS,
        group=next((t for t in terms if t.id == term.group_id), None),
        members=[t for t in terms if t.group_id == term.id],
        merged_into=next((t for t in terms if t.id == term.merged_into_id), None),
        form=form
        or TermEditForm(
            kind=kind.key,
            term=term,
            formdata=None,
            data={"label": term.label, "group_id": str(term.group_id or "")},
        ),
        merge_form=merge_form or MergeForm(prefix="merge", kind=kind.key, term=term, formdata=None),
    ), status


@bp.route("/<key>/terms/<int:term_id>", methods=["GET", "POST"])
@require("users.manage")
def term(key: str, term_id: int):
    """Rename a term (its stored value stays) and put it in a group."""
    found = _kind_or_404(key)
    term = _term_or_404(key, term_id)
    if request.method == "GET":
        return _term_page(found, term)
    form = TermEditForm(kind=key, term=term)
    if form.validate_on_submit():
        data = {"label": form.label.data}
        if key not in taxonomy.LABEL_ONLY_KINDS:
            group = str(form.group_id.data or "")
            data["group_id"] = parse_id(group)
        changed = commit_or_show(taxonomy.update_term, current_user, term, data, form=form)
        if changed is not REFUSED:
            flash("Saved." if changed else "Nothing changed.", "success")
            return redirect(url_for("taxonomies.kind", key=key, _anchor=f"term-{term.id}"))
    db.session.refresh(term)
    return _term_page(found, term, form=form, status=422)


@bp.post("/<key>/terms/<int:term_id>/active")
@require("users.manage")
def set_active(key: str, term_id: int):
    """Retire (no longer offered on forms; old records still show it) or restore a term."""
    _kind_or_404(key)
    term = _term_or_404(key, term_id)
    active = request.form.get("active") == "1"
    if commit_or_show(taxonomy.set_term_active, current_user, term, active) is not REFUSED:
        flash(
            f"{term.label} restored."
            if active
            else f"{term.label} retired: it is no longer "
            "offered on forms; records that use it keep it.",
            "success",
        )
    return redirect(url_for("taxonomies.kind", key=key, _anchor=f"term-{term_id}"))


@bp.post("/<key>/terms/<int:term_id>/merge")
@require("users.manage")
def merge(key: str, term_id: int):
    """Move everything that uses this term to another one, and retire this one."""
    found = _kind_or_404(key)
    term = _term_or_404(key, term_id)
    form = MergeForm(prefix="merge", kind=key, term=term)
    if form.validate_on_submit():
        into = id_or_raw(str(form.into.data or ""))
        counts = commit_or_show(
            taxonomy_merge.merge_terms, current_user, key, term.id, into, form=form, fallback="into"
        )
        if counts is not REFUSED:
            flash(f"Merged: {sum(counts.values())} record(s) moved.", "success")
            return redirect(url_for("taxonomies.kind", key=key))
    db.session.refresh(term)
    return _term_page(found, term, merge_form=form, status=422)
