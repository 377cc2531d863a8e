"""Time zones by name (`portal.zones`): made once per process, UTC for an unset or unknown one."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from portal import zones


@pytest.mark.parametrize("name", [None, "", "Mars/Olympus_Mons", "../../etc/passwd", "UTC\x00"])
def test_an_unset_or_unknown_zone_is_utc(name):
    assert zones.zone(name) == ZoneInfo("UTC")


def test_a_zone_is_made_once_however_many_zones_come_between():
    first = zones.zone("Pacific/Auckland")
    # More zones than ZoneInfo's own cache keeps: it would read the file again.
    for name in (
        "Europe/Paris",
        "Asia/Tokyo",
        "America/New_York",
        "Africa/Lagos",
        "Europe/Berlin",
        "Asia/Kolkata",
        "America/Sao_Paulo",
        "Australia/Sydney",
        "Europe/Madrid",
        "America/Chicago",
    ):
        zones.zone(name)
    assert zones.zone("Pacific/Auckland") is first
    noon = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)
    assert noon.astimezone(first).hour == 1  # 01:00 on the 8th, New Zealand summer time
