"""The demo's advocates: one at each account's weight, the demo advocate (Avery) at the first,
with their consent, limits, activity types and blackouts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from portal.demo.accounts import COUNTRIES
from portal.demo.base import BaseBuilder
from portal.demo.words import NAMES, local_part
from portal.models import Advocate, Blackout

SENIORITY_WEIGHTS = {
    "executive": 12,
    "director": 25,
    "manager": 25,
    "practitioner": 23,
    "technical": 15,
}
TITLES = {
    "executive": (
        "Chief Information Officer",
        "Chief Technology Officer",
        "Chief Digital Officer",
        "Chief Operating Officer",
        "Chief Data Officer",
        "VP of Engineering",
        "Chief Risk Officer",
        "Chief Information Security Officer",
        "SVP Operations",
    ),
    "director": (
        "Director of IT",
        "Head of Payments",
        "Director of Data and Analytics",
        "Head of Customer Experience",
        "Director of Security",
        "Head of Digital",
        "Director of Operations",
        "Head of Platform Engineering",
    ),
    "manager": (
        "IT Manager",
        "Product Manager",
        "Program Manager",
        "Engineering Manager",
        "Operations Manager",
        "Compliance Manager",
        "Analytics Manager",
    ),
    "practitioner": (
        "Senior Business Analyst",
        "Data Analyst",
        "Fraud Analyst",
        "Product Owner",
        "Operations Specialist",
        "Compliance Analyst",
        "CRM Specialist",
    ),
    "technical": (
        "Solutions Architect",
        "Lead Software Engineer",
        "Principal Data Engineer",
        "Security Engineer",
        "Platform Engineer",
        "Site Reliability Engineer",
        "Integration Architect",
    ),
}
ACTIVITY_WEIGHTS = {
    "reference_call": 90,
    "peer_review": 50,
    "quote": 45,
    "case_study": 35,
    "webinar": 25,
    "site_visit": 20,
    "video_testimonial": 20,
    "social_post": 25,
    "beta_program": 25,
    "referral": 15,
    "speaking": 15,
    "press_interview": 12,
    "analyst_briefing": 12,
    "advisory_board": 12,
}
SENIORITY_TILT = {
    "executive": {
        "speaking": 2.5,
        "press_interview": 2.5,
        "advisory_board": 2.5,
        "analyst_briefing": 2,
        "beta_program": 0.5,
        "peer_review": 0.6,
    },
    "director": {"speaking": 1.5, "advisory_board": 1.5, "site_visit": 1.3},
    "technical": {
        "beta_program": 2.5,
        "peer_review": 1.5,
        "speaking": 0.5,
        "press_interview": 0.3,
        "advisory_board": 0.6,
    },
    "practitioner": {"peer_review": 1.5, "social_post": 1.3, "press_interview": 0.5},
}
BLACKOUT_REASONS = (
    "Parental leave",
    "Quarter-end close",
    "Family holiday",
    "System go-live",
    "Audit season",
    "Conference travel",
)
NOMINATION_REASONS = (
    "Led our {product} rollout and talks about the results with enthusiasm.",
    "Presented their {product} project at the last user group.",
    "Executive sponsor, very happy with the renewal.",
    "Gave us a 10 in the last NPS survey.",
    "Helped shape the {product} roadmap in a feedback session.",
)


class DemoAdvocate:
    """What the generator needs to know about an advocate while placing asks and claims."""

    __slots__ = (
        "id",
        "account",
        "zone",
        "types",
        "limits",
        "live",
        "name",
        "status",
        "created_at",
        "consent_at",
        "seniority",
        "products",
        "title",
        "points",
    )

    def fits(self, at: dt.datetime) -> bool:
        """Whether an ask placed at `at` keeps within limits, cooldown and consent."""
        if self.consent_at is None or at < self.consent_at:
            return False
        month_cap, quarter_cap, year_cap, cooldown = self.limits
        local = at.astimezone(self.zone)
        month, quarter, year = (
            (local.year, local.month),
            (local.year, (local.month - 1) // 3),
            local.year,
        )
        gap = dt.timedelta(days=cooldown)
        in_month = in_quarter = in_year = 0
        for other, other_month, other_quarter, other_year in self.live:
            if abs(at - other) < gap:
                return False
            in_month += other_month == month
            in_quarter += other_quarter == quarter
            in_year += other_year == year
        return in_month < month_cap and in_quarter < quarter_cap and in_year < year_cap

    def book(self, at: dt.datetime) -> None:
        local = at.astimezone(self.zone)
        self.live.append(
            (at, (local.year, local.month), (local.year, (local.month - 1) // 3), local.year)
        )

    def balance_allows(self, at: dt.datetime, cost: int) -> bool:
        """Whether spending `cost` at `at` keeps the running balance from going negative."""
        running = 0
        lowest = None
        for when, delta in sorted(self.points):
            running += delta
            if when >= at:
                lowest = running if lowest is None else min(lowest, running)
        before = sum(delta for when, delta in self.points if when < at)
        lowest = before if lowest is None else min(before, lowest)
        return lowest >= cost


class AdvocatesBuilder(BaseBuilder):
    """Adds the advocates and their blackouts; keeps each as a `DemoAdvocate`."""

    def _languages(self, country: str) -> list[str]:
        spoken = [code for code in COUNTRIES[country][3] if code in self.languages]
        if spoken and len(spoken) > 1 and self.rng.random() < 0.3:
            spoken = spoken[:1]  # some people list only their first language
        return spoken

    def _activity_types(self, seniority: str) -> list[str]:
        tilt = SENIORITY_TILT.get(seniority, {})
        weights = {a: w * tilt.get(a, 1) for a, w in ACTIVITY_WEIGHTS.items()}
        chosen = []
        for _ in range(self.rng.randint(2, 6)):
            value = self._pick(weights)
            chosen.append(value)
            del weights[value]
        return sorted(chosen)

    def _limits(self) -> tuple:
        if self.rng.random() < 0.25:
            month = self.rng.choice((1, 1, 2, 3))
            quarter = min(50, month * self.rng.randint(2, 3))
            year = min(50, quarter * self.rng.randint(2, 3))
            return month, quarter, year, self.rng.choice((7, 21, 30, 45))
        return None, None, None, None

    def _advocates(self) -> None:
        weights = []
        for account in self.accounts:
            base = {"enterprise": 5, "mid_market": 2.5, "smb": 1}[account["segment"]]
            weights.append(base * (1 if account["status"] == "active" else 0.4))
        homes = self.rng.choices(range(len(self.accounts)), weights, k=self.n - 1)
        used: dict[str, set[str]] = {}
        self.advocates: list[DemoAdvocate] = []
        self.demo = self._advocate(self.accounts[0], used, demo=True)
        for index in homes:
            self._advocate(self.accounts[index], used)

    def _advocate(self, account: dict, used: dict, demo: bool = False) -> DemoAdvocate:
        rng = self.rng
        country = account["country"]
        firsts, lasts = NAMES[COUNTRIES[country][4]]
        first, last = rng.choice(firsts), rng.choice(lasts)
        seniority = self._pick(SENIORITY_WEIGHTS)
        status = {
            "active": None,
            "candidate": "nominated",
            "paused": "paused",
            "retired": "retired",
            "do_not_contact": "retired",
        }[account["status"]]
        if status is None:
            status = self._pick(
                {
                    "active": 78,
                    "nominated": 6,
                    "invited": 6,
                    "paused": 5,
                    "retired": 4,
                    "declined": 1,
                }
            )
        if account["status"] == "candidate" and rng.random() < 0.4:
            status = "invited"
        if demo:
            first, last, seniority, status = "Avery", "Adler", "director", "active"
        local = f"{local_part(first)}.{local_part(last)}"
        taken = used.setdefault(account["domain"], set())
        candidate, number = local, 1
        while candidate in taken:
            number += 1
            candidate = f"{local}{number}"
        taken.add(candidate)
        email = "advocate@demo.example" if demo else f"{candidate}@{account['domain']}"
        title = "Head of Payments" if demo else rng.choice(TITLES[seniority])
        products = sorted(self._sample(account["products"], 1, 2)) or [
            rng.choice(list(self.products))
        ]
        zone = rng.choice(COUNTRIES[country][2])
        early = status in ("nominated", "invited", "declined")
        created = self._ago(5, 60) if early else self._ago(40, 1100)
        consent = None if early else min(self.now, created + dt.timedelta(days=rng.randint(2, 20)))
        types = [] if early else self._activity_types(seniority)
        limits = self._limits()
        if demo:
            zone, created = "America/New_York", self._ago(420, 420)
            consent = created + dt.timedelta(days=4)
            types = sorted(
                {
                    "reference_call",
                    "case_study",
                    "quote",
                    "webinar",
                    "peer_review",
                    "press_interview",
                    "speaking",
                }
            )
            limits = (4, 8, 20, 2)  # Avery agreed to more than the program default
            if "payments" in self.products:  # a Head of Payments
                products = sorted({"payments", *products})
                account["products"] = sorted({"payments", *account["products"]})
        product_label = self.products[products[0]]
        row = self._add(
            Advocate,
            account_id=account["id"],
            user_id=self.advocate_user["id"] if demo else None,
            name=f"{first} {last}",
            email=email,
            title=title,
            seniority=seniority,
            products=products,
            use_cases=sorted(self._sample(self.use_cases, 1, 3)),
            languages=self._languages(country),
            timezone=zone,
            bio=(
                f"{title} at {account['name']}; has worked with {product_label} since "
                f"{account['created_at'].year}."
            )
            if not early and rng.random() < 0.6
            else None,
            status=status,
            nominated_by_id=account["csm_id"],
            nomination_source="csm" if account["csm_id"] else "program",
            nomination_reason=rng.choice(NOMINATION_REASONS).format(product=product_label),
            consent_at=consent,
            # No one is active without consent to the current terms (program rule).
            consent_version=self.terms_version if consent else None,
            activity_types=types,
            max_per_month=limits[0],
            max_per_quarter=limits[1],
            max_per_year=limits[2],
            min_days_between=limits[3],
            preferred_contact=self._pick({"email": 60, "video": 30, "phone": 10}),
            paused_until=self.today + dt.timedelta(days=rng.randint(15, 120))
            if status == "paused"
            else None,
            created_at=created,
            updated_at=self._between(created, self.now),
        )
        advocate = DemoAdvocate()
        advocate.id = row["id"]
        advocate.account = account
        advocate.zone = ZoneInfo(zone)
        advocate.types = set(types)
        advocate.limits = tuple(
            own if own is not None else default
            for own, default in zip(limits, self.default_limits, strict=True)
        )
        advocate.live = []
        advocate.name = row["name"]
        advocate.title = title
        advocate.status = status
        advocate.created_at = created
        advocate.consent_at = consent if status == "active" else None
        advocate.seniority = seniority
        advocate.products = products
        advocate.points = []
        self.advocates.append(advocate)
        if demo:
            self.advocate_user["name"] = row["name"]
            self.advocate_user["timezone"] = zone
            self._add(
                Blackout,
                advocate_id=row["id"],
                start=self.today + dt.timedelta(days=45),
                end=self.today + dt.timedelta(days=59),
                reason="Family holiday",
                created_at=self._ago(5, 20),
            )
        elif status == "active" and rng.random() < 0.05:
            start = self.today + dt.timedelta(days=rng.randint(20, 90))
            self._add(
                Blackout,
                advocate_id=row["id"],
                start=start,
                end=start + dt.timedelta(days=rng.randint(5, 30)),
                reason=rng.choice(BLACKOUT_REASONS),
                created_at=self._ago(1, 30),
            )
        return advocate
