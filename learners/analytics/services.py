"""Analytics: the nightly roll-up (writes the Daily*Stats and LessonFunnel tables) and the
reads behind the admin and instructor dashboards, which only touch those small tables."""

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


@transaction.atomic
def analytics_rollup_day(*, day: date) -> DailySiteStats:
    """Recompute one day's numbers; running it again gives the same rows."""
    start, end = _day_bounds(day)
    in_day = {"__gte": start, "__lt": end}
    per_course: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in (
        Enrollment.objects.filter(enrolled_at__gte=start, enrolled_at__lt=end)
        .values("course_id")
        .annotate(n=Count("id"))
    ):
        per_course[row["course_id"]]["enrollments"] = row["n"]
    for row in (
        Enrollment.objects.filter(completed_at__gte=start, completed_at__lt=end)
        .values("course_id")
        .annotate(n=Count("id"))
    ):
        per_course[row["course_id"]]["completions"] = row["n"]
    active = LessonProgress.objects.filter(**{f"last_accessed_at{k}": v for k, v in in_day.items()})
    for row in active.values("enrollment__course_id").annotate(n=Count("enrollment__user_id", distinct=True)):
        per_course[row["enrollment__course_id"]]["active_learners"] = row["n"]
    for course_id, (gross, vat) in _revenue_for(day).items():
        per_course[course_id]["revenue_cents"] = gross
        per_course[course_id]["vat_cents"] = vat

    existing_courses = set(CoursePage.objects.filter(pk__in=per_course).values_list("pk", flat=True))
    DailyCourseStats.objects.filter(date=day).exclude(course_id__in=existing_courses).delete()
    fields = ("enrollments", "completions", "active_learners", "revenue_cents", "vat_cents")
    for course_id in existing_courses:
        numbers = per_course[course_id]
        DailyCourseStats.objects.update_or_create(
            date=day, course_id=course_id, defaults={name: numbers.get(name, 0) for name in fields}
        )
    site, _ = DailySiteStats.objects.update_or_create(
        date=day,
        defaults={
            "new_users": get_user_model().objects.filter(date_joined__gte=start, date_joined__lt=end).count(),
            "active_learners": active.values("enrollment__user_id").distinct().count(),
            "enrollments": sum(n.get("enrollments", 0) for n in per_course.values()),
            "completions": sum(n.get("completions", 0) for n in per_course.values()),
            "revenue_cents": sum(n.get("revenue_cents", 0) for n in per_course.values()),
            "vat_cents": sum(n.get("vat_cents", 0) for n in per_course.values()),
        },
    )
    return site


@transaction.atomic
def analytics_rollup_funnels() -> int:
    """For every live course, how many students started and completed each of its lessons
    (coursepages.structure's one definition, the courses' structures read together)."""
    rows = 0
    courses = list(CoursePage.objects.live())
    structures = course_structures(courses)
    for course in courses:
        lessons = structures[course.pk].lesson_ids
        counts = {
            row["lesson_id"]: row
            for row in LessonProgress.objects.filter(enrollment__course=course, lesson_id__in=lessons)
            .values("lesson_id")
            .annotate(started=Count("id"), completed=Count("id", filter=Q(status=LessonProgress.Status.COMPLETED)))
        }
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
    today = today or timezone.localdate()
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
        today = timezone.localdate()
        start = start or today - timedelta(days=default_days - 1)
        end = end or today
        if end < start:
            start, end = end, start
        longest = timedelta(days=366)
        return cls(start, end if end - start <= longest else start + longest)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def site_series(*, period: DateRange) -> list[dict]:
    rows = {row.date: row for row in DailySiteStats.objects.filter(date__range=(period.start, period.end))}
    names = ("new_users", "active_learners", "enrollments", "completions", "revenue_cents", "vat_cents")
    return [{"date": day, **{n: getattr(rows.get(day), n, 0) for n in names}} for day in period.days()]


SITE_TOTALS = ("new_users", "enrollments", "completions", "revenue_cents", "vat_cents")


def series_totals(series: list[dict], names=SITE_TOTALS) -> dict[str, int]:
    """The period's totals of a daily series (active learners are not additive: left out)."""
    return {name: sum(row[name] for row in series) for name in names}


def course_series(*, period: DateRange, course_ids) -> list[dict]:
    totals = {
        row["date"]: row
        for row in DailyCourseStats.objects.filter(date__range=(period.start, period.end), course_id__in=course_ids)
        .values("date")
        .annotate(
            enrollments=Sum("enrollments"),
            completions=Sum("completions"),
            active_learners=Sum("active_learners"),
            revenue_cents=Sum("revenue_cents"),
            vat_cents=Sum("vat_cents"),
        )
    }
    names = ("enrollments", "completions", "active_learners", "revenue_cents", "vat_cents")
    return [{"date": day, **{n: (totals.get(day) or {}).get(n) or 0 for n in names}} for day in period.days()]


def top_courses(*, period: DateRange, limit: int = 10, course_ids=None) -> list[dict]:
    stats = DailyCourseStats.objects.filter(date__range=(period.start, period.end))
    if course_ids is not None:
        stats = stats.filter(course_id__in=course_ids)
    return list(
        stats.values("course_id", "course__title")
        .annotate(enrollments=Sum("enrollments"), completions=Sum("completions"), revenue_cents=Sum("revenue_cents"))
        .order_by("-revenue_cents", "-enrollments")[:limit]
    )


def instructor_performance(*, period: DateRange) -> list[dict]:
    """Per instructor: their courses' enrollments, completions and revenue in the period."""
    by_course = {row["course_id"]: row for row in top_courses(period=period, limit=10_000)}
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
    return list(
        LessonFunnel.objects.filter(course=course)
        .order_by("position")
        .values("position", "lesson__title", "started", "completed")
    )


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
