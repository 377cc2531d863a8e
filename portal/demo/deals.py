"""The CRM's deals of the demo: one for each request with a CRM id, and more that never asked
for a reference (the win-rate baseline)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from portal.demo.base import SEED, BaseBuilder
from portal.models import Opportunity, ReferenceRequest, User

OPEN_STAGES = ("Discovery", "Evaluation", "Proposal", "Negotiation")
STAGE_GROUP_OF = {"Discovery": "early", "Evaluation": "middle", "Proposal": "late"}
# CRM deals that never asked for a reference, per deal that did (the win-rate baseline).
DEALS_WITHOUT_REQUESTS = 3
DEAL_CURRENCIES = {"USD": 70, "EUR": 20, "GBP": 10}


class DealsBuilder(BaseBuilder):
    """Adds the deals once the requests are known, and links each request to its deal."""

    def _deals(self) -> None:
        """The CRM's deals: one for each request with a CRM id (linked; the request's values are
        the deal's), and `DEALS_WITHOUT_REQUESTS` times as many that never asked for a
        reference, closed in the last year or open, in a few currencies, owned by the sellers."""
        # A stream of its own: the rest of the demo stays as it was before deals were kept.
        rng = random.Random(SEED + 19)  # nosec B311
        emails = {row["id"]: row["email"] for row in self.rows[User]}
        sellers = [row["email"] for row in self.rows[User] if row["team"] == "sales"]
        prospects = sorted(
            {r["prospect_company"] for r in self.rows[ReferenceRequest] if r["prospect_company"]}
        )
        linked = 0
        for request in self.rows[ReferenceRequest]:
            request["opportunity_id"] = None
            if not request["opportunity_crm_id"]:
                continue
            linked += 1
            currency = "USD"
            if request["criteria"]["regions"] == ["emea"]:
                currency = rng.choice(("EUR", "EUR", "GBP", "USD"))
            opened = request["created_at"].date() - dt.timedelta(days=rng.randint(10, 90))
            deal = self._deal(
                rng,
                crm_id=request["opportunity_crm_id"],
                name=request["opportunity_name"],
                account_name=request["prospect_company"],
                amount=request["opportunity_amount"],
                currency=currency,
                stage=request["opportunity_stage"],
                close_date=request["opportunity_close_date"],
                opened_on=opened,
                outcome=request["opportunity_outcome"],
                owner_email=emails[request["requester_id"]],
            )
            request["opportunity_id"] = deal["id"]
        products = list(self.products.values())
        for _ in range(linked * DEALS_WITHOUT_REQUESTS):
            span = rng.randint(20, 200)
            if rng.random() < 0.75:
                close = self.today - dt.timedelta(days=rng.randint(1, 365))
                outcome = "won" if rng.random() < 0.33 else "lost"
                stage = "Closed Won" if outcome == "won" else "Closed Lost"
            else:
                close = self.today + dt.timedelta(days=rng.randint(7, min(120, span - 1)))
                outcome, stage = "open", rng.choice(OPEN_STAGES)
            account = rng.choice(self.accounts) if rng.random() < 0.4 or not prospects else None
            company = account["name"] if account else rng.choice(prospects)
            low, high = rng.choice(((15, 60), (15, 60), (60, 300), (60, 300), (300, 2500)))
            self._deal(
                rng,
                crm_id=None,
                name=f"{company}: {rng.choice(products)}",
                account_name=company,
                account_crm_id=account["crm_id"] if account else None,
                account_id=account["id"] if account else None,
                amount=Decimal(rng.randint(low, high) * 1000),
                currency=self._pick_from(rng, DEAL_CURRENCIES),
                stage=stage,
                close_date=close,
                opened_on=close - dt.timedelta(days=span),
                outcome=outcome,
                owner_email=rng.choice(sellers),
            )

    @staticmethod
    def _pick_from(rng: random.Random, weights: dict):
        return rng.choices(tuple(weights), tuple(weights.values()))[0]

    def _deal(self, rng: random.Random, **values) -> dict:
        """One Opportunity row (a deal of no request gets a CRM id of its own)."""
        open_ = values["outcome"] == "open"
        row = self._add(
            Opportunity,
            **{"account_crm_id": None, "account_id": None, **values},
            stage_group=STAGE_GROUP_OF.get(values["stage"], "late") if open_ else None,
            source="csv",
            outcome_changed_at=None,
        )
        row["crm_id"] = row["crm_id"] or f"006DX{row['id']:010d}"
        row["created_at"] = dt.datetime.combine(
            row["opened_on"], dt.time(9, rng.randint(0, 59)), dt.UTC
        )
        row["updated_at"] = row["created_at"]
        if row["outcome"] != "open":
            changed = dt.datetime.combine(row["close_date"], dt.time(17), dt.UTC)
            row["outcome_changed_at"] = row["updated_at"] = min(changed, self.now)
        return row
