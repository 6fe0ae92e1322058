"""Analytics: the nightly roll-up (writes the Daily*Stats and LessonFunnel tables) and the
reads behind the admin and instructor dashboards. Closed days come from the roll-up's small
tables; the open days (today, and yesterday until the 00:30 roll-up has finished it) are
computed when asked from that day's records only, so a sale shows at once and the dashboards
agree with the financial overview (the revenue is the ledger's, as there)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.module_loading import import_string

from coursepages.models import CourseInstructor, CoursePage
from coursepages.permissions import courses_staffed_by
from coursepages.structure import course_structures
from learners.models import DailyCourseStats, DailySiteStats, Enrollment, LessonFunnel, LessonProgress


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_default_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, start + timedelta(days=1)


def _revenue_for(day: date) -> dict[int, tuple[int, int]]:
    """{course id: (gross cents, VAT cents)} settled on `day`, from each source in
    settings.ANALYTICS_REVENUE_SOURCES (the payments app provides one)."""
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for path in getattr(settings, "ANALYTICS_REVENUE_SOURCES", []):
        for course_id, (gross, vat) in import_string(path)(day=day).items():
            totals[course_id][0] += gross
            totals[course_id][1] += vat
    return {course_id: (gross, vat) for course_id, (gross, vat) in totals.items()}


COURSE_NUMBERS = ("enrollments", "completions", "active_learners", "revenue_cents", "vat_cents")
SITE_NUMBERS = ("new_users", "active_learners", "enrollments", "completions", "revenue_cents", "vat_cents")


def day_numbers(*, day: date) -> tuple[dict[int | None, dict[str, int]], dict[str, int]]:
    """One day's numbers computed from the learning records and the revenue sources, written
    nowhere: ({course id: numbers}, site numbers). Revenue without a course (key None) counts
    for the site only. About seven queries over that day's rows, whatever the site's size."""
    start, end = _day_bounds(day)
    per_course: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in (
        Enrollment.objects.filter(enrolled_at__gte=start, enrolled_at__lt=end)
        .values("course_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        per_course[row["course_id"]]["enrollments"] = row["n"]
    for row in (
        Enrollment.objects.filter(completed_at__gte=start, completed_at__lt=end)
        .values("course_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        per_course[row["course_id"]]["completions"] = row["n"]
    active = LessonProgress.objects.filter(last_accessed_at__gte=start, last_accessed_at__lt=end)
    for row in (
        active.values("enrollment__course_id").annotate(n=Count("enrollment__user_id", distinct=True)).order_by()
    ):
        per_course[row["enrollment__course_id"]]["active_learners"] = row["n"]
    for course_id, (gross, vat) in _revenue_for(day).items():
        per_course[course_id]["revenue_cents"] = gross
        per_course[course_id]["vat_cents"] = vat
    site = {
        "new_users": get_user_model().objects.filter(date_joined__gte=start, date_joined__lt=end).count(),
        "active_learners": active.values("enrollment__user_id").distinct().count(),
        **{name: sum(n.get(name, 0) for n in per_course.values()) for name in SITE_NUMBERS[2:]},
    }
    courses = {
        course_id: {name: numbers.get(name, 0) for name in COURSE_NUMBERS} for course_id, numbers in per_course.items()
    }
    return courses, site


@transaction.atomic
def analytics_rollup_day(*, day: date) -> DailySiteStats:
    """Recompute one day's numbers and store them; running it again gives the same rows."""
    per_course, site_numbers = day_numbers(day=day)
    existing_courses = set(
        CoursePage.objects.filter(pk__in=[pk for pk in per_course if pk]).values_list("pk", flat=True)
    )
    DailyCourseStats.objects.filter(date=day).exclude(course_id__in=existing_courses).delete()
    for course_id in existing_courses:
        DailyCourseStats.objects.update_or_create(date=day, course_id=course_id, defaults=per_course[course_id])
    site, _ = DailySiteStats.objects.update_or_create(date=day, defaults=site_numbers)
    return site


def _funnel_counts(*, course: CoursePage, lessons) -> dict[int, dict]:
    return {
        row["lesson_id"]: row
        for row in LessonProgress.objects.filter(enrollment__course=course, lesson_id__in=lessons)
        .values("lesson_id")
        .annotate(started=Count("id"), completed=Count("id", filter=Q(status=LessonProgress.Status.COMPLETED)))
        .order_by()
    }


@transaction.atomic
def analytics_rollup_funnels() -> int:
    """For every live course, how many students started and completed each of its lessons
    (coursepages.structure's one definition, the courses' structures read together)."""
    rows = 0
    courses = list(CoursePage.objects.live())
    structures = course_structures(courses)
    for course in courses:
        lessons = structures[course.pk].lesson_ids
        counts = _funnel_counts(course=course, lessons=lessons)
        LessonFunnel.objects.filter(course=course).exclude(lesson_id__in=lessons).delete()
        for position, lesson_id in enumerate(lessons, start=1):
            numbers = counts.get(lesson_id, {})
            LessonFunnel.objects.update_or_create(
                course=course,
                lesson_id=lesson_id,
                defaults={
                    "position": position,
                    "started": numbers.get("started", 0),
                    "completed": numbers.get("completed", 0),
                },
            )
            rows += 1
    return rows


def analytics_rollup(*, days: int = 2, today: date | None = None) -> list[date]:
    """Roll up the last `days` days up to and including today (today so far)."""
    today = today or _site_today()
    done = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        analytics_rollup_day(day=day)
        done.append(day)
    analytics_rollup_funnels()
    return done


# Reads for the dashboards -------------------------------------------------------------


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date

    @classmethod
    def from_request(cls, request, default_days: int = 30) -> "DateRange":
        """From ?start= and ?end= (ISO dates); a missing or unreadable one takes its default."""

        def read(name):
            try:
                return date.fromisoformat(request.GET.get(name, ""))
            except ValueError:
                return None

        return cls.from_dates(read("start"), read("end"), default_days=default_days)

    @classmethod
    def from_dates(cls, start: date | None, end: date | None, default_days: int = 30) -> "DateRange":
        """The last `default_days` days up to today unless given; reversed dates are swapped
        and a range is at most 367 days long."""
        today = _site_today()
        start = start or today - timedelta(days=default_days - 1)
        end = end or today
        if end < start:
            start, end = end, start
        longest = timedelta(days=366)
        return cls(start, end if end - start <= longest else start + longest)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def _site_today() -> date:
    return timezone.localdate(timezone=timezone.get_default_timezone())


# The days whose numbers the dashboards compute when asked instead of reading the roll-up:
# today (still open) and yesterday (the nightly roll-up at 00:30 finishes it after midnight).
OPEN_DAYS = 2

LiveDays = dict[date, tuple[dict[int | None, dict[str, int]], dict[str, int]]]


def live_days(*, period: DateRange) -> LiveDays:
    """The period's open days, computed now from the records (day_numbers), so that a sale,
    an enrollment or a completion shows on the dashboards at once and they agree with the
    financial overview. Older days come from the roll-up tables. Compute once per request and
    hand the result to the reads below (`live=`)."""
    today = _site_today()
    open_days = [today - timedelta(days=offset) for offset in range(OPEN_DAYS - 1, -1, -1)]
    return {day: day_numbers(day=day) for day in open_days if period.start <= day <= period.end}


def site_series(*, period: DateRange, live: LiveDays | None = None) -> list[dict]:
    live = live_days(period=period) if live is None else live
    stored = DailySiteStats.objects.filter(date__range=(period.start, period.end)).exclude(date__in=list(live))
    rows = {row.date: row for row in stored}
    series = []
    for day in period.days():
        if day in live:
            numbers = live[day][1]
            series.append({"date": day, **{n: numbers.get(n, 0) for n in SITE_NUMBERS}})
        else:
            series.append({"date": day, **{n: getattr(rows.get(day), n, 0) for n in SITE_NUMBERS}})
    return series


SITE_TOTALS = ("new_users", "enrollments", "completions", "revenue_cents", "vat_cents")


def series_totals(series: list[dict], names=SITE_TOTALS) -> dict[str, int]:
    """The period's totals of a daily series (active learners are not additive: left out)."""
    return {name: sum(row[name] for row in series) for name in names}


def course_series(*, period: DateRange, course_ids, live: LiveDays | None = None) -> list[dict]:
    live = live_days(period=period) if live is None else live
    course_ids = set(course_ids)
    totals = {
        row["date"]: row
        for row in DailyCourseStats.objects.filter(date__range=(period.start, period.end), course_id__in=course_ids)
        .exclude(date__in=list(live))
        .values("date")
        .annotate(
            enrollments=Sum("enrollments"),
            completions=Sum("completions"),
            active_learners=Sum("active_learners"),
            revenue_cents=Sum("revenue_cents"),
            vat_cents=Sum("vat_cents"),
        )
        .order_by()
    }
    for day, (per_course, _site) in live.items():
        totals[day] = {
            name: sum(numbers[name] for course_id, numbers in per_course.items() if course_id in course_ids)
            for name in COURSE_NUMBERS
        }
    return [{"date": day, **{n: (totals.get(day) or {}).get(n) or 0 for n in COURSE_NUMBERS}} for day in period.days()]


def top_courses(*, period: DateRange, limit: int = 10, course_ids=None, live: LiveDays | None = None) -> list[dict]:
    """Courses by revenue, then enrollments, over the period: the roll-up's days and the open
    days' live numbers added together."""
    live = live_days(period=period) if live is None else live
    wanted = None if course_ids is None else set(course_ids)
    stats = DailyCourseStats.objects.filter(date__range=(period.start, period.end)).exclude(date__in=list(live))
    if wanted is not None:
        stats = stats.filter(course_id__in=wanted)
    names = ("enrollments", "completions", "revenue_cents")
    rows = {
        row["course_id"]: row
        for row in stats.values("course_id", "course__title")
        .annotate(enrollments=Sum("enrollments"), completions=Sum("completions"), revenue_cents=Sum("revenue_cents"))
        .order_by()
    }
    for per_course, _site in live.values():
        for course_id, numbers in per_course.items():
            if course_id is None or (wanted is not None and course_id not in wanted):
                continue
            if not any(numbers[name] for name in names):
                continue
            row = rows.setdefault(course_id, {"course_id": course_id, "course__title": None, **dict.fromkeys(names, 0)})
            for name in names:
                row[name] = (row[name] or 0) + numbers[name]
    untitled = [course_id for course_id, row in rows.items() if row["course__title"] is None]
    if untitled:
        titles = dict(CoursePage.objects.filter(pk__in=untitled).values_list("pk", "title"))
        for course_id in untitled:
            if course_id in titles:
                rows[course_id]["course__title"] = titles[course_id]
            else:
                del rows[course_id]  # deleted since
    ordered = sorted(
        rows.values(), key=lambda r: (-(r["revenue_cents"] or 0), -(r["enrollments"] or 0), r["course__title"])
    )
    return ordered[:limit]


def instructor_performance(*, period: DateRange, live: LiveDays | None = None) -> list[dict]:
    """Per instructor: their courses' enrollments, completions and revenue in the period."""
    by_course = {row["course_id"]: row for row in top_courses(period=period, limit=10_000, live=live)}
    people: dict[int, dict] = {}
    for link in CourseInstructor.objects.select_related("user"):
        entry = people.setdefault(
            link.user_id,
            {
                "instructor_id": link.user_id,
                "instructor": link.user.display_name,
                "courses": 0,
                "enrollments": 0,
                "completions": 0,
                "revenue_cents": 0,
            },
        )
        entry["courses"] += 1
        numbers = by_course.get(link.page_id, {})
        for name in ("enrollments", "completions", "revenue_cents"):
            entry[name] += numbers.get(name) or 0
    return sorted(people.values(), key=lambda e: (-e["revenue_cents"], -e["enrollments"]))


def lesson_funnel(*, course: CoursePage) -> list[dict]:
    """How many students started and completed each lesson of the course, counted now (one
    aggregate over the course's progress rows), in the course's lesson order."""
    from coursepages.models import LessonPage

    lessons = course_structures([course])[course.pk].lesson_ids
    counts = _funnel_counts(course=course, lessons=lessons)
    titles = dict(LessonPage.objects.filter(pk__in=lessons).values_list("pk", "title"))
    return [
        {
            "position": position,
            "lesson__title": titles.get(lesson_id, ""),
            "started": counts.get(lesson_id, {}).get("started", 0),
            "completed": counts.get(lesson_id, {}).get("completed", 0),
        }
        for position, lesson_id in enumerate(lessons, start=1)
    ]


def instructor_course_ids(*, user) -> list[int]:
    """The courses whose analytics `user` sees: those they staff (all for admins and moderators)."""
    return list(courses_staffed_by(user).values_list("pk", flat=True))


def quiz_score_distribution(*, course: CoursePage) -> list[dict]:
    """Best quiz scores of the course's students in ten-point buckets, from the completion
    records activities write (score_percent)."""
    from learners.models import BlockCompletion

    buckets = [{"bucket": f"{low}–{low + 9 if low < 90 else 100}%", "attempts": 0} for low in range(0, 100, 10)]
    scores = BlockCompletion.objects.filter(
        enrollment__course=course, block_type="quiz", score_percent__isnull=False
    ).values_list("score_percent", flat=True)
    for score in scores:
        buckets[min(int(score) // 10, 9)]["attempts"] += 1
    return buckets
