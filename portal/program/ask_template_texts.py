"""The shipped text of each activity type's ask template (program setting `ask_templates`):
what the activity is, what the advocate will be asked, how long it takes."""

from __future__ import annotations

DEFAULT_ASK_TEMPLATES: dict[str, str] = {
    "reference_call": (
        "A reference call is a short phone or video call with a company that is thinking of "
        "working with us. They will ask about your experience: why you chose us, how the "
        "rollout went and what has changed since.\n"
        "It takes about 30 minutes, at a time that suits you. You never need to share anything "
        "confidential."
    ),
    "site_visit": (
        "A site visit is a visit by a prospect's team to your offices, to see how you use our "
        "product day to day. You host a short tour and a conversation; we arrange the agenda "
        "and the travel with you.\n"
        "About 2 to 3 hours on the day, plus a 30-minute call to prepare."
    ),
    "case_study": (
        "A case study is a written story of your team's results with us. You will be asked for "
        "an interview with our writer, then to review the draft. Nothing is published before "
        "you and your company approve it.\n"
        "About 45 minutes for the interview and 30 minutes to review, over 3 to 4 weeks."
    ),
    "quote": (
        "A quote is one or two sentences about your experience, with your name, title and "
        "company, for our website, a press release or sales material. We draft it from what "
        "you have told us; you change it as you like and approve it.\n"
        "About 10 minutes."
    ),
    "video_testimonial": (
        "A video testimonial is a 2 to 3 minute film of you talking about your experience. A "
        "small crew records a relaxed interview at your offices or over video, and you approve "
        "the final cut before it is used.\n"
        "About 2 hours of filming, plus 15 minutes to review."
    ),
    "press_interview": (
        "A press interview is a conversation with a journalist about your work with us. Our "
        "press team briefs you first and joins the call; where the outlet allows it, you see "
        "your quotes before they are published.\n"
        "About 30 minutes, plus a 15-minute briefing."
    ),
    "analyst_briefing": (
        "An analyst briefing is a call with an industry analyst who is researching our market. "
        "They will ask how you chose us and what working with us is like; what you say informs "
        "their research and is not published under your name without your consent.\n"
        "About 30 to 45 minutes."
    ),
    "speaking": (
        "A speaking slot is a talk or a panel at one of our events about your story. We help "
        "with the slides and hold a rehearsal; travel to in-person events is covered.\n"
        "About 30 to 45 minutes on stage, plus about 2 hours to prepare."
    ),
    "webinar": (
        "A webinar is an online session in which you share your experience with peers, hosted "
        "by one of our team. We prepare the questions with you beforehand.\n"
        "About 45 minutes live, plus an hour to prepare."
    ),
    "peer_review": (
        "A peer review is an honest review of our product on a review site such as G2, Gartner "
        "Peer Insights or TrustRadius, in your own words. The site checks that you are a real "
        "user; we never see or change your review before it is published.\n"
        "About 15 minutes."
    ),
    "advisory_board": (
        "Our customer advisory board meets a few times a year to shape where the product goes "
        "next. You will be asked for your views on plans and priorities, in confidence.\n"
        "About 2 hours per meeting, 3 to 4 times a year."
    ),
    "beta_program": (
        "A beta program gives you early access to a new feature before its release. You will "
        "be asked to try it and tell us what works and what does not.\n"
        "About 1 to 2 hours over a few weeks, at your own pace."
    ),
    "social_post": (
        "A social post is a short post on LinkedIn or another network about your experience or "
        "a milestone we reached together. We can suggest words; you post in your own voice.\n"
        "About 10 minutes."
    ),
    "referral": (
        "A referral is an introduction to a peer at another company who could benefit from "
        "what we offer. You will be asked for a short introduction by e-mail; we take it from "
        "there.\n"
        "About 10 minutes."
    ),
}
