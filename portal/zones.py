"""Time zones by name, read once per process.

`ZoneInfo` keeps only the last few zones it made; a program's advocates live in many, so
matching, the eligibility refresh and the pages would read the zone files again and again.
"""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = ZoneInfo("UTC")


@functools.lru_cache(maxsize=1024)
def zone(name: str | None) -> ZoneInfo:
    """The zone named `name`; UTC when it is unset or unknown."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
