"""Pages of the advocate thanked: an advocate's feedback on an activity, a deal's "tell the
advocates" switch, and the program's sharing settings (blueprint `thanks`)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.advocates.forms import AcceptAskForm, DeclineAskForm
from portal.asks import asks
from portal.auth.permissions import require
from portal.boundary import committing
from portal.errors import DomainError
from portal.forms import show_service_errors
from portal.i18n import gettext
from portal.opportunities import service as opportunities
from portal.program.service import get_setting
from portal.thanks import service
from portal.thanks.forms import AdvocateFeedbackForm, DealShareForm, ThanksSettingsForm

bp = Blueprint("thanks", __name__)


@bp.app_template_global()
def ask_thanks(ask) -> dict:
    """The advocate's ask page: points earned, the deal's news, whether feedback is open."""
    return {
        **service.ask_thanks(ask),
        "may_give_feedback": service.may_give_feedback(current_user, ask),
    }


@bp.app_template_global()
def advocate_feedback_form(ask) -> AdvocateFeedbackForm:
    """The feedback form of the ask page, holding what the advocate wrote so far."""
    return AdvocateFeedbackForm(formdata=None, data={"feedback": ask.advocate_feedback or ""})


@bp.app_template_global()
def deal_outcome_sharing(deal) -> dict | None:
    return service.deal_sharing_state(deal)


@bp.post("/me/asks/<int:ask_id>/feedback")
@require("advocate.self")
def feedback(ask_id: int):
    """The advocate writes or edits their feedback on their own activity."""
    ask = asks.get_ask(current_user, ask_id)
    form = AdvocateFeedbackForm()
    if form.validate_on_submit():
        with committing(show=False) as attempt:
            changed = service.write_feedback(current_user, ask, form.feedback.data)
        if error := attempt.error:
            if not error.fields:
                flash(error.message, "error")
                return redirect(url_for("me.ask", ask_id=ask_id))
            show_service_errors(form, error)
        else:
            flash(
                gettext("Thank you for your feedback.")
                if changed
                else gettext("Your feedback is unchanged."),
                "success",
            )
            return redirect(url_for("me.ask", ask_id=ask_id, _anchor="your-feedback"))
    return render_template(
        "advocates/portal/ask.html",
        ask=ask,
        accept_form=AcceptAskForm(formdata=None),
        decline_form=DeclineAskForm(formdata=None),
        withdraw_error=None,
        feedback_form=form,
    ), 422


@bp.post("/program/opportunities/<crm_id>/share-outcome")
@require("program.manage")
def share_outcome(crm_id: str):
    """The reference team's switch: tell the deal's advocates what their help achieved."""
    if "\x00" in crm_id:  # PostgreSQL refuses a NUL byte in text: no deal has it
        abort(404)
    deal = opportunities.get(current_user, crm_id)
    form = DealShareForm()
    if not form.validate_on_submit():
        flash(gettext("The form expired; please try again."), "error")
        return redirect(url_for("opportunities.detail", crm_id=crm_id))
    with committing() as attempt:
        told = service.set_deal_share(current_user, deal, bool(form.share.data))
    if attempt.refused:
        return redirect(url_for("opportunities.detail", crm_id=crm_id))
    if form.share.data:
        flash(
            f"Saved. {told} advocate(s) told what their help achieved."
            if deal.outcome == "won"
            else gettext("Saved. Its advocates will hear once the deal is won."),
            "success",
        )
    else:
        flash(gettext("Saved. Advocates will not hear about this deal."), "success")
    return redirect(url_for("opportunities.detail", crm_id=crm_id))


@bp.route("/admin/settings/thanks", methods=["GET", "POST"])
@require("users.manage")
def settings():
    """Whether advocates hear what won deals achieved, and whether with the amount."""
    form = ThanksSettingsForm(
        data={
            key: bool(get_setting(key)) for key in (service.SHARE_SETTING, service.AMOUNTS_SETTING)
        }
    )
    if form.validate_on_submit():
        with committing(raises=DomainError):
            changed = service.update_settings(
                current_user,
                {
                    service.SHARE_SETTING: bool(form.share_outcomes_with_advocates.data),
                    service.AMOUNTS_SETTING: bool(form.share_outcome_amounts.data),
                },
            )
        flash(f"Saved: {len(changed)} setting(s) changed." if changed else "Nothing changed.",
              "success")  # fmt: skip
        return redirect(url_for("thanks.settings"))
    return render_template("thanks/settings.html", form=form), 422 if form.errors else 200
