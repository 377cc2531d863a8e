"""The demo's content library: customer stories, quotes and videos of active advocates, and
their uses in deals."""

from __future__ import annotations

import datetime as dt

from portal.demo.base import BaseBuilder
from portal.demo.words import slug
from portal.models import ContentAsset, ContentUse
from portal.vocab import label

CONTENT_TITLES = {
    "case_study": "How {account} improved {use_case} with {product}",
    "video": "{advocate} of {account} on {use_case}",
    "quote": "{advocate}, {title} at {account}",
    "slides": "{account}: {product} customer presentation",
    "press_release": "{account} selects {product}",
    "review": "Peer review: {product} at {account}",
    "blog": "Behind the scenes: {account}'s {product} rollout",
}
CONTENT_STAGES = {
    "case_study": ["middle", "late"],
    "video": ["early", "middle"],
    "quote": ["early"],
    "slides": ["middle"],
    "press_release": ["early"],
    "review": ["middle", "late"],
    "blog": ["early"],
}


class ContentBuilder(BaseBuilder):
    """Adds the content assets and their uses."""

    def _content(self) -> None:
        rng = self.rng
        storytellers = [
            a for a in self.advocates if a.status == "active" and a.account["status"] == "active"
        ]
        if not storytellers:
            return
        kinds = {
            "case_study": 30,
            "video": 15,
            "quote": 20,
            "slides": 10,
            "press_release": 8,
            "review": 10,
            "blog": 7,
        }
        staff = self.staff["requester"] + self.staff["csm"]
        for _ in range(min(80, 12 + self.n // 100)):
            advocate = rng.choice(storytellers)
            account = advocate.account
            kind = self._pick(kinds)
            product = advocate.products[0]
            use_case = rng.choice(list(self.use_cases)) if self.use_cases else None
            title = CONTENT_TITLES[kind].format(
                account=account["name"],
                advocate=advocate.name,
                title=advocate.title,
                product=self.products[product],
                use_case=(self.use_cases[use_case] if use_case else "operations").lower(),
            )
            approval = self._pick({"customer_approved": 70, "draft": 20, "retired": 10})
            until = None
            if approval == "customer_approved":
                until = self.today + dt.timedelta(days=rng.randint(-30, 540))
            created = self._ago(30, 500)
            asset = self._add(
                ContentAsset,
                kind=kind,
                title=title[:200],
                url=f"https://www.example.com/customers/{slug(title)[:80]}",
                summary=f"{account['name']} ({label(account['region'])}, "
                f"{self.industries[account['industry']].lower()}) on {self.products[product]}.",
                account_id=account["id"],
                advocate_id=advocate.id if kind in ("video", "quote", "case_study") else None,
                stages=CONTENT_STAGES[kind],
                industries=[account["industry"]],
                products=[product],
                use_cases=[use_case] if use_case else [],
                approval_status=approval,
                approved_until=until,
                created_at=created,
                updated_at=self._between(created, self.now),
            )
            if approval != "customer_approved":
                continue
            for _ in range(rng.randint(0, 4)):
                self._add(
                    ContentUse,
                    asset_id=asset["id"],
                    user_id=rng.choice(staff),
                    opportunity_crm_id=rng.choice(self.opportunities)
                    if self.opportunities
                    else None,
                    used_at=self._between(created, self.now),
                )
