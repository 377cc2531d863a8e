"""CRM import pages (upload a Salesforce or HubSpot export, check it, write it)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portal.auth.permissions import require
from portal.http_security import accepts_uploads
from portal.opportunities import csv_import
from portal.opportunities.import_forms import ConfirmOpportunityImportForm, OpportunityImportForm
from portal.opportunities.presets import CHOICES
from portal.opportunities.views import bp
from portal.uploads import check_upload, confirm_upload, read_upload

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
    data = read_upload(form.file)
    if data is None:
        return _page(form, status=422)
    if form.preset.data not in CHOICES:
        form.preset.errors.append("Choose how the file's columns are named.")
        return _page(form, status=422)
    checked = check_upload(
        form,
        lambda: csv_import.run_import(current_user, data, preset=form.preset.data, dry_run=True),
        lambda report: csv_import.stage_preview(current_user, report.preset, data),
    )
    if checked is None:
        return _page(form, status=422)
    report, upload = checked
    return _page(form, report, ConfirmOpportunityImportForm(upload=upload))


@bp.post("/import/confirm")
@require("program.manage")
def confirm_import():
    """Step two: write the file that was checked, with the preset it was read with."""
    staged, report = confirm_upload(
        ConfirmOpportunityImportForm(),
        lambda token: csv_import.take_staged(current_user, token),
        lambda staged: csv_import.run_import(current_user, staged[1], preset=staged[0]),
    )
    if staged is None:
        flash("That check is gone; please upload the file again.", "error")
        return redirect(url_for("opportunities.import_csv"))
    if report is None:
        return redirect(url_for("opportunities.import_csv"))
    flash(f"Imported opportunities ({report.preset_label}): {report.summary()}", "success")
    return redirect(url_for("opportunities.import_csv"))
