"""Shop-local calendar arithmetic: midnights, weeks, months and years in the shop's zone.

Wall-clock arithmetic on zone-aware datetimes (``zoneinfo``): "one day later" is the same
local time on the next day, 23 or 25 hours away across a daylight-saving change.
Instants written into postings are UTC with a fixed format, so they sort as text.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def next_midnight(now: datetime, zone: ZoneInfo) -> datetime:
    return local_midnight(now.astimezone(zone).date() + timedelta(days=1), zone)


def next_week(now: datetime, zone: ZoneInfo) -> datetime:
    """Monday 00:00 of the next week."""
    today = now.astimezone(zone).date()
    return local_midnight(today + timedelta(days=7 - today.weekday()), zone)


def next_month(now: datetime, zone: ZoneInfo) -> datetime:
    today = now.astimezone(zone).date()
    first = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    return local_midnight(first, zone)


def next_year(now: datetime, zone: ZoneInfo) -> datetime:
    return local_midnight(date(now.astimezone(zone).year + 1, 1, 1), zone)


def add_months(moment: datetime, months: int, zone: ZoneInfo) -> datetime:
    """The same local time ``months`` later; the 31st becomes the month's last day."""
    local = moment.astimezone(zone)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day, fold=0)


def add_days(moment: datetime, days: int, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    return (local + timedelta(days=days)).replace(fold=0)


def say_day(day: date, today: date | None = None) -> str:
    """'3 March', or '3 March 2025' when not in the current year."""
    text = f"{day.day} {MONTHS[day.month - 1]}"
    return text if today is not None and today.year == day.year else f"{text} {day.year}"
