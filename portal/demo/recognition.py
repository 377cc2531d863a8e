"""Demo data for recognition: the leaderboard switched on for all staff, and last month's
executive summary in the outbox (the demo inbox shows it)."""

from __future__ import annotations

from portal.program.service import set_setting
from portal.recognition.service import LEADERBOARD_SETTING
from portal.recognition.summary import send_executive_summaries


def seed_demo_recognition() -> int:
    """Called by seed-demo after the program's people, advocates and asks exist; returns how
    many summaries it wrote."""
    set_setting(None, LEADERBOARD_SETTING, True)
    return send_executive_summaries()
