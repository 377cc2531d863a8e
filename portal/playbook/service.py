"""The requesters' playbook: which activity fits which sales stage, the lead time, how to brief
an advocate, do's and don'ts. The program team edits it; every staff member reads it, and the
request form shows the entry of the activity chosen.

The lead time is not stored here: it is the program setting `lead_time_days`
(portal/asks/lead_time.py), shown beside each entry.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import markdown
import nh3
import sqlalchemy as sa
from markupsafe import Markup

from portal.asks import lead_time
from portal.audit import service as audit
from portal.auth.permissions import can, demand
from portal.errors import Forbidden, NotFound
from portal.extensions import db
from portal.playbook.models import PlaybookEntry
from portal.validation import Checker, has_markup
from portal.vocab import ACTIVITY_TYPES, STAGE_GROUPS, label

BRIEF_MAX = 2000
LIST_MAX = 1000  # do's, don'ts: one a line
LIST_LINES_MAX = 10
FIELDS = ("stages", "brief", "dos", "donts")
STAGE_HELP = {
    "early": "Early: the prospect is learning about the problem and who solves it.",
    "middle": "Middle: the prospect compares solutions and builds the case.",
    "late": "Late: the prospect is about to decide and wants proof from peers.",
}
NO_HTML = "Write plain text or Markdown-lite (**bold**, *italic*, lists, links), without HTML."


@dataclass(frozen=True)
class Entry:
    """One activity type's playbook, as people read it (stored text plus the lead time)."""

    activity_type: str
    stages: tuple[str, ...]
    brief: str
    dos: str
    donts: str
    lead_time_days: int
    updated_at: object = None

    @property
    def label(self) -> str:
        return label(self.activity_type)

    @property
    def brief_html(self) -> Markup:
        return render_brief(self.brief)

    @property
    def do_lines(self) -> list[str]:
        return lines(self.dos)

    @property
    def dont_lines(self) -> list[str]:
        return lines(self.donts)

    def fits(self, stage_group: str | None) -> bool:
        return stage_group in self.stages

    def to_dict(self) -> dict:
        return {
            "activity_type": self.activity_type,
            "label": self.label,
            "stages": list(self.stages),
            "lead_time_days": self.lead_time_days,
            "brief": self.brief,
            "brief_html": str(self.brief_html),
            "dos": self.do_lines,
            "donts": self.dont_lines,
            "updated_at": self.updated_at,
        }


# Permissions ---------------------------------------------------------------------------


def may_read(actor) -> bool:
    """Every staff member (whoever may file a request) reads the playbook."""
    return can(actor, "requests.create")


def check_read(actor) -> None:
    if not may_read(actor):
        raise Forbidden("The playbook is for staff who file requests.")


def check_edit(actor) -> None:
    """The program team (managers and administrators) edits the playbook."""
    demand(actor, "program.manage", "Only the program team changes the playbook.")


# Reading -------------------------------------------------------------------------------


def _entry(activity_type: str, row: PlaybookEntry | None, days: int) -> Entry:
    if row is None:  # a type with no row yet: an empty entry, still with its lead time
        return Entry(activity_type, (), "", "", "", days)
    stages = tuple(s for s in STAGE_GROUPS if s in (row.stages or []))
    return Entry(
        activity_type, stages, row.brief, row.dos, row.donts, days, updated_at=row.updated_at
    )


def playbook() -> list[Entry]:
    """Every activity type's entry, in the vocabulary's order (two statements, however many)."""
    rows = {r.activity_type: r for r in db.session.scalars(sa.select(PlaybookEntry))}
    days = lead_time.lead_times()
    return [_entry(t, rows.get(t), days[t]) for t in ACTIVITY_TYPES]


def entry(activity_type: str) -> Entry:
    """One activity type's entry; NotFound for a type the program does not have."""
    if activity_type not in ACTIVITY_TYPES:
        raise NotFound("No such activity type.")
    row = db.session.scalar(
        sa.select(PlaybookEntry).where(PlaybookEntry.activity_type == activity_type)
    )
    return _entry(activity_type, row, lead_time.lead_times()[activity_type])


def stage_warning(found: Entry | None, stage_group: str | None) -> str | None:
    """A gentle note when the deal's stage group is not one the activity fits (never a
    refusal); None when it fits, or when either is unknown."""
    if found is None or not stage_group or not found.stages or found.fits(stage_group):
        return None
    fits = " or ".join(label(s).lower() for s in found.stages)
    return (
        f"The playbook suggests {found.label.lower()} for {fits}-stage deals; this deal is in "
        f"the {label(stage_group).lower()} stage. You can still file it."
    )


# Rendering -----------------------------------------------------------------------------

_TAGS = frozenset({"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "code"})


@functools.lru_cache(maxsize=128)
def render_brief(text: str) -> Markup:
    """Markdown-lite as safe HTML: paragraphs, bold, italic, lists, links (http, https,
    mailto) and code; every other tag (raw HTML, headings, images, scripts) is removed."""
    html = markdown.markdown(text or "", extensions=["sane_lists"])
    clean = nh3.clean(
        html,
        tags=set(_TAGS),
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    # Sanitised by nh3 just above.
    return Markup(clean)  # noqa: S704  # nosec B704


def lines(text: str | None) -> list[str]:
    """A do's or don'ts text as its non-empty lines (a leading "- " or "* " dropped)."""
    out = []
    for raw in (text or "").splitlines():
        line = raw.strip().removeprefix("- ").removeprefix("* ").strip()
        if line:
            out.append(line)
    return out


# Changing ------------------------------------------------------------------------------


def check_entry(data) -> dict:
    """Cleaned fields of an entry ({stages, brief, dos, donts}; all required) or
    ValidationFailed naming each bad field."""
    c = Checker(data, allowed=FIELDS)
    if isinstance(data, dict) and "stages" not in data:
        c.error("stages", "This field is required.")
    c.choices("stages", STAGE_GROUPS, max_items=len(STAGE_GROUPS))
    if "stages" in c.clean and not c.clean["stages"]:
        c.error("stages", "Pick at least one sales stage the activity fits.")
    c.text("brief", max_length=BRIEF_MAX, required=True)
    for name in ("dos", "donts"):
        c.text(name, max_length=LIST_MAX)
        c.clean.setdefault(name, "")
        if c.clean[name] is None:
            c.clean[name] = ""
        if len(lines(c.clean[name])) > LIST_LINES_MAX:
            c.error(name, f"At most {LIST_LINES_MAX} lines: keep the list short.")
    for name in ("brief", "dos", "donts"):
        if has_markup(c.clean.get(name)):  # refused, not stored: rendering removes it anyway
            c.error(name, NO_HTML)
    cleaned = c.done()
    cleaned["stages"] = [s for s in STAGE_GROUPS if s in cleaned["stages"]]
    cleaned["dos"] = "\n".join(lines(cleaned["dos"]))
    cleaned["donts"] = "\n".join(lines(cleaned["donts"]))
    return cleaned


def update_entry(actor, activity_type: str, data) -> tuple[Entry, dict]:
    """Replace one activity type's entry; audited as playbook.updated with what changed.
    (entry, {field: [old, new]}); nothing changed: no audit event."""
    check_edit(actor)
    if activity_type not in ACTIVITY_TYPES:
        raise NotFound("No such activity type.")
    values = check_entry(data)
    row = db.session.scalar(
        sa.select(PlaybookEntry)
        .where(PlaybookEntry.activity_type == activity_type)
        .with_for_update()
    )
    if row is None:
        row = PlaybookEntry(activity_type=activity_type, stages=[], brief="", dos="", donts="")
        db.session.add(row)
    changed = audit.changes(row, values)
    if changed:
        row.updated_by_id = actor.id
        audit.record(actor, "playbook.updated", row, {"activity_type": activity_type, **changed})
    return _entry(activity_type, row, lead_time.lead_times()[activity_type]), changed


def request_panel(activity_type: str | None, stage_group: str | None) -> dict:
    """What the request form shows beside it: every entry (the page switches between them),
    the one chosen, and per activity type the stage note for the linked deal's stage group."""
    entries = playbook()
    return {
        "entries": entries,
        "chosen": activity_type if activity_type in ACTIVITY_TYPES else None,
        "stage_group": stage_group,
        "warnings": {e.activity_type: stage_warning(e, stage_group) for e in entries},
    }
