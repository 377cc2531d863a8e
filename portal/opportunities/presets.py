"""Column presets of the CRM import: our own header, and Salesforce's and HubSpot's default
report exports (their real header names, date formats and stage names).

A preset maps each header it knows to one of the import's columns (an Opportunity field, or a
hint such as Salesforce's Won/Closed/Probability that only counts when the stage is unknown),
reads the CRM's dates, and turns a stage name into (outcome, stage group). Headers match in any
case and spacing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

# The import's columns are Opportunity fields, plus hints read to work one out: owner (a name
# or e-mail), won, closed, probability and pipeline. Every file needs the id and the name.
ID, NAME = "crm_id", "name"

EARLY, MIDDLE, LATE = "early", "middle", "late"
OPEN, WON, LOST = ("open", EARLY), ("won", None), ("lost", None)
OPEN_MIDDLE, OPEN_LATE = ("open", MIDDLE), ("open", LATE)

ISO = "%Y-%m-%d"
US = "%m/%d/%Y"


def header_key(name: str) -> str:
    """A header as it is matched: any case, any spacing."""
    return " ".join((name or "").replace("\ufeff", "").lower().split())


def stage_key(name: str) -> str:
    return " ".join((name or "").lower().split())


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    # Import column -> the headers that carry it, the CRM's default name first.
    columns: dict[str, tuple[str, ...]]
    date_formats: tuple[str, ...]
    date_example: str
    # Stage name (stage_key) -> (outcome, stage group while open).
    stages: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    probability_is_fraction: bool = False  # HubSpot's deal probability runs from 0 to 1

    @property
    def required(self) -> tuple[str, str]:
        return self.columns[ID][0], self.columns[NAME][0]

    def column_of(self, header: str) -> str | None:
        """The import column a file's header carries, or None (an ignored column)."""
        key = header_key(header)
        for column, names in self.columns.items():
            if key in (header_key(n) for n in names):
                return column
        return None

    def stage(self, name: str) -> tuple[str, str | None] | None:
        """(outcome, stage group) of a stage name, or None when it is not one of the CRM's."""
        return self.stages.get(stage_key(name))

    def date(self, raw: str) -> dt.date | None:
        """The date in a cell (a time after it is dropped), or None when it isn't one."""
        raw = (raw or "").strip()
        # "2027-03-31 00:00", "3/31/2027, 10:15 AM", "2027-03-31T00:00:00Z": the date part.
        candidates = [raw, re.split(r"[T\s,]", raw, maxsplit=1)[0]]
        for text in candidates:
            for pattern in self.date_formats:
                try:
                    return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a date)
                except ValueError:
                    continue
        return None


SALESFORCE_STAGES = {
    stage_key(name): value
    for name, value in (
        ("Prospecting", OPEN),
        ("Qualification", OPEN),
        ("Needs Analysis", OPEN_MIDDLE),
        ("Value Proposition", OPEN_MIDDLE),
        ("Id. Decision Makers", OPEN_MIDDLE),
        ("Perception Analysis", OPEN_MIDDLE),
        ("Proposal/Price Quote", OPEN_LATE),
        ("Negotiation/Review", OPEN_LATE),
        ("Closed Won", WON),
        ("Closed Lost", LOST),
    )
}
# HubSpot's default sales pipeline: the stage labels and their internal ids.
HUBSPOT_STAGES = {
    stage_key(name): value
    for names, value in (
        (("Appointment Scheduled", "appointmentscheduled"), OPEN),
        (("Qualified To Buy", "qualifiedtobuy"), OPEN),
        (("Presentation Scheduled", "presentationscheduled"), OPEN_MIDDLE),
        (("Decision Maker Bought-In", "decisionmakerboughtin"), OPEN_MIDDLE),
        (("Contract Sent", "contractsent"), OPEN_LATE),
        (("Closed Won", "closedwon"), WON),
        (("Closed Lost", "closedlost"), LOST),
    )
    for name in names
}
# Our own file: the stage is the CRM's words, so either CRM's names are known, and so are
# the stage groups themselves.
PORTAL_STAGES = {
    **SALESFORCE_STAGES,
    **HUBSPOT_STAGES,
    EARLY: OPEN,
    MIDDLE: OPEN_MIDDLE,
    LATE: OPEN_LATE,
}

PORTAL = Preset(
    key="portal",
    label="Advocate Portal",
    columns={
        ID: ("crm_id",),
        NAME: ("name",),
        "account_name": ("account", "account_name"),
        "account_crm_id": ("account_crm_id",),
        "amount": ("amount",),
        "currency": ("currency",),
        "stage": ("stage",),
        "stage_group": ("stage_group",),
        "close_date": ("close_date",),
        "opened_on": ("created_date", "opened_on"),
        "outcome": ("outcome",),
        "owner_email": ("owner_email",),
    },
    date_formats=(ISO,),
    date_example="2027-03-31",
    stages=PORTAL_STAGES,
)

SALESFORCE = Preset(
    key="salesforce",
    label="Salesforce",
    columns={
        ID: ("Opportunity ID", "Opportunity ID (18)"),
        NAME: ("Opportunity Name",),
        "account_name": ("Account Name",),
        "account_crm_id": ("Account ID",),
        "amount": ("Amount",),
        "currency": ("Opportunity Currency", "Amount Currency"),
        "stage": ("Stage",),
        "close_date": ("Close Date",),
        "opened_on": ("Created Date",),
        "owner_email": ("Owner Email", "Opportunity Owner: Email"),
        "owner": ("Opportunity Owner",),  # a name; used only when it is an e-mail
        "won": ("Won",),
        "closed": ("Closed",),
        "probability": ("Probability (%)",),
    },
    # The report export writes dates in the user's locale: M/D/YYYY in the US one.
    date_formats=(US, ISO),
    date_example="3/31/2027",
    stages=SALESFORCE_STAGES,
)

HUBSPOT = Preset(
    key="hubspot",
    label="HubSpot",
    columns={
        ID: ("Record ID", "Deal ID"),
        NAME: ("Deal Name",),
        "account_name": ("Associated Company", "Associated Company (Primary)"),
        "account_crm_id": ("Associated Company IDs", "Associated Company IDs (Primary)"),
        "amount": ("Amount",),
        "currency": ("Currency", "Deal currency code"),
        "stage": ("Deal Stage",),
        "close_date": ("Close Date",),
        "opened_on": ("Create Date",),
        "owner_email": ("Owner Email",),
        "owner": ("Deal owner",),  # "Name (e-mail)", or an e-mail
        "won": ("Is Closed Won",),
        "closed": ("Is Deal Closed?",),
        "probability": ("Deal probability",),
        "pipeline": ("Pipeline",),
    },
    date_formats=(ISO, US),
    date_example="2027-03-31",
    stages=HUBSPOT_STAGES,
    probability_is_fraction=True,
)

PRESETS = {p.key: p for p in (PORTAL, SALESFORCE, HUBSPOT)}
CHOICES = ("auto", *PRESETS)


class NoPreset(ValueError):
    """No preset (or more than one) fits the header."""


def guess(header: list[str]) -> Preset:
    """The preset whose id and name columns the header has; ties go to the one that knows
    the most of the header's columns."""
    keys = {header_key(h) for h in header}
    fitting = [
        p
        for p in PRESETS.values()
        if any(header_key(n) in keys for n in p.columns[ID])
        and any(header_key(n) in keys for n in p.columns[NAME])
    ]
    if not fitting:
        raise NoPreset(
            "The header fits none of the presets: "
            + "; ".join(f"{p.label} needs {' and '.join(p.required)}" for p in PRESETS.values())
            + "."
        )
    scores = {p.key: sum(1 for h in header if p.column_of(h)) for p in fitting}
    best = max(scores.values())
    winners = [p for p in fitting if scores[p.key] == best]
    if len(winners) > 1:
        raise NoPreset(
            f"The header fits the {' and the '.join(p.label for p in winners)} presets "
            "alike: choose one."
        )
    return winners[0]


# Reading cells ------------------------------------------------------------------------------

_EMAIL = re.compile(r"[^\s<>()\[\],;]+@[^\s<>()\[\],;]+\.[^\s<>()\[\],;]+")
# A currency code before or after the number: "USD 125,000.00", "125000 EUR".
_CODE_FIRST = re.compile(r"([A-Za-z]{3})\s*([-(]?\s*[$€£¥]?\s*[\d.,].*)")
_CODE_LAST = re.compile(r"(.*[\d)])\s*([A-Za-z]{3})")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_SYMBOLS = re.compile(r"[$€£¥₹₩₽¤\s\u00a0\u202f]")
_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no"}


def email_in(raw: str) -> str | None:
    """The e-mail in an owner cell ("Jane Doe (jane@example.com)", or just the e-mail)."""
    found = _EMAIL.search(raw or "")
    return found.group(0) if found else None


def amount(raw: str) -> tuple[str | None, str | None]:
    """(amount, currency code) of a cell such as "$125,000.00", "USD 125,000.00" or "125000".

    The amount comes back as a plain number string (the service's check makes it money and
    refuses a negative one); a cell that isn't a number comes back as it is, for the check to
    say so. The code is None when the cell names none.
    """
    text = (raw or "").strip()
    if not text:
        return None, None
    code = None
    if found := _CODE_FIRST.fullmatch(text):
        code, text = found.group(1).upper(), found.group(2)
    elif found := _CODE_LAST.fullmatch(text):
        text, code = found.group(1), found.group(2).upper()
    negative = text.startswith("(") and text.endswith(")")
    number = _SYMBOLS.sub("", text.strip("()"))
    if number.startswith("-"):
        negative, number = True, number[1:]
    if number.rfind(",") > number.rfind(".") and ("." in number or re.search(r",\d{1,2}$", number)):
        number = number.replace(".", "").replace(",", ".")  # 1.234,56 or 9,90: a decimal comma
    else:
        number = number.replace(",", "")
    if not _NUMBER.fullmatch(number):
        return (raw or "").strip(), code
    return ("-" if negative else "") + number, code


def flag(raw: str) -> bool | None:
    """A yes/no cell (1/0, true/false, yes/no); None when blank; ValueError otherwise."""
    value = (raw or "").strip().lower()
    if not value:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(raw)


def probability(raw: str, *, fraction: bool) -> float | None:
    """A probability in percent (0 to 100); None when blank; ValueError otherwise."""
    value = (raw or "").strip().rstrip("%").strip()
    if not value:
        return None
    number = float(value.replace(",", "."))
    if fraction and number <= 1 and "%" not in raw:
        number *= 100
    if not 0 <= number <= 100:
        raise ValueError(raw)
    return number


def group_of(percent: float) -> str:
    """The stage group of an open deal from its probability: the stage's own default."""
    if percent <= 30:
        return EARLY
    if percent < 70:
        return MIDDLE
    return LATE
