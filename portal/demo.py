"""Demo program data (flask --app portal seed-demo): a believable reference program, fast.

Everything is generated in memory from a seeded random generator, then written with bulk
inserts (ids assigned here) in one transaction; 10,000 advocates take seconds, not minutes.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import time
import unicodedata
from decimal import Decimal
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError

from portal.asks.eligibility import rebuild_eligibility
from portal.asks.lead_time import add_working_days, lead_times, working_days_between
from portal.database import now_utc, refresh_statistics
from portal.extensions import db
from portal.models import (
    Account,
    Advocate,
    Ask,
    AuditEvent,
    Benefit,
    Blackout,
    Claim,
    ContentAsset,
    ContentUse,
    LedgerEntry,
    Opportunity,
    ReferenceRequest,
    RequestComment,
    Target,
    Touchpoint,
    User,
)
from portal.program.service import get_setting, taxonomy_labels, taxonomy_values
from portal.program.terms import backfill_acceptances
from portal.vocab import label

# bandit B105: the published demo password
PASSWORD = "demo-password-2026"  # noqa: S105  # nosec B105
SEED = 2026
DEFAULT_ADVOCATES = 200
MAX_ADVOCATES = 200_000
BATCH = 1000
PROGRESS_FROM = 1000
# The published terms texts stay too: they are the program's, not demo data.
KEEP_ON_RESET = {"alembic_version", "taxonomy_kinds", "taxonomy_terms", "terms_versions"}

# The printed logins: (role as people say it, e-mail, role, team, name, time zone).
DEMO_LOGINS = (
    ("Administrator", "admin@demo.example", "admin", None, "Adrian Adams", "Europe/Berlin"),
    (
        "Reference manager",
        "manager@demo.example",
        "manager",
        None,
        "Maya Manning",
        "America/New_York",
    ),
    (
        "Customer success manager",
        "csm@demo.example",
        "csm",
        None,
        "Carlos Santos",
        "America/Chicago",
    ),
    (
        "Requester (sales)",
        "sales@demo.example",
        "requester",
        "sales",
        "Sara Salinas",
        "America/New_York",
    ),
    ("Requester (PR)", "pr@demo.example", "requester", "pr", "Priya Raman", "Europe/London"),
    ("Executive", "exec@demo.example", "executive", None, "Elena Marsh", "America/New_York"),
    ("Advocate", "advocate@demo.example", "advocate", None, "Avery Adler", "America/New_York"),
)
# More colleagues, so lists and assignments look like a real team (not printed).
EXTRA_STAFF = (
    ("jonas.weber@demo.example", "manager", None, "Jonas Weber", "Europe/Berlin"),
    ("hannah.okafor@demo.example", "csm", None, "Hannah Okafor", "Europe/London"),
    ("kenji.watanabe@demo.example", "csm", None, "Kenji Watanabe", "Asia/Tokyo"),
    ("lucia.fernandez@demo.example", "csm", None, "Lucía Fernández", "America/Sao_Paulo"),
    ("tom.becker@demo.example", "requester", "sales", "Tom Becker", "Europe/Berlin"),
    ("emily.chen@demo.example", "requester", "sales", "Emily Chen", "Asia/Singapore"),
    ("rafael.costa@demo.example", "requester", "sales", "Rafael Costa", "America/Sao_Paulo"),
    ("olivia.brooks@demo.example", "requester", "sales", "Olivia Brooks", "America/Los_Angeles"),
    ("nina.larsen@demo.example", "requester", "ar", "Nina Larsen", "Europe/Stockholm"),
    ("marco.bianchi@demo.example", "requester", "events", "Marco Bianchi", "Europe/Rome"),
    ("zoe.kim@demo.example", "requester", "social", "Zoe Kim", "America/Los_Angeles"),
    ("david.levin@demo.example", "requester", "ir", "David Levin", "America/New_York"),
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NAMES = {
    "en_us": (
        "James Mary Michael Jennifer David Linda Robert Patricia Daniel Emily Kevin "
        "Jessica Brian Ashley Jason Sarah Ryan Megan Eric Lauren Marcus Olivia Tyler "
        "Hannah Andre Natalie Derek Rachel Jamal Grace",
        "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas "
        "Moore Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker Young "
        "Allen King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts "
        "Carter Phillips Evans Turner Parker Collins Edwards Stewart Morris Murphy Cook "
        "Rogers Morgan Cooper Peterson Reed Bailey Kelly Howard Ward Brooks Bennett Gray "
        "Hughes Price Sanders Patel Nguyen Kim Chen Garcia Rodriguez",
    ),
    "en_gb": (
        "Oliver Amelia Harry Isla George Ava Jack Emily Charlie Sophie Thomas Lucy "
        "William Charlotte James Chloe Alfie Ella Freddie Poppy",
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson "
        "Evans Walker White Roberts Green Hall Wood Jackson Clarke Hughes Edwards Patel "
        "Khan Lewis Harrison Murray Kennedy Fraser Shaw",
    ),
    "de": (
        "Lukas Anna Jonas Lea Maximilian Sophie Felix Marie Leon Laura Paul Julia Tobias "
        "Katharina Florian Lena Sebastian Hannah Stefan Johanna",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch "
        "Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hartmann "
        "Lange Werner Krause Lehmann Köhler Maier Huber",
    ),
    "fr": (
        "Lucas Emma Hugo Chloé Louis Léa Gabriel Manon Arthur Camille Jules Inès Nathan "
        "Sarah Théo Juliette Antoine Claire Mathieu Élodie",
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon "
        "Laurent Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard "
        "Bonnet Dupont Lambert Fontaine Rousseau Blanc Guérin Faure",
    ),
    "es": (
        "Alejandro Lucía Pablo María Javier Carmen Daniel Laura Sergio Marta Adrián Elena "
        "Carlos Paula Diego Sara Álvaro Cristina Miguel Irene",
        "García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Martín "
        "Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Navarro Torres Domínguez "
        "Vázquez Ramos Gil Serrano Molina Ortega Delgado Castro Ortiz",
    ),
    "it": (
        "Marco Giulia Alessandro Francesca Luca Chiara Matteo Sara Lorenzo Martina Andrea "
        "Elena Davide Valentina Federico Alessia Simone Giorgia Riccardo Silvia",
        "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno "
        "Gallo Conti Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri",
    ),
    "nl": (
        "Daan Emma Sem Julia Lucas Sophie Levi Tess Thijs Anna Jesse Lotte Bram Fleur "
        "Ruben Sanne Lars Eva Niels Iris",
        "Jansen Visser Smit Meijer Mulder Bos Vos Peters Hendriks Dekker Brouwer Bakker "
        "Janssen Kok Jacobs Vermeulen Willems Schouten Hoekstra Koster",
    ),
    "sv": (
        "Erik Elsa Lars Maja Johan Astrid Anders Ingrid Nils Sofia Karl Linnea Oskar "
        "Freja Magnus Ebba",
        "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson "
        "Gustafsson Lindberg Lindqvist Berg Holm Lund Sandberg",
    ),
    "ja": (
        "Haruto Yui Sota Hina Yuto Aoi Ren Sakura Takumi Mei Kenji Yuki Daiki Emi Hiroshi Naomi",
        "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato "
        "Yoshida Yamada Sasaki Yamaguchi Matsumoto Inoue Kimura Hayashi Shimizu Mori",
    ),
    "zh": (
        "Wei Jun Hao Jian Kai Ying Ming Lina Xinyi Meiling Huimin Zhiwei Shufen Jiahui",
        "Tan Lim Lee Ng Wong Chan Chen Goh Chua Ong Koh Teo Lau Cheung Ho Leung Zhang "
        "Wang Liu Yang",
    ),
    "in": (
        "Aarav Priya Arjun Ananya Rohan Kavya Vikram Neha Rahul Sneha Aditya Pooja Karan "
        "Divya Sanjay Meera",
        "Sharma Patel Singh Kumar Gupta Reddy Iyer Nair Mehta Shah Rao Joshi Desai Menon "
        "Kapoor Bhat",
    ),
    "en_au": (
        "Jack Charlotte Oliver Olivia William Mia Noah Ruby Lachlan Chloe Cooper Isla "
        "Liam Zoe Ethan Matilda",
        "Smith Jones Williams Brown Wilson Taylor Johnson White Martin Anderson Thompson "
        "Nguyen Ryan Kelly Walsh O'Brien Campbell Stewart",
    ),
    "pt_br": (
        "Gabriel Ana Lucas Beatriz Matheus Júlia Rafael Mariana Pedro Larissa Gustavo "
        "Camila Felipe Fernanda Bruno Carolina Thiago Isabela",
        "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa "
        "Ribeiro Martins Carvalho Almeida Lopes Araújo Barbosa Rocha Cardoso",
    ),
    "es_latam": (
        "Santiago Valentina Mateo Camila Sebastián Isabella Nicolás Sofía Diego Mariana "
        "Andrés Daniela Gabriela Felipe Paula Emiliano Renata Joaquín",
        "Hernández García Martínez López González Rodríguez Pérez Sánchez Ramírez Torres "
        "Flores Rivera Gómez Díaz Vargas Castillo Morales Reyes Jiménez Ruiz",
    ),
}
NAMES = {key: (_words(first), _words(last)) for key, (first, last) in NAMES.items()}

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

STEMS_A = _words(
    "North Blue Silver Harbor Summit Pioneer Evergreen Granite Crescent Maple Cedar Atlas "
    "Beacon Clear Bright Iron Golden Red Oak Pine River Lake Stone Falcon Eagle Hawk "
    "Sterling Union Liberty Meridian Vista Nova Alpine Coastal Prairie Highland Sun Star "
    "Willow Aspen"
)
STEMS_B = _words(
    "wind peak field ridge point gate bridge brook haven crest wood view line way port mark "
    "light core"
)
INDUSTRY_WORDS = {
    "banking": ("Bank", "Financial", "Savings Bank", "Capital", "Trust"),
    "insurance": ("Insurance", "Mutual", "Assurance", "Life"),
    "healthcare": ("Health", "Medical", "Clinics", "Care"),
    "retail": ("Retail", "Stores", "Market", "Outfitters", "Home"),
    "manufacturing": ("Industries", "Manufacturing", "Machinery", "Components", "Materials"),
    "software": ("Software", "Labs", "Systems", "Technologies", "Cloud"),
    "telecom": ("Telecom", "Networks", "Mobile", "Communications"),
    "public_sector": ("Agency", "Public Services", "Transit Authority", "Water Board"),
    "energy": ("Energy", "Power", "Utilities", "Renewables"),
    "logistics": ("Logistics", "Freight", "Shipping", "Transport"),
    "media": ("Media", "Studios", "Broadcasting", "Publishing"),
    "education": ("University", "College", "Academy", "Institute"),
}
GENERIC_WORDS = ("Group", "Holdings", "Partners", "Company")
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
PROPOSED_TIMES = (
    "Tuesday or Thursday afternoon works best.",
    "Any morning next week, my time.",
    "After 3 pm on weekdays; not Fridays.",
)
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
UNSCHEDULED = {"quote", "peer_review", "social_post", "referral", "case_study"}
OPEN_STAGES = ("Discovery", "Evaluation", "Proposal", "Negotiation")
STAGE_GROUP_OF = {"Discovery": "early", "Evaluation": "middle", "Proposal": "late"}
# CRM deals that never asked for a reference, per deal that did (the win-rate baseline).
DEALS_WITHOUT_REQUESTS = 3
DEAL_CURRENCIES = {"USD": 70, "EUR": 20, "GBP": 10}
DECLINES = {
    "too_busy": "Quarter-end close, sorry: try me again next month.",
    "timing": "I am out of the office during those weeks.",
    "not_a_fit": "We don't use that part of the product.",
    "topic": "I can't speak about our security set-up in public.",
    "other": "Our legal team has to approve external conversations first.",
}
FEEDBACK = (
    "Good conversation; they asked mostly about the migration effort.",
    "Happy to help again.",
    "The prospect was well prepared, thanks for the briefing.",
    "Went well. Please send the agenda a bit earlier next time.",
    None,
)
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
ACCOUNT_NOTES = (
    "Renewal due next quarter; the executive sponsor supports reference work.",
    "Expanded to two more products this year.",
    "Prefers requests bundled: at most one ask a month across the account.",
    "Legal must approve any public use of the logo.",
    None,
    None,
    None,
)
TOUCHPOINTS = {
    "call": "Quarterly check-in call: {first} is happy with {product} and open to more calls.",
    "email": "Sent the program newsletter and the new benefits catalog.",
    "meeting": "Met at the user group; talked about a joint webinar later this year.",
    "event": "Attended the Customer Summit as our guest.",
    "gift": "Sent a program gift box.",
    "note": "Prefers to be asked by e-mail, never at month end.",
}
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
# The catalog. Days are counted from today; `share` is the part of active advocates who claim,
# `capacity` the places per expected claim (None: unlimited).
BENEFITS = (
    {
        "kind": "speaking_slot",
        "title": "Speak at Customer Summit 2026",
        "description": "Share your story on the main stage or in a breakout. Travel and hotel "
        "are covered.",
        "event_in": 75,
        "location": "Berlin, Germany",
        "capacity": 0.7,
        "cost": 0,
        "deadline_in": 45,
        "approval": True,
        "status": "open",
        "share": 0.02,
    },
    {
        "kind": "user_group",
        "title": "North America user group: Chicago",
        "description": "An afternoon of customer talks and roadmap news, then dinner.",
        "event_in": 30,
        "location": "Chicago, IL",
        "capacity": 0.9,
        "cost": 0,
        "deadline_in": 25,
        "approval": False,
        "status": "open",
        "share": 0.05,
    },
    {
        "kind": "user_group",
        "title": "EMEA user group: Amsterdam",
        "description": "Customer talks, a product workshop and drinks by the canal.",
        "event_in": 52,
        "location": "Amsterdam, Netherlands",
        "capacity": 0.9,
        "cost": 0,
        "deadline_in": 45,
        "approval": False,
        "status": "open",
        "share": 0.04,
    },
    {
        "kind": "advisory_board",
        "title": "Product advisory board 2026",
        "description": "Three sessions a year with our product leaders to shape the roadmap.",
        "event_in": None,
        "location": "Online",
        "capacity": 0.6,
        "cost": 0,
        "deadline_in": 60,
        "approval": True,
        "status": "open",
        "share": 0.02,
    },
    {
        "kind": "early_access",
        "title": "Early access: Analytics assistant",
        "description": "Try the new assistant in your own environment before general availability.",
        "event_in": None,
        "location": None,
        "capacity": None,
        "cost": 100,
        "deadline_in": None,
        "approval": False,
        "status": "open",
        "share": 0.04,
    },
    {
        "kind": "conference_pass",
        "title": "Full pass to the Data Leaders Forum",
        "description": "A three-day pass to the industry's data conference, with our team as "
        "hosts.",
        "event_in": 110,
        "location": "London, UK",
        "capacity": 0.8,
        "cost": 400,
        "deadline_in": 80,
        "approval": True,
        "status": "open",
        "share": 0.01,
    },
    {
        "kind": "training",
        "title": "Certified administrator training",
        "description": "A two-day course, exam included.",
        "event_in": 40,
        "location": "Online",
        "capacity": 0.9,
        "cost": 250,
        "deadline_in": 30,
        "approval": False,
        "status": "open",
        "share": 0.02,
    },
    {
        "kind": "charity_donation",
        "title": "USD 100 to a charity of your choice",
        "description": "We donate in your name and send you the receipt.",
        "event_in": None,
        "location": None,
        "capacity": None,
        "cost": 150,
        "deadline_in": None,
        "approval": False,
        "status": "open",
        "share": 0.02,
    },
    {
        "kind": "other",
        "title": "Program gift box",
        "description": "A hoodie, a notebook and coffee from our home town.",
        "event_in": None,
        "location": None,
        "capacity": None,
        "cost": 80,
        "deadline_in": None,
        "approval": False,
        "status": "open",
        "share": 0.03,
    },
    {
        "kind": "speaking_slot",
        "title": "Customer Summit 2025 speaker",
        "description": "Speaker slots at last year's summit.",
        "event_in": -160,
        "location": "Chicago, IL",
        "capacity": 0.8,
        "cost": 0,
        "deadline_in": -190,
        "approval": True,
        "status": "closed",
        "share": 0.015,
    },
    {
        "kind": "user_group",
        "title": "APAC user group: Singapore 2025",
        "description": "Last year's APAC user group.",
        "event_in": -95,
        "location": "Singapore",
        "capacity": 1.0,
        "cost": 0,
        "deadline_in": -110,
        "approval": False,
        "status": "closed",
        "share": 0.03,
    },
)
CLAIM_DETAILS = {
    "conference_pass": {"dietary": "vegetarian"},
    "charity_donation": {"charity": "Doctors Without Borders"},
    "other": {"size": "M"},
    "user_group": {"guests": 0},
}

INSERT_ORDER = (
    User,
    Account,
    Advocate,
    Blackout,
    Opportunity,
    ReferenceRequest,
    RequestComment,
    Ask,
    Benefit,
    Claim,
    LedgerEntry,
    Touchpoint,
    ContentAsset,
    ContentUse,
    Target,
    AuditEvent,
)


def _setting_or_none(key: str):
    """A program setting that may not exist (yet): None, as an unset limit."""
    try:
        return get_setting(key)
    except KeyError:
        return None


def demo_emails() -> list[str]:
    return [email for _, email, *_ in DEMO_LOGINS]


def demo_present() -> bool:
    """Whether any printed demo login already exists."""
    query = sa.select(sa.func.count()).select_from(User).where(User.email.in_(demo_emails()))
    return bool(db.session.scalar(query))


def delete_program_data() -> None:
    """Delete every row but the taxonomy and the migration version, children first."""
    for table in reversed(db.metadata.sorted_tables):
        if table.name not in KEEP_ON_RESET:
            db.session.execute(table.delete())


def seed_demo(
    advocates: int = DEFAULT_ADVOCATES, *, reset: bool = False, show_progress: bool = False
) -> dict[str, int] | None:
    """Write the demo program (not committed); None when the demo users are already there."""
    if not 1 <= advocates <= MAX_ADVOCATES:
        raise ValueError(f"advocates must be between 1 and {MAX_ADVOCATES}")
    if reset:
        delete_program_data()
    elif demo_present():
        return None
    builder = _Builder(advocates)
    builder.build()
    builder.write(show_progress)
    # The demo advocates' consent, on record as acceptances of the terms version.
    backfill_acceptances()
    # Bulk inserts skip the session hook that keeps matching's eligibility rows current.
    rebuild_eligibility()
    # ...and the hooks that keep the library's search text and the reports' request facts.
    from portal.content.assets import rebuild_index
    from portal.reports.facts import rebuild_request_facts

    rebuild_index()
    rebuild_request_facts()
    from portal.recruiting.service import seed_demo_recruiting

    seed_demo_recruiting()
    from portal.nominations.demo import seed_demo_nominations

    seed_demo_nominations()  # other teams' nominations, an objection, self-nominations
    from portal.recognition.demo import seed_demo_recognition

    seed_demo_recognition()  # the leaderboard on, last month's executive summary written
    from portal.notifications.inapp import seed_demo_notifications

    seed_demo_notifications()
    from portal.work.sharing import seed_demo_work

    seed_demo_work()  # one activity serving two teams' requests
    from portal.planning.demo import seed_demo_planning

    seed_demo_planning()  # a launch this quarter and the needs four teams planned
    from portal.thanks.demo import seed_demo_thanks

    seed_demo_thanks()  # outcome sharing on, a thank-you, a won deal's advocates told
    return builder.counts()


def _ascii(text: str) -> str:
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain).replace(umlaut.upper(), plain.capitalize())
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _local_part(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _ascii(text).lower())


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _ascii(text).lower()).strip("-")


def _quarter_end(day: dt.date, later: int) -> dt.date:
    """The last day of the quarter `later` quarters after the one holding `day`."""
    month = ((day.month - 1) // 3 + 1 + later) * 3 + 1  # first month of the quarter after
    year = day.year + (month - 1) // 12
    return dt.date(year, (month - 1) % 12 + 1, 1) - dt.timedelta(days=1)


class _Advocate:
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


class _Builder:
    def __init__(self, advocates: int) -> None:
        # bandit B311: repeatable demo data, not a secret
        self.rng = random.Random(SEED)  # nosec B311
        self.now = now_utc().replace(microsecond=0)
        self.today = self.now.date()
        self.n = advocates
        self.rows: dict[type, list[dict]] = {model: [] for model in INSERT_ORDER}
        self.next_id = {
            model: (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1
            for model in INSERT_ORDER
        }
        self.labels = taxonomy_labels()
        self.industries = self._terms("industry", required=True)
        self.products = self._terms("product", required=True)
        self.use_cases = self._terms("use_case")
        self.languages = self._terms("language")
        self.points_by_activity = get_setting("points_by_activity")
        self.respond_days = max(1, int(get_setting("respond_within_days")))
        self.lead_times = lead_times()
        self.short_notice = 0  # requests filed inside their activity's lead time, so far
        self.default_limits = (
            get_setting("default_max_per_month"),
            get_setting("default_max_per_quarter"),
            get_setting("default_max_per_year"),
            get_setting("default_min_days_between"),
        )
        self.terms_version = get_setting("terms_version")
        # Live asks per account and calendar month / quarter (program rule 1 for accounts).
        self.account_caps = (
            _setting_or_none("account_max_per_month"),
            _setting_or_none("account_max_per_quarter"),
        )
        self.account_live: dict[int, list[dt.datetime]] = {}
        self.win_draws: dict[int, float] = {}  # closed opportunities: request id -> draw

    # -- helpers -------------------------------------------------------------------------

    def _terms(self, kind: str, required: bool = False) -> dict[str, str]:
        """The active taxonomy values of one kind, sorted, with their labels."""
        values = sorted(taxonomy_values(kind))
        if required and not values:
            raise click.ClickException(
                f"The taxonomy has no active {label(kind).lower()} terms: add some first."
            )
        return {value: self.labels.get((kind, value), label(value)) for value in values}

    def _id(self, model) -> int:
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def _pick(self, weights: dict):
        return self.rng.choices(tuple(weights), tuple(weights.values()))[0]

    def _ago(self, low_days: float, high_days: float) -> dt.datetime:
        seconds = self.rng.uniform(low_days, high_days) * 86400
        return self.now - dt.timedelta(seconds=int(seconds))

    def _between(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        if end <= start:
            return start
        return start + dt.timedelta(seconds=int(self.rng.uniform(0, (end - start).total_seconds())))

    def _sample(self, values, low: int, high: int) -> list:
        values = list(values)
        if not values:
            return []
        return self.rng.sample(values, min(len(values), self.rng.randint(low, high)))

    def _add(self, model, **row) -> dict:
        row.setdefault("id", self._id(model))
        self.rows[model].append(row)
        return row

    # -- the program -----------------------------------------------------------------------

    def build(self) -> None:
        self._users()
        self._accounts()
        self._advocates()
        self._demo_history()
        self._requests()
        self._adjustments()
        self._benefits_and_claims()
        self._touchpoints()
        self._content()
        self._targets()
        self._lead_times()
        self._deals()
        self.rows[AuditEvent].append(
            {
                "id": self._id(AuditEvent),
                "actor_id": self.admin_id,
                "action": "program.seeded",
                "entity": "program",
                "entity_id": None,
                "data": self.counts(),
                "at": self.now,
            }
        )

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

    def counts(self) -> dict[str, int]:
        return {
            model.__tablename__: len(self.rows[model])
            for model in INSERT_ORDER
            if model is not AuditEvent
        }

    def _users(self) -> None:
        holder = User(email="demo@demo.example")
        holder.set_password(PASSWORD)  # hashed once, shared by every demo user
        password_hash = holder.password_hash
        self.staff: dict[str, list[int]] = {}
        self.user_team: dict[int, str | None] = {}
        people = [
            (email, role, team, name, zone) for _, email, role, team, name, zone in DEMO_LOGINS
        ]
        for email, role, team, name, zone in people + list(EXTRA_STAFF):
            created = self._ago(400, 700)
            row = self._add(
                User,
                email=email,
                name=name,
                role=role,
                team=team,
                timezone=zone,
                password_hash=password_hash,
                active=True,
                last_sign_in_at=self._ago(0, 20) if role != "advocate" else self._ago(1, 30),
                created_at=created,
                updated_at=created,
            )
            self.staff.setdefault(role, []).append(row["id"])
            self.user_team[row["id"]] = team
            if email == "admin@demo.example":
                self.admin_id = row["id"]
            elif email == "manager@demo.example":
                self.manager_id = row["id"]
            elif email == "csm@demo.example":
                self.csm_id = row["id"]
            elif email == "sales@demo.example":
                self.sales_id = row["id"]
            elif email == "pr@demo.example":
                self.pr_id = row["id"]
            elif email == "advocate@demo.example":
                self.advocate_user = row
        self.events_id = next(uid for uid, team in self.user_team.items() if team == "events")
        self.other_sales_id = next(
            uid for uid, team in self.user_team.items() if team == "sales" and uid != self.sales_id
        )

    def _company(self, industry: str, country: str, taken: set[str]) -> tuple[str, str]:
        """A company name and a unique domain, from word lists."""
        words = INDUSTRY_WORDS.get(industry, GENERIC_WORDS)
        for attempt in range(60):
            base = f"{self.rng.choice(STEMS_A)}{self.rng.choice(STEMS_B)} {self.rng.choice(words)}"
            if attempt >= 30:  # the word lists are running out (very large seeds)
                base = f"{base} {self.rng.randint(2, 999)}"
            domain = f"{_slug(base)}.example"
            if domain not in taken:
                break
        else:
            base = f"{base} {len(taken)}"
            domain = f"{_slug(base)}.example"
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
        self.advocates: list[_Advocate] = []
        self.demo = self._advocate(self.accounts[0], used, demo=True)
        for index in homes:
            self._advocate(self.accounts[index], used)

    def _advocate(self, account: dict, used: dict, demo: bool = False) -> _Advocate:
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
        local = f"{_local_part(first)}.{_local_part(last)}"
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
        advocate = _Advocate()
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

    # -- requests and asks -------------------------------------------------------------------

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

    def _ask(
        self,
        request: dict,
        advocate: _Advocate,
        asked: dt.datetime,
        outcome: str,
        scheduled: dt.datetime | None = None,
    ) -> dict:
        """Add an ask with timestamps consistent with its status."""
        rng = self.rng
        respond_by = asked + dt.timedelta(days=self.respond_days)
        answer_until = min(respond_by, self.now)
        responded = None
        if outcome in ("accepted", "completed", "declined"):
            earliest = asked + min(dt.timedelta(minutes=20), (answer_until - asked) / 2)
            responded = self._between(earliest, answer_until)
        latest_done = self.now - dt.timedelta(hours=2)
        if outcome == "completed" and responded + dt.timedelta(hours=2) >= latest_done:
            outcome = "accepted"  # too recent to have taken place
        row = self._add(
            Ask,
            request_id=request["id"],
            advocate_id=advocate.id,
            placed_by_id=request["manager_id"] or self.manager_id,
            status=outcome,
            asked_at=asked,
            respond_by=respond_by,
            responded_at=responded,
            decline_reason=None,
            note=None,
            scheduled_at=None,
            completed_at=None,
            requester_rating=None,
            advocate_feedback=None,
            proposed_times=None,
            created_at=asked,
            updated_at=responded or asked,
        )
        timed = request["activity_type"] not in UNSCHEDULED
        if outcome in ("accepted", "completed") and timed and rng.random() < 0.5:
            row["proposed_times"] = rng.choice(PROPOSED_TIMES)
        if outcome == "accepted" and timed:
            row["scheduled_at"] = scheduled or (
                responded + dt.timedelta(days=rng.randint(1, 14), hours=rng.randint(1, 8))
            ).replace(minute=0, second=0)
        elif outcome == "completed":
            done_after = responded
            if timed:
                done_after = self._between(
                    responded + dt.timedelta(hours=1),
                    min(responded + dt.timedelta(days=14), latest_done - dt.timedelta(hours=1)),
                ).replace(minute=0, second=0)
                row["scheduled_at"] = done_after
            row["completed_at"] = self._between(
                done_after + dt.timedelta(minutes=30),
                min(latest_done, done_after + dt.timedelta(days=3)),
            )
            row["updated_at"] = row["completed_at"]
            row["requester_rating"] = self._pick({5: 45, 4: 35, 3: 12, 2: 5, 1: 3})
            row["advocate_feedback"] = rng.choice(FEEDBACK)
            points = int(self.points_by_activity.get(request["activity_type"], 0))
            if points:
                self._add(
                    LedgerEntry,
                    advocate_id=advocate.id,
                    delta=points,
                    reason="activity",
                    ask_id=row["id"],
                    claim_id=None,
                    memo=f"{label(request['activity_type'])} completed",
                    created_by_id=request["requester_id"],
                    created_at=row["completed_at"],
                )
                advocate.points.append((row["completed_at"], points))
            self.completed.append((advocate, row, request))
        elif outcome == "declined":
            reason = self._pick(
                {"too_busy": 40, "timing": 25, "not_a_fit": 15, "topic": 10, "other": 10}
            )
            row["decline_reason"] = reason
            row["note"] = DECLINES[reason] if rng.random() < 0.6 else None
        elif outcome == "expired":
            row["updated_at"] = respond_by
        elif outcome == "withdrawn":
            row["note"] = "The prospect chose to skip the reference stage."
            row["updated_at"] = self._between(asked, min(self.now, respond_by))
        if outcome in ("pending", "accepted", "completed"):
            advocate.book(asked)
            self.account_live.setdefault(advocate.account["id"], []).append(asked)
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
        pool: dict[tuple, list[_Advocate]] = {}
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

    def _account_fits(self, advocate: _Advocate, asked: dt.datetime) -> bool:
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

    def _outcome(self, asked: dt.datetime) -> str:
        if self.now - asked < dt.timedelta(days=self.respond_days):
            return self._pick({"pending": 60, "accepted": 25, "declined": 15})
        outcome = self._pick(
            {"completed": 50, "accepted": 12, "declined": 20, "expired": 10, "withdrawn": 8}
        )
        if outcome == "accepted" and self.now - asked > dt.timedelta(days=25):
            outcome = "completed"  # an old accepted ask has long taken place
        return outcome

    # -- the value exchange --------------------------------------------------------------------

    def _adjustments(self) -> None:
        for advocate in self.advocates:
            if advocate.consent_at is None or self.rng.random() > 0.05:
                continue
            at = self._between(advocate.consent_at, self.now)
            delta = self.rng.choice((25, 50, 100))
            self._add(
                LedgerEntry,
                advocate_id=advocate.id,
                delta=delta,
                reason="adjustment",
                ask_id=None,
                claim_id=None,
                memo=self.rng.choice(
                    (
                        "Welcome bonus",
                        "Thank you for the summit keynote",
                        "Goodwill for a rescheduled call",
                    )
                ),
                created_by_id=self.manager_id,
                created_at=at,
            )
            advocate.points.append((at, delta))

    def _benefits_and_claims(self) -> None:
        rng = self.rng
        active = [
            a
            for a in self.advocates
            if a.status == "active" and a.consent_at and a is not self.demo
        ]
        earners = [a for a in active if a.points]
        demo_claims = {  # Avery's own, in every state that moves points
            "North America user group: Chicago": "approved",
            "Speak at Customer Summit 2026": "requested",
            "Certified administrator training": "approved",
            "Program gift box": "cancelled",  # refunded
        }
        for spec in BENEFITS:
            status, cost, title = spec["status"], spec["cost"], spec["title"]
            wanted = max(2, round(spec["share"] * len(active)))
            capacity = (
                None if spec["capacity"] is None else max(2, round(wanted * spec["capacity"]))
            )
            if status == "open":
                opened, closes = self.now - dt.timedelta(days=90), self.now
            else:
                closes = self.now + dt.timedelta(days=spec["deadline_in"])
                opened = closes - dt.timedelta(days=90)
            event_in, deadline_in = spec["event_in"], spec["deadline_in"]
            benefit = self._add(
                Benefit,
                kind=spec["kind"],
                title=title,
                description=spec["description"],
                event_date=None if event_in is None else self.today + dt.timedelta(event_in),
                location=spec["location"],
                capacity=capacity,
                points_cost=cost,
                claim_deadline=None
                if deadline_in is None
                else self.today + dt.timedelta(deadline_in),
                requires_approval=spec["approval"],
                status=status,
                created_at=opened,
                updated_at=closes if status == "closed" else opened,
            )
            claimers: list[tuple[_Advocate, dt.datetime, str | None]] = []
            if title in demo_claims:
                # Early in the claim period, so Avery is first in line (and has the points).
                at = opened + dt.timedelta(days=rng.randint(2, 6), hours=rng.randint(0, 9))
                claimers.append((self.demo, at, demo_claims[title]))
            taken = {self.demo.id}
            candidates = earners if cost else active
            others = []
            for _ in range(wanted * 4):
                if len(others) >= wanted or not candidates:
                    break
                advocate = rng.choice(candidates)
                if advocate.id in taken:
                    continue
                at = self._between(max(opened, advocate.consent_at), closes)
                if cost and not advocate.balance_allows(at, cost):
                    continue
                taken.add(advocate.id)
                others.append((advocate, at, None))
                if cost:
                    advocate.points.append((at, -cost))
            self._claims(benefit, claimers + sorted(others, key=lambda c: c[1]))

    def _claims(self, benefit: dict, claimers: list) -> None:
        """Claims in the order they came in; never more holding a place (requested, approved,
        fulfilled) than the capacity, the rest waitlisted (declined once closed), as
        `claim_benefit` does. A waitlisted claim holds no points until it moves up."""
        rng = self.rng
        capacity = benefit["capacity"]
        closed = benefit["status"] == "closed"
        held = 0
        for advocate, at, forced in claimers:
            if forced:
                status = forced
            elif closed:
                status = self._pick({"fulfilled": 80, "cancelled": 10, "declined": 10})
            elif benefit["requires_approval"]:
                status = self._pick(
                    {"requested": 45, "approved": 35, "declined": 12, "cancelled": 8}
                )
            else:
                status = self._pick({"approved": 90, "cancelled": 10})
            if status in ("requested", "approved", "fulfilled"):
                if capacity is not None and held >= capacity:
                    status = "declined" if closed else "waitlisted"
                else:
                    held += 1
            undated = benefit["event_date"] is None
            if status == "approved" and undated and self.now - at > dt.timedelta(days=14):
                status = "fulfilled"  # delivered: early access granted, donation made
            decided = decider = None
            if status in ("approved", "waitlisted", "declined", "fulfilled"):
                automatic = not benefit["requires_approval"] and status != "declined"
                if automatic:
                    decided = at
                else:
                    decided = self._between(at, min(self.now, at + dt.timedelta(days=3)))
                    decider = rng.choice(self.staff["manager"])
            changed = decided or (self._between(at, self.now) if status == "cancelled" else at)
            claim = self._add(
                Claim,
                benefit_id=benefit["id"],
                advocate_id=advocate.id,
                status=status,
                details=dict(CLAIM_DETAILS.get(benefit["kind"], {})),
                decided_at=decided,
                decided_by_id=decider,
                created_at=at,
                updated_at=changed,
            )
            cost = benefit["points_cost"]
            if not cost or status == "waitlisted":
                continue
            self._add(
                LedgerEntry,
                advocate_id=advocate.id,
                delta=-cost,
                reason="claim",
                ask_id=None,
                claim_id=claim["id"],
                memo=benefit["title"],
                created_by_id=None,
                created_at=at,
            )
            if status in ("declined", "cancelled"):
                self._add(
                    LedgerEntry,
                    advocate_id=advocate.id,
                    delta=cost,
                    reason="refund",
                    ask_id=None,
                    claim_id=claim["id"],
                    memo=benefit["title"],
                    created_by_id=decider,
                    created_at=changed,
                )

    # -- nurturing, content, targets ------------------------------------------------------------

    def _touchpoints(self) -> None:
        rng = self.rng
        kinds = {"call": 30, "email": 30, "meeting": 15, "event": 10, "gift": 5, "note": 10}
        for advocate in self.advocates:
            account = advocate.account
            author = account["csm_id"] or self.manager_id
            if advocate.status == "invited":
                self._add(
                    Touchpoint,
                    advocate_id=advocate.id,
                    kind="email",
                    occurred_at=self._between(advocate.created_at, self.now),
                    summary="Sent the program invitation.",
                    follow_up_on=self.today + dt.timedelta(days=rng.randint(3, 10)),
                    created_by_id=author,
                )
                continue
            if advocate.status in ("nominated", "declined"):
                continue
            first = advocate.name.split(" ")[0]
            for _ in range(self._pick({0: 35, 1: 35, 2: 20, 3: 10})):
                kind = self._pick(kinds)
                self._add(
                    Touchpoint,
                    advocate_id=advocate.id,
                    kind=kind,
                    occurred_at=self._between(advocate.created_at, self.now),
                    summary=TOUCHPOINTS[kind].format(
                        first=first, product=self.products[advocate.products[0]]
                    ),
                    follow_up_on=self.today + dt.timedelta(days=rng.randint(3, 45))
                    if rng.random() < 0.15
                    else None,
                    created_by_id=author if kind != "event" else self.manager_id,
                )
        for advocate, ask, request in self.completed:
            if rng.random() < 0.5:
                continue
            self._add(
                Touchpoint,
                advocate_id=advocate.id,
                kind="thank_you",
                occurred_at=min(
                    self.now, ask["completed_at"] + dt.timedelta(hours=rng.randint(2, 48))
                ),
                summary=f"Thank-you note for the {label(request['activity_type']).lower()}.",
                follow_up_on=None,
                created_by_id=self.manager_id,
            )

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
                url=f"https://www.example.com/customers/{_slug(title)[:80]}",
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

    def _targets(self) -> None:
        industries = list(self.industries)
        products = list(self.products)
        specs = [
            {"industry": industries[0], "region": "emea", "activity_type": "reference_call"},
            {"product": products[min(1, len(products) - 1)], "region": "apac"},
            {"segment": "enterprise", "activity_type": "case_study"},
            {"region": "latam"},
            {"industry": industries[min(2, len(industries) - 1)], "region": "na"},
            {"activity_type": "analyst_briefing"},
        ]
        quarter_ends = (_quarter_end(self.today, 0), _quarter_end(self.today, 1))
        for number, spec in enumerate(specs):
            matching = sum(1 for advocate in self.advocates if self._matches(advocate, spec))
            if number == len(specs) - 1:
                count = max(1, matching - 1)  # one target already met
            else:
                count = matching + max(2, math.ceil(matching * 0.25))
            due = quarter_ends[number % 2]
            created = self._ago(20, 120)
            self._add(
                Target,
                industry=spec.get("industry"),
                product=spec.get("product"),
                region=spec.get("region"),
                segment=spec.get("segment"),
                activity_type=spec.get("activity_type"),
                target_count=count,
                due_on=due,
                created_by_id=self.manager_id,
                created_at=created,
                updated_at=created,
            )

    @staticmethod
    def _matches(advocate: _Advocate, spec: dict) -> bool:
        account = advocate.account
        return (
            advocate.status == "active"
            and account["status"] == "active"
            and spec.get("industry", account["industry"]) == account["industry"]
            and spec.get("region", account["region"]) == account["region"]
            and spec.get("segment", account["segment"]) == account["segment"]
            and (spec.get("product") is None or spec["product"] in advocate.products)
            and (spec.get("activity_type") is None or spec["activity_type"] in advocate.types)
        )

    # -- writing ---------------------------------------------------------------------------

    def write(self, show_progress: bool) -> None:
        total = sum(len(rows) for rows in self.rows.values())
        if show_progress:
            with click.progressbar(length=total, label="Writing demo data") as bar:
                self._insert(bar.update)
        else:
            self._insert(lambda _: None)
        if db.session.get_bind().dialect.name == "postgresql":
            # Ids were given explicitly: move each sequence past them for later inserts.
            for model in INSERT_ORDER:
                table = model.__tablename__
                db.session.execute(
                    sa.text(
                        # bandit B608: table names from our metadata
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608  # nosec
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                    )
                )

    def _insert(self, advance) -> None:
        for model in INSERT_ORDER:
            rows = self.rows[model]
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                # Core, not ORM, inserts: the ORM drops None values and splits the batch.
                db.session.execute(model.__table__.insert(), batch)
                advance(len(batch))


def _advocates_option(ctx, param, value: int) -> int:
    if value < 1:
        raise click.BadParameter(f"give at least 1 advocate (the default is {DEFAULT_ADVOCATES}).")
    if value > MAX_ADVOCATES:
        raise click.BadParameter(f"give at most {MAX_ADVOCATES:,} advocates.")
    return value


def _echo_logins() -> None:
    click.echo("")
    click.echo(f"Open {current_app.config['BASE_URL']} and sign in as:")
    width = max(len(role) for role, *_ in DEMO_LOGINS)
    email_width = max(len(email) for _, email, *_ in DEMO_LOGINS)
    for role, email, *_ in DEMO_LOGINS:
        click.echo(f"  {role:<{width}}  {email:<{email_width}}  {PASSWORD}")
    click.echo(f"Every demo login uses the password {PASSWORD}")


@click.command("seed-demo")
@click.option(
    "--advocates",
    type=int,
    default=DEFAULT_ADVOCATES,
    show_default=True,
    callback=_advocates_option,
    help="How many advocates to create (accounts: a quarter of it).",
)
@click.option(
    "--reset",
    is_flag=True,
    help="Delete all program data first (the taxonomy stays), then seed again.",
)
@with_appcontext
def seed_demo_command(advocates: int, reset: bool) -> None:
    """Fill the database with a believable demo program."""
    started = time.perf_counter()
    try:
        counts = seed_demo(advocates, reset=reset, show_progress=advocates >= PROGRESS_FROM)
        if counts is not None:
            db.session.commit()
            refresh_statistics()
            if reset:
                from portal.notifications.inbox import clear_console_mail

                # The old program's mail: its links lead nowhere now.
                cleared = clear_console_mail()
                if cleared:
                    plural = "s" if cleared != 1 else ""
                    click.echo(f"Cleared {cleared} e-mail{plural} of the old demo from the inbox.")
    except IntegrityError as error:
        db.session.rollback()
        raise click.ClickException(
            "The database holds data that clashes with the demo data "
            f"({error.orig}). Nothing was written; use --reset to start over."
        ) from None
    except BaseException:
        db.session.rollback()
        raise
    if counts is None:
        click.echo(
            "Demo data is already present: nothing was written "
            "(use --reset to delete all program data and seed again)."
        )
        _echo_logins()
        return
    seconds = time.perf_counter() - started
    click.echo(
        f"Seeded the demo program in {seconds:.1f} s: {counts['advocates']:,} advocates at "
        f"{counts['accounts']:,} accounts, {counts['reference_requests']:,} requests, "
        f"{counts['opportunities']:,} opportunities, {counts['asks']:,} asks, "
        f"{counts['benefits']:,} benefits, {counts['claims']:,} claims, "
        f"{counts['ledger_entries']:,} ledger entries, {counts['touchpoints']:,} touchpoints, "
        f"{counts['content_assets']:,} content assets, {counts['targets']:,} targets."
    )
    _echo_logins()
