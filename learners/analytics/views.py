"""Analytics dashboards in the Wagtail admin: the platform view for admins and the course
view for instructors. Both read the roll-up tables for closed days and compute the open
days live (learners.analytics.services.live_days); every chart's numbers export as CSV
(amounts in cents); the tables show them through core.money."""

import csv

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from accounts.permissions import is_platform_admin
from core.dbrouter import reads_from_replica
from coursepages.models import CoursePage, PlatformSettings
from learners.analytics import services as analytics


def _csv(filename: str, rows: list[dict]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    if rows:
        writer = csv.DictWriter(response, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return response


@reads_from_replica()
def admin_dashboard(request):
    if not is_platform_admin(request.user):
        raise PermissionDenied
    period = analytics.DateRange.from_request(request)
    live = analytics.live_days(period=period)
    charts = {
        "site": analytics.site_series(period=period, live=live),
        "top_courses": analytics.top_courses(period=period, live=live),
        "instructors": analytics.instructor_performance(period=period, live=live),
    }
    if request.GET.get("export") in charts:
        return _csv(f"lectern-{request.GET['export']}-{period.start}-{period.end}", charts[request.GET["export"]])
    site = charts["site"]
    totals = analytics.series_totals(site)
    return TemplateResponse(
        request,
        "learners/analytics/admin_dashboard.html",
        {
            "period": period,
            "totals": totals,
            "site": site,
            "top_courses": charts["top_courses"],
            "instructors": charts["instructors"],
            "currency": PlatformSettings.load(request).currency,
            "chart_data": {
                "labels": [row["date"].isoformat() for row in site],
                "enrollments": [row["enrollments"] for row in site],
                "completions": [row["completions"] for row in site],
                "active": [row["active_learners"] for row in site],
                "revenue": [row["revenue_cents"] / 100 for row in site],
                "vat": [row["vat_cents"] / 100 for row in site],
            },
        },
    )


@reads_from_replica()
def instructor_dashboard(request):
    course_ids = analytics.instructor_course_ids(user=request.user)
    if not course_ids and not is_platform_admin(request.user):
        raise PermissionDenied
    period = analytics.DateRange.from_request(request)
    courses = list(CoursePage.objects.filter(pk__in=course_ids).order_by("title"))
    selected = None
    if request.GET.get("course"):
        selected = get_object_or_404(CoursePage, pk=request.GET["course"], pk__in=course_ids)
    elif courses:
        selected = courses[0]
    live = analytics.live_days(period=period)
    series = analytics.course_series(period=period, course_ids=course_ids, live=live)
    funnel = analytics.lesson_funnel(course=selected) if selected else []
    scores = analytics.quiz_score_distribution(course=selected) if selected else []
    charts = {
        "enrollments": series,
        "funnel": funnel,
        "quiz_scores": scores,
        "courses": analytics.top_courses(period=period, limit=1000, course_ids=course_ids, live=live),
    }
    if request.GET.get("export") in charts:
        return _csv(f"lectern-{request.GET['export']}-{period.start}-{period.end}", charts[request.GET["export"]])
    return TemplateResponse(
        request,
        "learners/analytics/instructor_dashboard.html",
        {
            "period": period,
            "courses": courses,
            "selected": selected,
            "funnel": funnel,
            "scores": scores,
            "course_rows": charts["courses"],
            "series": series,
            "currency": PlatformSettings.load(request).currency,
            "chart_data": {
                "labels": [row["date"].isoformat() for row in series],
                "enrollments": [row["enrollments"] for row in series],
                "completions": [row["completions"] for row in series],
                "revenue": [row["revenue_cents"] / 100 for row in series],
                "funnel_labels": [f"{row['position']}. {row['lesson__title']}" for row in funnel],
                "funnel_started": [row["started"] for row in funnel],
                "funnel_completed": [row["completed"] for row in funnel],
                "score_labels": [row["bucket"] for row in scores],
                "score_counts": [row["attempts"] for row in scores],
            },
        },
    )
