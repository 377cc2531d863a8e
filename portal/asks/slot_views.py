"""Pages' side of offering and picking times for an accepted ask (`portal.asks.slots`): the
requester's request page, the program team's, and the advocate's ask page."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from portal.advocates.forms import AcceptAskForm, DeclineAskForm
from portal.asks import asks, pages, slots
from portal.asks.models import Ask
from portal.auth.permissions import require
from portal.boundary import committing
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import gettext
from portal.notifications.localization import _zone
from portal.templating import viewer_zone

bp = Blueprint("slots", __name__)

INPUT_FORMAT = "%Y-%m-%dT%H:%M"  # a datetime-local input's value


@bp.app_template_global()
def offered_slots(ask: Ask) -> list:
    """The open times of `ask`: read once per page for every accepted ask of its request."""
    cache = g.setdefault("offered_slots", {})
    if ask.id not in cache:
        ids = {ask.id}
        if "asks" not in sa.inspect(ask.request).unloaded:  # a request page: all its asks
            ids |= {other.id for other in ask.request.asks if other.status == "accepted"}
        cache.update(slots.offered_by_ask(ids))
    return cache[ask.id]


@bp.app_template_global()
def slot_time(value: dt.datetime, zone: str | None = None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """A time in `zone` (default: the viewer's), naming the zone's abbreviation."""
    local = value.astimezone(_zone(zone) if zone else viewer_zone())
    return f"{local.strftime(fmt)} {local.tzname()}"


@bp.app_template_global()
def slot_fields(zone: str | None = None) -> dict:
    """The zone the time fields are read in and their earliest and latest values."""
    here = _zone(zone) if zone else viewer_zone()
    now = dt.datetime.now(here)
    return {
        "zone": here.key,
        "min": (now + slots.MIN_NOTICE).strftime(INPUT_FORMAT),
        "max": (now + slots.MAX_AHEAD).strftime(INPUT_FORMAT),
    }


# -- the requester's and the program team's request pages ---------------------------------------


def _on_request_page(ask: Ask, change, success: str, program: bool):
    page = pages.STAFF_PAGE if program else pages.REQUESTER_PAGE
    anchor = f"#slots-{ask.id}"
    return pages.act_on_ask(ask, change, success, anchor, page, fallback="slot_id")


def _propose(ask_id: int, program: bool):
    ask = pages.ask_or_404(ask_id)
    times = pages.offered_times()
    return _on_request_page(
        ask,
        lambda: slots.offer_slots(current_user, ask, times, zone=viewer_zone()),
        f"Times sent to {ask.advocate.name}, who picks one; you both get a calendar invitation.",
        program,
    )


def _book(ask_id: int, slot_id: int, program: bool):
    ask = pages.ask_or_404(ask_id)
    return _on_request_page(
        ask,
        lambda: slots.pick_slot(current_user, ask, slot_id),
        f"Booked: you and {ask.advocate.name} each get a calendar invitation.",
        program,
    )


@bp.post("/requests/asks/<int:ask_id>/slots")
@require("requests.create")
def propose(ask_id: int):
    """The requester proposes one to three times for the advocate to pick from."""
    return _propose(ask_id, program=False)


@bp.post("/requests/asks/<int:ask_id>/slots/<int:slot_id>/book")
@require("requests.create")
def book(ask_id: int, slot_id: int):
    """The requester books one of the advocate's times."""
    return _book(ask_id, slot_id, program=False)


@bp.post("/program/asks/<int:ask_id>/slots")
@require("program.manage")
def program_propose(ask_id: int):
    return _propose(ask_id, program=True)


@bp.post("/program/asks/<int:ask_id>/slots/<int:slot_id>/book")
@require("program.manage")
def program_book(ask_id: int, slot_id: int):
    return _book(ask_id, slot_id, program=True)


# -- the advocate's ask page --------------------------------------------------------------------


def _my_ask(ask_id: int) -> Ask:
    return asks.get_ask(current_user, ask_id)


def _refused(ask: Ask, error: DomainError):
    """Bad input: the ask page again with the message at the time fields (422). A refusal of
    the state (the ask is no longer accepted): say so on the page as it now is."""
    if error.status in (403, 404):
        abort(error.status)
    if not error.fields:
        flash(error.message, "error")
        return redirect(url_for("me.ask", ask_id=ask.id))
    if "slot_id" in error.fields:
        g.pick_error = error.message
    else:
        g.slot_error = error.message
    flash(error.message, "error")
    page = render_template(
        "advocates/portal/ask.html",
        ask=db.session.get(Ask, ask.id),
        accept_form=AcceptAskForm(formdata=None),
        decline_form=DeclineAskForm(formdata=None),
        withdraw_error=None,
    )
    return page, 422


@bp.post("/me/asks/<int:ask_id>/slots")
@require("advocate.self")
def offer(ask_id: int):
    """The advocate offers one to three times in their own time zone."""
    ask = _my_ask(ask_id)
    with committing(show=False) as attempt:
        slots.offer_slots(current_user, ask, pages.offered_times(), zone=slots.advocate_zone(ask))
    if error := attempt.error:
        return _refused(ask, error)
    flash(
        gettext("Your times went to %(name)s, who picks one.", name=ask.request.requester.name),
        "success",
    )
    return redirect(url_for("me.ask", ask_id=ask.id) + "#slots")


@bp.post("/me/asks/<int:ask_id>/slots/<int:slot_id>/pick")
@require("advocate.self")
def pick(ask_id: int, slot_id: int):
    """The advocate picks one of the times the requester's side proposed."""
    ask = _my_ask(ask_id)
    with committing(show=False) as attempt:
        slots.pick_slot(current_user, ask, slot_id)
    if error := attempt.error:
        return _refused(ask, error)
    flash(gettext("Booked: you both get a calendar invitation."), "success")
    return redirect(url_for("me.ask", ask_id=ask.id))
