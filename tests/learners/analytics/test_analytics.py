"""Analytics: the nightly roll-up counts right and is idempotent; dashboards read the roll-up
tables for closed days and compute only the open days live; instructors see only their own
courses; every chart exports CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learners.access import learning_context_for
from learners.analytics.services import analytics_rollup
from learners.enrollment.services import enrollment_create, lesson_complete
from learners.models import DailyCourseStats, DailySiteStats, LessonFunnel
from tests.factories import lessons_of, make_course, make_user


@pytest.fixture
def activity(instructor, other_instructor):
    mine = make_course(title="Mine", instructor=instructor, lessons=2)
    theirs = make_course(title="Theirs", instructor=other_instructor, lessons=1)
    students = [make_user() for _ in range(3)]
    for student in students:
        enrollment_create(user=student, course=mine)
    for lesson in lessons_of(mine):
        lesson_complete(context=learning_context_for(user=students[0], lesson=lesson))
    lesson_complete(context=learning_context_for(user=students[1], lesson=lessons_of(mine)[0]))
    enrollment_create(user=students[2], course=theirs)
    return mine, theirs


@pytest.mark.django_db
def test_rollup_counts_the_day_and_is_idempotent(activity):
    mine, theirs = activity
    analytics_rollup(days=1)
    today = timezone.localdate()
    site = DailySiteStats.objects.get(date=today)
    assert (site.enrollments, site.completions) == (4, 1)
    assert site.new_users >= 3
    assert DailyCourseStats.objects.get(date=today, course=mine).enrollments == 3
    assert DailyCourseStats.objects.get(date=today, course=mine).completions == 1
    funnel = list(LessonFunnel.objects.filter(course=mine).order_by("position").values_list("started", "completed"))
    assert funnel == [(2, 2), (1, 1)]
    analytics_rollup(days=1)
    assert DailySiteStats.objects.count() == 1
    assert DailyCourseStats.objects.filter(date=today).count() == 2


RAW_TABLES = ("learners_enrollment", "learners_lessonprogress", "payments_ledgerentry")


def _raw_queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in RAW_TABLES)]


@pytest.mark.django_db
def test_admin_dashboard_reads_rollups_for_closed_days_and_exports_csv(client, admin_user, activity):
    analytics_rollup(days=1)
    client.force_login(admin_user)
    assert "Mine" in client.get("/admin/analytics/").content.decode()
    today = timezone.localdate()
    # Only the open days (today, yesterday) are computed from the records: the same queries
    # for a month as for a year, and none for a range of closed days.
    month = _raw_queries(client, f"/admin/analytics/?start={today - timedelta(days=29)}&end={today}")
    year = _raw_queries(client, f"/admin/analytics/?start={today - timedelta(days=365)}&end={today}")
    # per open day: enrollments, completions, active learners per course and on the site, revenue
    assert len(month) == len(year) == 2 * 5
    closed = f"/admin/analytics/?start={today - timedelta(days=60)}&end={today - timedelta(days=2)}"
    assert _raw_queries(client, closed) == []
    export = client.get("/admin/analytics/?export=site")
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert export["Content-Type"] == "text/csv"
    assert sum(int(row["enrollments"]) for row in rows) == 4


@pytest.mark.django_db
def test_instructor_analytics_show_only_their_courses(client, instructor, activity):
    mine, theirs = activity
    analytics_rollup(days=1)
    client.force_login(instructor)
    response = client.get("/admin/analytics/courses/")
    html = response.content.decode()
    assert response.status_code == 200 and "Mine" in html and "Theirs" not in html
    assert client.get(f"/admin/analytics/courses/?course={theirs.pk}").status_code == 404
    rows = list(csv.DictReader(io.StringIO(client.get("/admin/analytics/courses/?export=courses").content.decode())))
    assert [row["course__title"] for row in rows] == ["Mine"]
    assert client.get("/admin/analytics/").status_code in (302, 403)


@pytest.mark.django_db
def test_dashboards_show_money_in_the_house_style_and_csv_keeps_cents(client, admin_user, instructor, activity):
    mine, _ = activity
    closed_day = timezone.localdate() - timedelta(days=5)  # read from the roll-up tables
    DailySiteStats.objects.create(date=closed_day, revenue_cents=1234500, vat_cents=161022)
    DailyCourseStats.objects.create(date=closed_day, course=mine, revenue_cents=1234500, vat_cents=161022)
    client.force_login(admin_user)
    html = client.get("/admin/analytics/").content.decode()
    assert "<strong>R12 345.00</strong>" in html and "<strong>R1 610.22</strong>" in html  # the cards
    assert "<td>R12 345.00</td><td>R1 610.22</td>" in html  # the daily table
    assert "R1234500" not in html and "12345.00" not in html
    rows = list(csv.DictReader(io.StringIO(client.get("/admin/analytics/?export=site").content.decode())))
    assert [int(row["revenue_cents"]) for row in rows if int(row["revenue_cents"])] == [1234500]
    client.force_login(instructor)
    assert "<td>R12 345.00</td>" in client.get("/admin/analytics/courses/").content.decode()


@pytest.mark.django_db
def test_students_cannot_see_analytics(client, student):
    client.force_login(student)
    assert client.get("/admin/analytics/").status_code == 302
    assert client.get("/admin/analytics/courses/").status_code == 302
