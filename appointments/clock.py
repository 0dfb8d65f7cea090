"""Decision 8: UTC in the database, wall-clock times in the branch's zone for people."""

import datetime
import zoneinfo

from django.utils import timezone

from clinic.models import Branch

UTC = datetime.UTC


def branch_today(branch: Branch) -> datetime.date:
    return timezone.localdate(timezone=branch.zone)


def local_instant(
    zone: zoneinfo.ZoneInfo, day: datetime.date, wall: datetime.time
) -> datetime.datetime | None:
    """The UTC instant of a wall-clock time on a day in `zone`; None when that time does not exist
    there (the hour skipped when clocks go forward). In the repeated hour the first one is taken."""
    local = datetime.datetime.combine(day, wall, tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


def to_local(branch: Branch, instant: datetime.datetime) -> datetime.datetime:
    return instant.astimezone(branch.zone)


def day_bounds(
    zone: zoneinfo.ZoneInfo, first: datetime.date, days: int = 1
) -> tuple[datetime.datetime, datetime.datetime]:
    """The UTC instants of local midnight on `first` and `days` days later."""
    start = datetime.datetime.combine(first, datetime.time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.datetime.combine(first + datetime.timedelta(days=days), datetime.time(0), tzinfo=zone)
    return start, end.astimezone(UTC)
