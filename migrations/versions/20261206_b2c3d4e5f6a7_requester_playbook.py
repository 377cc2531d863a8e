"""requester playbook

The requesters' playbook (issue 20): per activity type, the sales stages it fits (early, middle,
late), how to brief an advocate, and do's and don'ts; the program team edits it, requesters see
it where they file a request. Every activity type gets a useful default here, so a new program
has a playbook from the start. (The lead time per type stays the program setting
`lead_time_days`.)

Revision ID: b2c3d4e5f6a7
Revises: b1c2d3e4f5a6
Create Date: 2026-12-06 21:30:00

"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b2c3d4e5f6a7"
down_revision = "b1c2d3e4f5a6"
branch_labels = None
depends_on = None

ACTIVITY_TYPES = (
    "reference_call",
    "site_visit",
    "case_study",
    "quote",
    "video_testimonial",
    "press_interview",
    "analyst_briefing",
    "speaking",
    "webinar",
    "peer_review",
    "advisory_board",
    "beta_program",
    "social_post",
    "referral",
)

# (activity type, stages, brief, do's, don'ts): do's and don'ts one per line.
DEFAULTS = [
    (
        "reference_call",
        ["middle", "late"],
        "A 30-minute call between your prospect and a customer in a similar role. Say **who "
        "will be on the call** (names, titles), the prospect's top two or three questions, and "
        "what the prospect should come away believing.\n\n"
        "Offer two or three times that suit the advocate; the reference team sends the invite.",
        "Send the prospect's questions ahead of the call\n"
        "Keep it to 30 minutes, and thank the advocate afterwards\n"
        "Tell us how the deal went: it is what the advocate wants to hear",
        "Don't ask for a call before the prospect has a shortlist\n"
        "Don't put pricing or contract terms on the agenda\n"
        "Don't join with a large team: one or two people from our side",
    ),
    (
        "site_visit",
        ["late"],
        "A visit to the customer's site to see the product in use: for a prospect close to a "
        "decision. Say who travels (names, titles), what they want to see, the dates that work "
        "and how long the visit should take.\n\nAllow time: the advocate has to arrange access "
        "and people on their side.",
        "Agree the agenda with the advocate a week ahead\n"
        "Cover travel and hospitality from our side\n"
        "Send a written thank-you after the visit",
        "Don't bring more than four visitors\n"
        "Don't ask to see anything confidential or to photograph the site\n"
        "Don't use a site visit for an early-stage prospect",
    ),
    (
        "case_study",
        ["early", "middle"],
        "A written story of the customer's problem, the solution and the results, approved by "
        "the customer. Say which **audience** it is for, the results you hope to show (figures "
        "help) and any deadline such as a launch.\n\nThe advocate gives a 45-minute interview "
        "and reviews the draft; approval can take weeks on their side.",
        "Share the interview questions ahead\n"
        "Give the advocate the draft to approve before anything is published\n"
        "Offer the finished story for their own use",
        "Don't promise a publication date before the customer approved it\n"
        "Don't invent or round up figures\n"
        "Don't publish logos or quotes without written approval",
    ),
    (
        "quote",
        ["early", "middle"],
        "One or two sentences from the customer for a web page, a deck or a press release. "
        "Say where it will appear and the point it should make; a draft for the advocate to "
        "edit saves them time.",
        "Offer a draft the advocate can change freely\n"
        "Say where and for how long the quote will be used",
        "Don't change an approved quote's wording\n"
        "Don't reuse a quote somewhere it was not approved for",
    ),
    (
        "video_testimonial",
        ["early", "middle"],
        "A short filmed interview, usually at the customer's office. Say the audience, the "
        "story you want told, and when the film is needed.\n\nFilming takes half a day of the "
        "advocate's time and approval from their communications team.",
        "Send the questions and the filming plan ahead\nLet the advocate review the final cut",
        "Don't script the answers word for word\n"
        "Don't film without the customer's communications team agreeing",
    ),
    (
        "press_interview",
        ["early"],
        "An interview with a journalist about the customer's experience. Say the publication, "
        "the angle of the story and the journalist's deadline.\n\nThe customer's press office "
        "usually has to agree: ask early.",
        "Brief the advocate on the journalist and the likely questions\n"
        "Have someone from PR on the call",
        "Don't promise the journalist a customer before they agreed\n"
        "Don't ask the advocate to talk about figures they can't publish",
    ),
    (
        "analyst_briefing",
        ["early", "middle"],
        "A call with an industry analyst about how the customer uses our product. Say the firm, "
        "the report or evaluation it is for, and the questions the analyst will ask.",
        "Share the analyst's questions and the report's scope\n"
        "Tell the advocate what the analyst already knows",
        "Don't coach the advocate's answers\nDon't book a briefing without AR in the loop",
    ),
    (
        "speaking",
        ["early"],
        "The customer speaks at our event or another one. Say the event, the date, the audience "
        "and the session's format and length.\n\nSpeakers need time to prepare and approval to "
        "speak for their company.",
        "Offer help with the slides and a rehearsal\nCover travel and give the speaker a good slot",
        "Don't hand the speaker a sales pitch to present\n"
        "Don't change the session's format at the last minute",
    ),
    (
        "webinar",
        ["early"],
        "A live or recorded online session with the customer. Say the topic, the audience, the "
        "date and who moderates.",
        "Run a short technical check before the day\nSend the advocate the recording afterwards",
        "Don't make the advocate present product features\n"
        "Don't book a date before the advocate confirmed it",
    ),
    (
        "peer_review",
        ["early", "middle"],
        "A review on a peer review site such as G2 or Gartner Peer Insights. Say which site; "
        "the advocate writes in their own words.",
        "Send the direct link to the review form\nThank the advocate whatever their rating",
        "Don't offer anything in return for a good rating (the sites forbid it)\n"
        "Don't tell the advocate what to write",
    ),
    (
        "advisory_board",
        ["middle", "late"],
        "A seat on our customer advisory board, which meets a few times a year about the "
        "product's direction. Say why this customer's view matters and the next meeting's date.",
        "Explain the time it takes over a year\n"
        "Report back what changed because of the board's advice",
        "Don't use board meetings to sell\nDon't invite someone only because a deal is open",
    ),
    (
        "beta_program",
        ["middle"],
        "Early access to a new feature in exchange for feedback. Say the feature, what feedback "
        "you need and for how long.",
        "Say clearly what is not finished\nTell the advocate what their feedback changed",
        "Don't promise a release date\n"
        "Don't put a beta into a customer's production without their agreement",
    ),
    (
        "social_post",
        ["early"],
        "A post by the advocate on LinkedIn or another network. Say the occasion (a launch, an "
        "event, a story) and offer a draft they may change.",
        "Offer a draft and an image\nLike and share the post from our side",
        "Don't post in the advocate's name\nDon't ask for posts more than once a quarter",
    ),
    (
        "referral",
        ["early"],
        "An introduction to a peer at another company who may need our product. Say the kind "
        "of company and role you hope to meet, and why the advocate is the right person to "
        "introduce.",
        "Make the introduction easy: offer a short text they can forward\n"
        "Tell the advocate what came of the introduction",
        "Don't ask for contact details of people the advocate doesn't know well\n"
        "Don't follow up with the referred person more than twice",
    ),
]


def upgrade():
    table = op.create_table(
        "playbook_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "activity_type",
            sa.Enum(
                *ACTIVITY_TYPES,
                name="activity_type",
                native_enum=False,
                create_constraint=True,
                length=17,
            ),
            nullable=False,
        ),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("brief", sa.Text(), nullable=False),
        sa.Column("dos", sa.Text(), nullable=False),
        sa.Column("donts", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_playbook_entries_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbook_entries")),
        sa.UniqueConstraint("activity_type", name=op.f("uq_playbook_entries_activity_type")),
    )
    now = dt.datetime.now(dt.UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # as the app stores UTC times there
    op.bulk_insert(
        table,
        [
            {
                "activity_type": activity_type,
                "stages": stages,
                "brief": brief,
                "dos": dos,
                "donts": donts,
                "updated_by_id": None,
                "created_at": now,
                "updated_at": now,
            }
            for activity_type, stages, brief, dos, donts in DEFAULTS
        ],
    )


def downgrade():
    op.drop_table("playbook_entries")
