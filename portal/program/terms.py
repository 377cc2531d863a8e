"""The program terms: admins edit one draft in Markdown, preview it and publish it as a new
version; advocates then re-accept. Published versions never change, and every acceptance of
every version stays on record (`TermsAcceptance`)."""

from __future__ import annotations

import functools
import re

import markdown
import nh3
import sqlalchemy as sa
from flask_babel import lazy_gettext
from markupsafe import Markup

from portal.advocates.models import Advocate
from portal.audit import service as audit
from portal.auth.permissions import demand
from portal.database import now_utc
from portal.errors import NotFound
from portal.extensions import db
from portal.notifications.service import Audience, queue_email
from portal.program.service import get_setting, set_setting
from portal.program.terms_models import TermsAcceptance, TermsVersion
from portal.program.translation_lookup import delete_translations, translated
from portal.urls import external_url
from portal.validation import Checker

BODY_MAX = 100_000
VERSION_MAX = 32
# Letters and digits first, then also . _ - (2026-07, v3, 2027.1): safe in URLs and e-mails.
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# Words the pages and the API use in their paths next to a version label.
RESERVED_VERSIONS = frozenset({"draft", "publish"})
VERSION_HELP = "Letters, digits, dots, dashes and underscores, starting with a letter or digit."

# What the terms may contain once rendered: text structure and links, nothing active.
_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "strong",
        "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
_SCHEMES = frozenset({"http", "https", "mailto"})


@functools.lru_cache(maxsize=64)
def render_markdown(text: str) -> Markup:
    """Markdown as safe HTML: raw HTML, scripts, event handlers and javascript: links are
    removed (published texts never change, so each is rendered once per process)."""
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"])
    clean = nh3.clean(
        html,
        tags=set(_TAGS),
        attributes={k: set(v) for k, v in _ATTRIBUTES.items()},
        url_schemes=set(_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704  # nosec B704  (sanitised by nh3 just above)


# Reading ---------------------------------------------------------------------------------


def check_admin(actor) -> None:
    """Only administrators read drafts and old versions, and change the terms."""
    demand(actor, "users.manage", "Only administrators change the program terms.")


def current_version() -> str:
    """The label of the terms advocates must have accepted (the terms_version setting)."""
    return get_setting("terms_version")


def current_terms() -> TermsVersion | None:
    """The published text of the current version; when the setting names a version with no
    text on record (set by hand), the latest published text; None before any."""
    row = published(current_version())
    if row is not None:
        return row
    return db.session.scalar(
        sa.select(TermsVersion)
        .where(TermsVersion.status == "published")
        .order_by(TermsVersion.published_at.desc(), TermsVersion.id.desc())
        .limit(1)
    )


def published(version: str) -> TermsVersion | None:
    return db.session.scalar(
        sa.select(TermsVersion).where(
            TermsVersion.version == version, TermsVersion.status == "published"
        )
    )


def get_published(actor, version: str) -> TermsVersion:
    """One published version, for administrators; NotFound when there is none of that label."""
    check_admin(actor)
    row = published(version) if isinstance(version, str) else None
    if row is None:
        raise NotFound("No published terms version of that name.")
    return row


def get_draft(actor=None) -> TermsVersion | None:
    """The draft being edited, if any (administrators only, when an actor is given)."""
    if actor is not None:
        check_admin(actor)
    return db.session.scalar(sa.select(TermsVersion).where(TermsVersion.status == "draft"))


def acceptance_counts() -> dict[str, int]:
    """{version: how many acceptances are on record}."""
    return dict(
        db.session.execute(
            sa.select(
                TermsAcceptance.version, sa.func.count(sa.distinct(TermsAcceptance.advocate_id))
            ).group_by(TermsAcceptance.version)
        ).all()
    )


def list_versions(actor) -> list[TermsVersion]:
    """Every version, the draft first, then published ones newest first."""
    check_admin(actor)
    return list(
        db.session.scalars(
            sa.select(TermsVersion).order_by(
                sa.case((TermsVersion.status == "draft", 0), else_=1),
                TermsVersion.published_at.desc(),
                TermsVersion.id.desc(),
            )
        )
    )


# Changing --------------------------------------------------------------------------------


def save_draft(actor, data: dict) -> TermsVersion:
    """Create or replace the draft's text ({"body_markdown"}); audited as terms.draft_saved."""
    check_admin(actor)
    c = Checker(data, allowed=("body_markdown",))
    c.text("body_markdown", max_length=BODY_MAX, required=True)
    clean = c.done()
    body = clean["body_markdown"]
    draft = db.session.scalar(
        sa.select(TermsVersion).where(TermsVersion.status == "draft").with_for_update()
    )
    if draft is None:
        draft = TermsVersion(status="draft", body_markdown=body, created_by=actor.id)
        db.session.add(draft)
    elif draft.body_markdown == body:
        return draft
    else:
        draft.body_markdown = body
    db.session.flush()
    audit.record(actor, "terms.draft_saved", draft, {"length": len(body)})
    return draft


def discard_draft(actor) -> bool:
    """Throw the draft away (published versions are untouched); False when there was none."""
    draft = get_draft(actor)
    if draft is None:
        return False
    audit.record(actor, "terms.draft_discarded", draft, {"length": len(draft.body_markdown)})
    delete_translations("terms", [draft.id])  # they translated the discarded text
    db.session.delete(draft)
    db.session.flush()
    return True


def _check_version(c: Checker) -> None:
    version = c.clean.get("version")
    if version is None:
        return
    if not _VERSION.fullmatch(version):
        c.error("version", VERSION_HELP)
    elif version.lower() in RESERVED_VERSIONS:
        c.error("version", f'"{version}" is a word the portal uses; choose another name.')
    elif version == current_version() or _label_used(version):
        c.error("version", f"Version {version} exists already; give the new text a new name.")


def _label_used(version: str) -> bool:
    """A label some text or some acceptance already carries (case-insensitive: 2026-07 and
    2026-07 in other capitals are the same version to a person)."""
    lowered = version.lower()
    in_texts = sa.select(TermsVersion.id).where(sa.func.lower(TermsVersion.version) == lowered)
    accepted = sa.select(TermsAcceptance.id).where(
        sa.func.lower(TermsAcceptance.version) == lowered
    )
    return db.session.scalar(sa.select(sa.exists(in_texts))) or db.session.scalar(
        sa.select(sa.exists(accepted))
    )


def publish_terms(actor, data: dict, *, notify: bool = True) -> tuple[TermsVersion, int]:
    """Publish the draft as version `data["version"]`: it becomes the current terms (the
    terms_version setting, so advocates who have not accepted it leave matching at once),
    is audited as terms.published and, with `notify`, every active or paused advocate is
    e-mailed to read and accept it. Returns the version and how many were e-mailed."""
    check_admin(actor)
    c = Checker(data, allowed=("version",))
    c.text("version", max_length=VERSION_MAX, required=True)
    _check_version(c)
    draft = db.session.scalar(
        sa.select(TermsVersion).where(TermsVersion.status == "draft").with_for_update()
    )
    if draft is None or not (draft.body_markdown or "").strip():
        c.error("body_markdown", "There is no draft to publish: write and save the new text first.")
    clean = c.done()
    version = clean["version"]
    previous = current_version()
    draft.version = version
    draft.status = "published"
    draft.published_by = actor.id
    draft.published_at = now_utc()
    db.session.flush()
    set_setting(actor, "terms_version", version)
    notified = notify_advocates(draft) if notify else 0
    audit.record(
        actor,
        "terms.published",
        draft,
        {"version": version, "previous": previous, "notified": notified},
    )
    return draft, notified


def record_acceptance(advocate, version: str, user=None) -> TermsAcceptance:
    """Add the advocate's acceptance of `version` to the record (called by accept_terms)."""
    row = TermsAcceptance(
        advocate_id=advocate.id,
        version=version,
        accepted_at=advocate.consent_at or now_utc(),
        user_id=getattr(user, "id", None),
    )
    db.session.add(row)
    return row


def acceptances_of(advocate) -> list[TermsAcceptance]:
    """The advocate's acceptances, oldest first (their data export shows them)."""
    return list(
        db.session.scalars(
            sa.select(TermsAcceptance)
            .where(TermsAcceptance.advocate_id == advocate.id)
            .order_by(TermsAcceptance.accepted_at, TermsAcceptance.id)
        )
    )


def notify_advocates(terms: TermsVersion) -> int:
    """One e-mail per active or paused advocate, written with the change; how many."""
    advocates = db.session.scalars(
        sa.select(Advocate)
        .where(Advocate.status.in_(("active", "paused")), Advocate.anonymized_at.is_(None))
        .order_by(Advocate.id)
    ).all()
    if not advocates:
        return 0
    audience = Audience(a.email for a in advocates)
    link = external_url("me.terms")
    subject = lazy_gettext(  # written in each advocate's language as it is queued
        "%(program)s: new program terms (%(version)s)",
        program=audience.program_name,
        version=terms.version,
    )
    for advocate in advocates:
        queue_email(
            "terms_published",
            advocate.email,
            subject,
            audience=audience,
            advocate=advocate,
            version=terms.version,
            link=link,
        )
    return len(advocates)


def current_text() -> Markup | None:
    """The current terms rendered for advocates and invitees, in the page's language when the
    version has a translation into it; None before any is published."""
    row = current_terms()
    if row is None:
        return None
    return render_markdown(translated("terms", row.id, row.body_markdown))


def backfill_acceptances() -> None:
    """Record the consent of advocates written in bulk (the demo) as acceptances, as the
    migration did for the advocates there were."""
    already = sa.select(TermsAcceptance.id).where(
        TermsAcceptance.advocate_id == Advocate.id,
        TermsAcceptance.version == Advocate.consent_version,
    )
    consented = sa.select(
        Advocate.id, Advocate.consent_version, Advocate.consent_at, Advocate.user_id
    ).where(
        Advocate.consent_at.is_not(None),
        Advocate.consent_version.is_not(None),
        ~sa.exists(already),
    )
    db.session.execute(
        sa.insert(TermsAcceptance).from_select(
            ["advocate_id", "version", "accepted_at", "user_id"], consented
        )
    )
