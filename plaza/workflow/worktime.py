"""Working time (工作日) in China: public holidays and the weekend days worked in their place
(调休), from the ``chinesecalendar`` library (the State Council's yearly schedule), with local
overrides (a city's own day off, a schedule published after the library's release).

A deadline of N working days is the end of the N-th working day after the day the clock
started, in Beijing time (自受理之日起 N 个工作日内: the starting day itself does not count), so a
case accepted on the Friday before National Day is due at the end of the N-th working day after
the holiday. Hours are clock hours: an urgent limit does not wait for Monday.

For a year the library has no schedule for yet, weekdays are working days and weekends are not
(a warning is logged once per year); local overrides fill the gap once the schedule is out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone

import chinese_calendar

from plaza.clock import as_utc
from plaza.workflow.declaration import Limit

log = logging.getLogger("plaza.workflow")

#: Beijing time, where every working day begins and ends.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
#: Working days looked ahead at most (a year of them: no limit is longer).
_HORIZON = 400


def in_utc(value: datetime) -> datetime:
    """Any aware time, or a naive one read back from SQLite, in UTC (what is stored)."""
    return as_utc(value).astimezone(UTC)


class WorkCalendar:
    """Which days are working days; ``overrides`` maps a date to True (a working day) or False
    (a day off), and wins over the national schedule."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides = dict(overrides or {})
        self._warned: set[int] = set()

    def is_working_day(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if day.year not in self._warned:
                self._warned.add(day.year)
                log.warning("no holiday schedule for %d yet: counting Monday to Friday as working "
                            "days (add the year's holidays as local overrides)", day.year)
            return day.weekday() < 5

    def due(self, start: datetime, limit: Limit) -> datetime:
        """When a limit that started at ``start`` runs out (in UTC)."""
        start = as_utc(start).astimezone(UTC)
        if limit.hours:
            return start + timedelta(hours=limit.hours)
        day = start.astimezone(BEIJING).date()
        counted = 0
        for _ in range(_HORIZON):
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
                if counted == limit.working_days:
                    end = datetime.combine(day + timedelta(days=1), time(0), BEIJING)
                    return end.astimezone(UTC)
        raise ValueError(f"no {limit.working_days} working days within {_HORIZON} days")

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days after ``start``'s day up to and including ``end``'s (how late, in the
        unit deadlines are set in)."""
        first = as_utc(start).astimezone(BEIJING).date()
        last = as_utc(end).astimezone(BEIJING).date()
        count, day = 0, first
        while day < last:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def working_hours(self, start: datetime, end: datetime) -> float:
        """Hours between ``start`` and ``end`` that fall on working days (Beijing dates; a working
        day counts all its 24 hours, a weekend or a holiday none) — how long a department took,
        in the unit the desk's metrics compare."""
        start, end = as_utc(start).astimezone(BEIJING), as_utc(end).astimezone(BEIJING)
        if end <= start:
            return 0.0
        total, cursor = 0.0, start
        for _ in range(_HORIZON * 4):
            midnight = datetime.combine(cursor.date() + timedelta(days=1), time(0), BEIJING)
            stop = min(midnight, end)
            if self.is_working_day(cursor.date()):
                total += (stop - cursor).total_seconds() / 3600
            if stop >= end:
                return total
            cursor = stop
        return total


#: The national schedule with no local overrides.
NATIONAL = WorkCalendar()
