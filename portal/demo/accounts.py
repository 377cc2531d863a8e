"""The demo's customer accounts: every industry, region and segment, named from word lists,
and the countries their people live in."""

from __future__ import annotations

from portal.demo.base import BaseBuilder
from portal.demo.words import GENERIC_WORDS, INDUSTRY_WORDS, STEMS_A, STEMS_B, slug
from portal.models import Account

# country: (region, weight, time zones, languages, name pool, legal suffixes)
COUNTRIES = {
    "US": (
        "na",
        60,
        ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"),
        ("en",),
        "en_us",
        ("Inc.", "Corp.", ""),
    ),
    "CA": (
        "na",
        15,
        ("America/Toronto", "America/Vancouver"),
        ("en", "fr"),
        "en_us",
        ("Inc.", "Ltd.", ""),
    ),
    "GB": ("emea", 25, ("Europe/London",), ("en",), "en_gb", ("Ltd", "plc", "")),
    "IE": ("emea", 4, ("Europe/Dublin",), ("en",), "en_gb", ("Ltd", "")),
    "DE": ("emea", 20, ("Europe/Berlin",), ("de", "en"), "de", ("GmbH", "AG", "")),
    "CH": ("emea", 5, ("Europe/Zurich",), ("de", "fr", "en"), "de", ("AG", "SA", "")),
    "FR": ("emea", 14, ("Europe/Paris",), ("fr", "en"), "fr", ("SA", "SAS", "")),
    "ES": ("emea", 8, ("Europe/Madrid",), ("es", "en"), "es", ("S.A.", "S.L.", "")),
    "IT": ("emea", 7, ("Europe/Rome",), ("it", "en"), "it", ("S.p.A.", "S.r.l.", "")),
    "NL": ("emea", 8, ("Europe/Amsterdam",), ("nl", "en"), "nl", ("B.V.", "N.V.", "")),
    "SE": ("emea", 5, ("Europe/Stockholm",), ("en",), "sv", ("AB", "")),
    "JP": ("apac", 30, ("Asia/Tokyo",), ("ja", "en"), "ja", ("K.K.", "")),
    "SG": ("apac", 20, ("Asia/Singapore",), ("en", "zh"), "zh", ("Pte. Ltd.", "")),
    "HK": ("apac", 10, ("Asia/Hong_Kong",), ("zh", "en"), "zh", ("Ltd", "")),
    "AU": (
        "apac",
        25,
        ("Australia/Sydney", "Australia/Melbourne", "Australia/Perth"),
        ("en",),
        "en_au",
        ("Pty Ltd", ""),
    ),
    "IN": ("apac", 15, ("Asia/Kolkata",), ("en",), "in", ("Pvt. Ltd.", "Ltd", "")),
    "BR": ("latam", 40, ("America/Sao_Paulo",), ("pt", "en"), "pt_br", ("S.A.", "Ltda.", "")),
    "MX": ("latam", 25, ("America/Mexico_City",), ("es", "en"), "es_latam", ("S.A. de C.V.", "")),
    "AR": (
        "latam",
        10,
        ("America/Argentina/Buenos_Aires",),
        ("es", "en"),
        "es_latam",
        ("S.A.", ""),
    ),
    "CO": ("latam", 12, ("America/Bogota",), ("es", "en"), "es_latam", ("S.A.S.", "")),
    "CL": ("latam", 10, ("America/Santiago",), ("es", "en"), "es_latam", ("S.A.", "")),
}
REGION_WEIGHTS = {"na": 40, "emea": 35, "apac": 15, "latam": 10}
SEGMENT_WEIGHTS = {"smb": 30, "mid_market": 40, "enterprise": 30}

NO_LEGAL_SUFFIX = {"public_sector", "education"}
INDUSTRY_PRODUCTS = {
    "banking": ("payments", "identity", "security", "analytics"),
    "insurance": ("analytics", "identity", "data_platform"),
    "healthcare": ("identity", "messaging", "security", "data_platform"),
    "retail": ("payments", "analytics", "messaging"),
    "manufacturing": ("data_platform", "analytics", "security"),
    "software": ("identity", "data_platform", "security", "messaging"),
    "telecom": ("messaging", "identity", "analytics"),
    "public_sector": ("identity", "security", "data_platform"),
    "energy": ("analytics", "data_platform", "security"),
    "logistics": ("analytics", "messaging", "payments"),
    "media": ("analytics", "messaging", "payments"),
    "education": ("identity", "messaging", "analytics"),
}

ACCOUNT_NOTES = (
    "Renewal due next quarter; the executive sponsor supports reference work.",
    "Expanded to two more products this year.",
    "Prefers requests bundled: at most one ask a month across the account.",
    "Legal must approve any public use of the logo.",
    None,
    None,
    None,
)


class AccountsBuilder(BaseBuilder):
    """Adds the accounts, a quarter as many as advocates (at least 40)."""

    def _company(self, industry: str, country: str, taken: set[str]) -> tuple[str, str]:
        """A company name and a unique domain, from word lists."""
        words = INDUSTRY_WORDS.get(industry, GENERIC_WORDS)
        for attempt in range(60):
            base = f"{self.rng.choice(STEMS_A)}{self.rng.choice(STEMS_B)} {self.rng.choice(words)}"
            if attempt >= 30:  # the word lists are running out (very large seeds)
                base = f"{base} {self.rng.randint(2, 999)}"
            domain = f"{slug(base)}.example"
            if domain not in taken:
                break
        else:
            base = f"{base} {len(taken)}"
            domain = f"{slug(base)}.example"
        taken.add(domain)
        suffix = "" if industry in NO_LEGAL_SUFFIX else self.rng.choice(COUNTRIES[country][5])
        return (f"{base} {suffix}" if suffix else base), domain

    def _country(self, region: str) -> str:
        options = {code: info[1] for code, info in COUNTRIES.items() if info[0] == region}
        return self._pick(options)

    def _products_for(self, industry: str) -> list[str]:
        liked = [p for p in INDUSTRY_PRODUCTS.get(industry, ()) if p in self.products]
        pool = liked or list(self.products)
        chosen = self._sample(pool, 1, 3)
        if self.rng.random() < 0.2:
            chosen = sorted(set(chosen) | {self.rng.choice(list(self.products))})
        return sorted(chosen)

    def _accounts(self) -> None:
        total = max(40, round(self.n / 4))
        industries = list(self.industries)
        regions = list(REGION_WEIGHTS)
        segments = list(SEGMENT_WEIGHTS)
        csms = self.staff["csm"]
        csm_weights = [3 if uid == self.csm_id else 2 for uid in csms]
        taken: set[str] = set()
        self.accounts: list[dict] = []
        for index in range(total):
            # Every industry, region and segment appears; the rest follow realistic weights.
            industry = industries[index] if index < len(industries) else self.rng.choice(industries)
            region = regions[index] if index < len(regions) else self._pick(REGION_WEIGHTS)
            segment = segments[index] if index < len(segments) else self._pick(SEGMENT_WEIGHTS)
            status = self._pick(
                {"active": 80, "candidate": 10, "paused": 4, "retired": 3, "do_not_contact": 3}
            )
            if index == 0:  # the demo advocate's company
                region, segment, status = "na", "enterprise", "active"
            country = "US" if index == 0 else self._country(region)
            name, domain = self._company(industry, country, taken)
            if segment == "smb":
                employees, arr = self.rng.randint(2, 45) * 10, self.rng.randint(12, 80) * 1000
            elif segment == "mid_market":
                employees, arr = self.rng.randint(5, 48) * 100, self.rng.randint(80, 450) * 1000
            else:
                employees = self.rng.randint(50, 1800) * 100
                arr = self.rng.randint(450, 4800) * 1000
            created = self._ago(120, 1400)
            row = self._add(
                Account,
                name=name,
                domain=domain,
                industry=industry,
                segment=segment,
                region=region,
                country=country,
                employees=employees,
                arr=arr,
                crm_id=None,
                csm_id=self.csm_id if index == 0 else self.rng.choices(csms, csm_weights)[0],
                status=status,
                products=self._products_for(industry),
                notes=self.rng.choice(ACCOUNT_NOTES),
                created_at=created,
                updated_at=self._between(created, self.now),
            )
            row["crm_id"] = f"001DM{row['id']:010d}"
            self.accounts.append(row)
