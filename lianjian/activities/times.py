"""Local time of activities: the zone every period, month and day is read in (Asia/Shanghai),\nand the instants where local days and years begin."""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings

TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_start(day: datetime.date) -> datetime.datetime:
    """The aware instant a local day begins."""
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=TZ)


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    return local_start(datetime.date(year, 1, 1)), local_start(datetime.date(year + 1, 1, 1))
