"""Working days on the Dutch calendar, and the close of a reporting period.

Why here: an internal control's due date is "N working days before/after the period's close",
and the handbook means Dutch working days: weekends, the public holidays of the Netherlands (the
`holidays` package, maintained, with Easter, Ascension and Pentecost computed per year) and the
organisation's own closing days, which the policy lists. Both collectors-free checks and the docs
rely on one reading, so it lives in the model. Dates are calendar dates in Europe/Amsterdam:
an execution at 23:30 UTC on 31 August is 1 September for the Dutch administration.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays

ZONE = ZoneInfo("Europe/Amsterdam")


class WorkCalendar:
    """Dutch public holidays plus the organisation's closing days; weekends are never worked.

    `open_days`: public holidays the organisation works on (Good Friday is a holiday in the
    package, as in the Algemene termijnenwet, but a working day in many offices).
    """

    def __init__(self, closing_days: Iterable[date] = (), open_days: Iterable[date] = ()):
        self.closing_days = frozenset(closing_days)
        self.open_days = frozenset(open_days)
        self._public = holidays.country_holidays("NL")
        self._why: dict[date, str | None] = {}  # a year of slots asks about the same days

    def holiday(self, day: date) -> str | None:
        """Why `day` is not a working day (None: it is one)."""
        if day not in self._why:
            self._why[day] = self._reason(day)
        return self._why[day]

    def _reason(self, day: date) -> str | None:
        if day.weekday() >= 5:
            return "weekend"
        if day in self.closing_days:
            return "closing day"
        name = self._public.get(day)
        return str(name) if name and day not in self.open_days else None

    def is_working_day(self, day: date) -> bool:
        return self.holiday(day) is None

    def last_working_day(self, year: int, month: int) -> date:
        """The period's close: its last working day."""
        day = date(year, month, calendar.monthrange(year, month)[1])
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def shift(self, day: date, working_days: int) -> date:
        """`working_days` working days after `day` (before it when negative); 0 is `day`."""
        step = 1 if working_days >= 0 else -1
        remaining = abs(working_days)
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


def local_date(when: datetime | date) -> date:
    """The Dutch calendar date of a moment (a date stays itself)."""
    if isinstance(when, datetime):
        return when.astimezone(ZONE).date()
    return when
