"""CRM import pages (upload a Salesforce or HubSpot export, check it, write it)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portal.auth.permissions import require
from portal.boundary import committing
from portal.csvio import MAX_BYTES
from portal.errors import DomainError
from portal.http_security import accepts_uploads
from portal.opportunities import csv_import
from portal.opportunities.import_forms import ConfirmOpportunityImportForm, OpportunityImportForm
from portal.opportunities.presets import CHOICES
from portal.opportunities.views import bp

SHOWN_ROWS = 1000


def _page(form, report=None, confirm=None, status=200):
    return render_template(
        "opportunities/import.html",
        form=form,
        report=report,
        confirm=confirm,
        shown=SHOWN_ROWS,
    ), status


@bp.route("/import", methods=["GET", "POST"])
@accepts_uploads
@require("program.manage")
def import_csv():
    """Step one: check the file (a dry run) and show every row's outcome."""
    form = OpportunityImportForm()
    if not form.validate_on_submit():
        return _page(form, status=422 if form.is_submitted() else 200)
    file = form.file.data
    # One byte past the importer's limit is enough for it to refuse a larger file.
    data = file.read(MAX_BYTES + 1) if file else b""
    if not file:  # an empty file goes on, to be told it is empty
        form.file.errors.append("Choose a CSV file.")
        return _page(form, status=422)
    if form.preset.data not in CHOICES:
        form.preset.errors.append("Choose how the file's columns are named.")
        return _page(form, status=422)
    with committing(form=form, fallback="file") as attempt:
        report = csv_import.run_import(current_user, data, preset=form.preset.data, dry_run=True)
        attempt.discard()  # the dry run writes nothing; the checked file is kept (below)
    if attempt.refused:
        return _page(form, status=422)
    with committing(raises=DomainError):
        upload = csv_import.stage_preview(current_user, report.preset, data)
    return _page(form, report, ConfirmOpportunityImportForm(upload=upload))


@bp.post("/import/confirm")
@require("program.manage")
def confirm_import():
    """Step two: write the file that was checked, with the preset it was read with."""
    form = ConfirmOpportunityImportForm()
    # Taking the checked file commits with the import, or not at all: a refused import keeps
    # it, to confirm again.
    with committing() as attempt:
        staged = (
            csv_import.take_staged(current_user, form.upload.data)
            if form.validate_on_submit()
            else None
        )
        if staged is None:
            attempt.discard()
        else:
            preset, data = staged
            report = csv_import.run_import(current_user, data, preset=preset)
    if staged is None:
        flash("That check is gone; please upload the file again.", "error")
        return redirect(url_for("opportunities.import_csv"))
    if attempt.refused:
        return redirect(url_for("opportunities.import_csv"))
    flash(f"Imported opportunities ({report.preset_label}): {report.summary()}", "success")
    return redirect(url_for("opportunities.import_csv"))
