"""The demo's users: the printed logins, one per role, and more colleagues, so lists and
assignments look like a real team."""

from __future__ import annotations

from portal.demo.base import BaseBuilder
from portal.models import User

# bandit B105: the published demo password
PASSWORD = "demo-password-2026"  # noqa: S105  # nosec B105

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


def demo_emails() -> list[str]:
    return [email for _, email, *_ in DEMO_LOGINS]


class UsersBuilder(BaseBuilder):
    """Adds the users; keeps the staff by role and team, and the printed logins' ids."""

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
