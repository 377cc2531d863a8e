"""The advocate's home says what is true of each claim: a place, a decision pending, the
waiting list with the position, declined, cancelled, received."""

from __future__ import annotations

import re

from portal.benefits.models import Claim
from tests.factories import AdvocateFactory, BenefitFactory, advocate_with_login


def _claim_words(page: str) -> dict[str, str]:
    """Benefit title -> the words next to it in the home page's "Open to you" list."""
    section = page.split('id="benefits-h"', 1)[1]
    found = re.findall(r">(Speaking slot \d+)</a>.*?claim-state\">([^<]*)<", section)
    return dict(found)


def test_home_states_each_claim_by_its_status_not_you_claimed_this(db, client, auth):
    advocate, user = advocate_with_login()
    other = AdvocateFactory()
    approved, requested, waitlisted, declined, cancelled, free = (
        BenefitFactory(capacity=1) for _ in range(6)
    )
    db.session.add_all(
        [
            Claim(benefit=approved, advocate=advocate, status="approved"),
            Claim(benefit=requested, advocate=advocate, status="requested"),
            # Someone else waits first: this advocate is second in line.
            Claim(benefit=waitlisted, advocate=other, status="waitlisted"),
            Claim(benefit=waitlisted, advocate=advocate, status="waitlisted"),
            Claim(benefit=declined, advocate=advocate, status="declined"),
            Claim(benefit=cancelled, advocate=advocate, status="cancelled"),
        ]
    )
    db.session.commit()
    auth.login(user.email)

    page = client.get("/me/").get_data(as_text=True)

    assert "You claimed this" not in page
    words = _claim_words(page)
    assert words[approved.title] == "You have a place"
    assert words[requested.title] == "Waiting for the program team&#39;s decision"
    assert words[waitlisted.title] == "On the waiting list (position 2)"
    assert words[declined.title] == "Your claim was declined"
    assert words[cancelled.title] == "Your claim was cancelled"
    assert free.title not in words


def test_home_shows_the_latest_claim_after_a_cancelled_one(db, client, auth):
    advocate, user = advocate_with_login()
    benefit = BenefitFactory()
    db.session.add(Claim(benefit=benefit, advocate=advocate, status="cancelled"))
    db.session.flush()
    db.session.add(Claim(benefit=benefit, advocate=advocate, status="approved"))
    db.session.commit()
    auth.login(user.email)

    page = client.get("/me/").get_data(as_text=True)

    assert _claim_words(page)[benefit.title] == "You have a place"
