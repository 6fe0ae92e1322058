"""Availability maths. A teacher's weekly windows are wall-clock times in their timezone; each
date's window is turned into a real (UTC) interval on that date, so a 09:00–12:00 window is
08:00–11:00 UTC in a London summer and 09:00–12:00 UTC in winter, and a window that spans a
clock change is as long as the hours that really pass. Exceptions and booked sessions are
then cut out, and slots are laid from each window's start."""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # aware, UTC
    ends_at: datetime

    def local(self, tz) -> tuple[datetime, datetime]:
        return self.starts_at.astimezone(tz), self.ends_at.astimezone(tz)


def _wall_to_utc(day: date, at, tz) -> datetime:
    """A wall-clock time on a date in `tz`, as UTC. A time in a spring-forward gap does not
    exist; zoneinfo reads it with the offset from before the change (fold=0), which lands it
    on the first real instant after the gap's start, as people expect."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def weekly_windows(*, rules, start: datetime, end: datetime) -> list[Interval]:
    """Real intervals (UTC) of the weekly `rules` that overlap [start, end)."""
    intervals: list[Interval] = []
    for rule in rules:
        tz = zoneinfo.ZoneInfo(rule.timezone)
        first = start.astimezone(tz).date() - timedelta(days=1)
        last = end.astimezone(tz).date() + timedelta(days=1)
        day = first
        while day <= last:
            if day.weekday() == rule.weekday:
                window = (_wall_to_utc(day, rule.start_time, tz), _wall_to_utc(day, rule.end_time, tz))
                if window[1] > window[0] and window[1] > start and window[0] < end:
                    intervals.append(window)
            day += timedelta(days=1)
    return merge(intervals)


def merge(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for s, e in sorted(intervals):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def subtract(intervals: list[Interval], holes: list[Interval]) -> list[Interval]:
    """`intervals` minus every hole (exceptions, booked sessions)."""
    result = []
    for s, e in intervals:
        pieces = [(s, e)]
        for hs, he in holes:
            next_pieces = []
            for ps, pe in pieces:
                if he <= ps or hs >= pe:
                    next_pieces.append((ps, pe))
                    continue
                if hs > ps:
                    next_pieces.append((ps, hs))
                if he < pe:
                    next_pieces.append((he, pe))
            pieces = next_pieces
        result.extend(pieces)
    return result


def overlaps(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def slots_in(windows: list[Interval], *, minutes: int, busy: list[Interval], not_before: datetime) -> list[Slot]:
    """Slots of `minutes` laid from each window's start; those that touch `busy` or start
    before `not_before` are left out."""
    length = timedelta(minutes=minutes)
    slots = []
    for s, e in windows:
        at = s
        while at + length <= e:
            candidate = (at, at + length)
            if at >= not_before and not any(overlaps(candidate, b) for b in busy):
                slots.append(Slot(*candidate))
            at += length
    return slots


def contains(windows: list[Interval], interval: Interval) -> bool:
    return any(s <= interval[0] and interval[1] <= e for s, e in windows)
