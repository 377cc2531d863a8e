"""The demo's reference requests: Avery's story, then a year of requests of every team, each
with its asks to the advocates who fit, its status, notice and a few comment threads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from portal.asks.lead_time import add_working_days, working_days_between
from portal.demo.accounts import COUNTRIES, REGION_WEIGHTS, SEGMENT_WEIGHTS, AccountsBuilder
from portal.demo.advocates import DemoAdvocate
from portal.demo.asks import AsksBuilder
from portal.demo.deals import OPEN_STAGES
from portal.models import ReferenceRequest, RequestComment
from portal.vocab import label

# What each team asks for (the manager runs advisory boards and betas).
TEAM_ACTIVITIES = {
    "sales": {
        "reference_call": 60,
        "site_visit": 12,
        "peer_review": 12,
        "referral": 6,
        "quote": 10,
    },
    "pr": {"press_interview": 30, "case_study": 30, "quote": 20, "video_testimonial": 20},
    "ar": {"analyst_briefing": 70, "peer_review": 30},
    "events": {"speaking": 60, "webinar": 40},
    "social": {"social_post": 60, "video_testimonial": 20, "quote": 20},
    "ir": {"reference_call": 100},
    "manager": {"advisory_board": 50, "beta_program": 50},
}
# Why a demo request was filed inside its activity's lead time (the seeds' "Need ASAP").
RUSH_REASONS = (
    "The prospect's buying committee meets this week; a reference call would decide it.",
    "The customer moved the deadline up after our last call.",
    "The analyst's report closes its inputs on Friday.",
    "Need ASAP: the competitor is offering references tomorrow.",
    "The event speaker dropped out; we need a replacement.",
)
REQUEST_CONTEXT = {
    "reference_call": "{prospect} is choosing between us and two competitors; their project lead "
    "wants a 30-minute call with a peer who runs {product} in production.",
    "site_visit": "The {prospect} project team would like to see {product} live at a customer "
    "site, ideally in {region}.",
    "case_study": "A written case study on {use_case} for the {industry} campaign.",
    "quote": "A one-line quote for the {industry} landing page and the {product} launch.",
    "video_testimonial": "A two-minute video for the customer stories page, filmed remotely.",
    "press_interview": "A trade journalist is writing about {use_case} and asked to speak with "
    "a customer.",
    "analyst_briefing": "Briefing for the annual {product} market report: 45 minutes with the "
    "analyst team.",
    "speaking": "Customer panel at the Customer Summit: 30 minutes on stage, travel covered.",
    "webinar": "Co-present a webinar on {use_case} with our product team.",
    "peer_review": "A review on a peer review site ahead of the {product} category report.",
    "advisory_board": "A seat on the {product} customer advisory board: three sessions a year.",
    "beta_program": "Early access to the next {product} release, with two feedback calls.",
    "social_post": "Share the new case study on LinkedIn with a short comment.",
    "referral": "An introduction to a peer at {prospect}.",
}
CANCEL_REASONS = (
    "The prospect chose to skip the reference stage.",
    "The opportunity was put on hold.",
    "Found a reference through the partner instead.",
)
THREADS = (
    (
        "Which part of the rollout does the prospect care most about?",
        "Mainly the migration timeline and how long the cut-over took.",
    ),
    (
        "Is a European customer fine, or must it be in their country?",
        "Anywhere in Europe is fine, as long as they speak German or English.",
    ),
    (
        "Can we move the call to next week? Our best match is travelling.",
        "Yes, the decision meeting is on the 28th, so any day before then works.",
    ),
)
SALES_ACTIVITIES = {"reference_call", "site_visit", "peer_review", "referral", "quote"}


class RequestsBuilder(AccountsBuilder, AsksBuilder):
    """Adds the requests, their asks and comment threads (prospects are named as accounts are)."""

    def _prospect(self) -> tuple[str, str, str, str]:
        industry = self.rng.choice(list(self.industries))
        region = self._pick(REGION_WEIGHTS)
        name, _ = self._company(industry, self._country(region), self.prospect_domains)
        return name, industry, region, self._pick(SEGMENT_WEIGHTS)

    def _request(
        self,
        requester_id: int,
        activity: str,
        created: dt.datetime,
        prospect: tuple,
        products: list[str],
        needed: int = 1,
    ) -> dict:
        rng = self.rng
        company, industry, region, segment = prospect
        criteria = {"industries": [industry], "products": products, "regions": [region]}
        if rng.random() < 0.3:
            criteria["segments"] = [segment]
        if self.use_cases and rng.random() < 0.3:
            criteria["use_cases"] = self._sample(self.use_cases, 1, 2)
        if activity in ("speaking", "press_interview", "advisory_board") and rng.random() < 0.6:
            criteria["seniorities"] = ["executive", "director"]
        if region != "na" and self.languages and rng.random() < 0.2:
            spoken = [c for info in COUNTRIES.values() if info[0] == region for c in info[3]]
            criteria["languages"] = sorted({c for c in spoken if c in self.languages})[:2]
        needed_by = created.date() + dt.timedelta(days=rng.randint(7, 28))
        # Most requesters give the activity's lead time (and a few days more); every fourth who
        # would not, the first among them, files a rush (its reason is set in `_lead_times`), so
        # a demo of any size has some. No draw: same stream.
        lead = self.lead_times.get(activity, 0)
        short = working_days_between(created.date(), needed_by) < lead
        if short:
            self.short_notice += 1
            if self.short_notice % 4 != 1:
                needed_by = add_working_days(created.date(), lead + needed_by.day % 5)
        sales = self.user_team.get(requester_id) == "sales" and activity in SALES_ACTIVITIES
        row = self._add(
            ReferenceRequest,
            requester_id=requester_id,
            manager_id=None,
            activity_type=activity,
            opportunity_name=None,
            opportunity_crm_id=None,
            opportunity_amount=None,
            opportunity_stage=None,
            opportunity_close_date=None,
            opportunity_outcome="open",
            prospect_company=company if sales or activity == "referral" else None,
            criteria=criteria,
            needed_by=needed_by,
            advocates_needed=needed,
            context=REQUEST_CONTEXT[activity].format(
                prospect=company,
                product=self.products[products[0]],
                region=label(region),
                industry=self.industries[industry].lower(),
                use_case=self.use_cases.get(
                    (criteria.get("use_cases") or [""])[0], "customer onboarding"
                ).lower(),
            ),
            status="submitted",
            status_reason=None,
            created_at=created,
            updated_at=created,
        )
        if self.user_team.get(requester_id) == "ir":
            row["context"] = (
                "An investor doing due diligence would like a 20-minute call with a customer."
            )
        if sales:
            close = needed_by + dt.timedelta(days=rng.randint(14, 75))
            amount = {"smb": (15, 60), "mid_market": (60, 300), "enterprise": (300, 2500)}[segment]
            row.update(
                opportunity_name=f"{company}: {self.products[products[0]]}",
                opportunity_crm_id=f"006DM{row['id']:010d}",
                opportunity_amount=Decimal(rng.randint(*amount) * 1000),
                opportunity_close_date=close,
                opportunity_stage=rng.choice(
                    OPEN_STAGES[1:] if close < self.today + dt.timedelta(days=30) else OPEN_STAGES
                ),
            )
            if close < self.today:
                # Drawn now, decided once the asks are known (`_close_request`).
                self.win_draws[row["id"]] = rng.random()
            self.opportunities.append(row["opportunity_crm_id"])
        return row

    def _close_request(self, request: dict, asks: list[dict]) -> None:
        """Set the request's status, manager and last change from its asks."""
        statuses = [a["status"] for a in asks]
        met = statuses.count("accepted") + statuses.count("completed")
        if not asks:
            late = request["status"] == "submitted" and request["needed_by"] < self.today
            status = "expired" if late else request["status"]
        elif "pending" in statuses:
            status = "in_progress"
        elif met >= request["advocates_needed"]:
            status = "fulfilled" if "accepted" in statuses else "completed"
        elif "completed" in statuses and request["needed_by"] < self.today:
            status = "completed"
        elif "accepted" in statuses or request["needed_by"] >= self.today:
            status = "in_progress"
        elif "withdrawn" in statuses:
            status = "cancelled"
            request["status_reason"] = self.rng.choice(CANCEL_REASONS)
        else:
            status = "expired"
        request["status"] = status
        if request["id"] in self.win_draws:
            # As programs report it: deals with a completed reference are won more often.
            referenced = "completed" in statuses
            won = self.win_draws.pop(request["id"]) < (0.66 if referenced else 0.38)
            request["opportunity_outcome"] = "won" if won else "lost"
            request["opportunity_stage"] = "Closed Won" if won else "Closed Lost"
        if asks:
            request["manager_id"] = request["manager_id"] or self.rng.choice(self.staff["manager"])
            for ask in asks:
                ask["placed_by_id"] = request["manager_id"]
            request["updated_at"] = max([request["created_at"]] + [a["updated_at"] for a in asks])
        if status in ("in_progress", "fulfilled") and self.rng.random() < 0.2:
            self._thread(request)

    def _thread(self, request: dict) -> None:
        """A short exchange between the manager and the requester on the request."""
        asked = self._between(request["created_at"], self.now)
        answered = self._between(asked, min(self.now, asked + dt.timedelta(hours=20)))
        question, answer = self.rng.choice(THREADS)
        self._add(
            RequestComment,
            request_id=request["id"],
            author_id=request["manager_id"],
            body=question,
            created_at=asked,
        )
        self._add(
            RequestComment,
            request_id=request["id"],
            author_id=request["requester_id"],
            body=answer,
            created_at=answered,
        )

    def _demo_history(self) -> None:
        """Avery's story: past activities, two asks to answer and one call coming up."""
        self.prospect_domains: set[str] = {a["domain"] for a in self.accounts}
        self.opportunities: list[str] = []
        self.completed: list[tuple] = []
        demo = self.demo
        home = demo.account
        products = demo.products[:1]
        story = (
            # (requester, activity, days ago, outcome)
            (self.sales_id, "reference_call", 40, "completed"),
            (self.pr_id, "case_study", 100, "completed"),
            (self.events_id, "webinar", 170, "completed"),
            (self.pr_id, "quote", 250, "completed"),
            (self.pr_id, "press_interview", 300, "declined"),
            (self.other_sales_id, "reference_call", 200, "expired"),
            (self.sales_id, "reference_call", 130, "withdrawn"),
            (self.sales_id, "reference_call", 9, "accepted"),
            (self.sales_id, "reference_call", self.respond_days * 0.1, "pending"),
            (self.pr_id, "press_interview", self.respond_days * 0.8, "pending"),
        )
        for requester, activity, days, outcome in story:
            asked = self.now - dt.timedelta(days=days)
            prospect = self._prospect()
            prospect = (prospect[0], home["industry"], home["region"], home["segment"])
            request = self._request(
                requester, activity, asked - dt.timedelta(hours=5), prospect, products
            )
            request["manager_id"] = self.manager_id
            if outcome in ("expired", "withdrawn", "declined"):
                request["needed_by"] = min(request["needed_by"], self.today - dt.timedelta(days=1))
            scheduled = None
            if outcome == "accepted":
                scheduled = (self.now + dt.timedelta(days=3)).replace(hour=15, minute=0, second=0)
                request["needed_by"] = max(request["needed_by"], scheduled.date())
            ask = self._ask(request, demo, asked, outcome, scheduled=scheduled)
            self._close_request(request, [ask])
        # One new request the manager has not worked on yet.
        self._request(
            self.sales_id, "reference_call", self._ago(0.2, 0.5), self._prospect(), products
        )

    def _requests(self) -> None:
        rng = self.rng
        pool: dict[tuple, list[DemoAdvocate]] = {}
        for advocate in self.advocates:
            if advocate is self.demo or advocate.status != "active":
                continue
            if advocate.account["status"] != "active":
                continue
            region, industry = advocate.account["region"], advocate.account["industry"]
            for activity in advocate.types:
                pool.setdefault((activity,), []).append(advocate)
                pool.setdefault((activity, region), []).append(advocate)
                pool.setdefault((activity, region, industry), []).append(advocate)
        requesters = {
            uid: (3 if uid == self.sales_id else 2 if team == "sales" else 1)
            for uid, team in self.user_team.items()
            if team
        }
        requesters[self.pr_id] = 2
        for manager in self.staff["manager"]:
            requesters[manager] = 0.5
        total = max(30, round(self.n * 0.45))
        for _ in range(total):
            requester = self._pick(requesters)
            team = self.user_team.get(requester) or "manager"
            activity = self._pick(TEAM_ACTIVITIES[team])
            days_ago = 365 * rng.random() ** 2
            created = self.now - dt.timedelta(days=days_ago)
            prospect = self._prospect()
            industry, region = prospect[1], prospect[2]
            products = sorted(self._sample(self.products, 1, 2))
            needed = self._pick({1: 70, 2: 20, 3: 10})
            request = self._request(requester, activity, created, prospect, products, needed)
            if days_ago < 0.1 or (days_ago < 3 and rng.random() < 0.4):
                continue  # submitted, not yet worked on
            if days_ago > 20 and rng.random() < 0.03:
                request["status"] = "cancelled"
                request["status_reason"] = rng.choice(CANCEL_REASONS)
                request["updated_at"] = self._between(created, self.now)
                continue
            first = self._between(
                created + dt.timedelta(minutes=30), min(self.now, created + dt.timedelta(hours=36))
            )
            chosen: set[int] = set()
            asks = []
            for number in range(needed + self._pick({0: 50, 1: 35, 2: 15})):
                asked = min(self.now, first + dt.timedelta(minutes=number * rng.randint(3, 40)))
                advocate = self._candidate(pool, activity, region, industry, chosen, asked)
                if advocate is None:
                    break
                chosen.add(advocate.id)
                asks.append(self._ask(request, advocate, asked, self._outcome(asked)))
            self._close_request(request, asks)

    def _candidate(self, pool, activity, region, industry, chosen, asked):
        for key in ((activity, region, industry), (activity, region), (activity,)):
            options = pool.get(key)
            if not options:
                continue
            for _ in range(8):
                advocate = self.rng.choice(options)
                if (
                    advocate.id not in chosen
                    and advocate.fits(asked)
                    and self._account_fits(advocate, asked)
                ):
                    return advocate
        return None

    def _account_fits(self, advocate: DemoAdvocate, asked: dt.datetime) -> bool:
        """Whether the advocate's account stays within the account caps with one more live
        ask at `asked`. Windows are widened by a day on each side, so that colleagues in
        other time zones (whose calendar months start a few hours apart) stay within too."""
        booked = self.account_live.get(advocate.account["id"], [])
        local = asked.astimezone(advocate.zone).date()
        for cap, months in zip(self.account_caps, (1, 3), strict=True):
            if cap is None:
                continue
            first = local.replace(day=1, month=(local.month - 1) // months * months + 1)
            following = dt.date(
                first.year + (first.month + months - 1) // 12,
                (first.month + months - 1) % 12 + 1,
                1,
            )
            start = dt.datetime.combine(first - dt.timedelta(days=1), dt.time(), dt.UTC)
            end = dt.datetime.combine(following + dt.timedelta(days=1), dt.time(), dt.UTC)
            if sum(start <= other < end for other in booked) >= cap:
                return False
        return True

    def _lead_times(self) -> None:
        """Each filed request's notice (from its final needed-by date) and, inside its
        activity's lead time, its rush reason: as `asks.lead_time` would have recorded them."""
        for row in self.rows[ReferenceRequest]:
            if row["status"] == "draft":
                row.update(notice_days=None, rush=False, rush_reason=None)
                continue
            notice = working_days_between(row["created_at"].date(), row["needed_by"])
            rush = notice < self.lead_times.get(row["activity_type"], 0)
            row.update(
                notice_days=notice,
                rush=rush,
                rush_reason=RUSH_REASONS[row["id"] % len(RUSH_REASONS)] if rush else None,
            )
