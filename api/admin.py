"""Platform administration in the JSON API (docs/api.md): people and their roles, and
the platform analytics. Mounted at /api/v1/admin/ beside the payouts router.

Thin: who may is accounts.permissions.PlatformAdminPolicy (as on the People screen); role
and activity changes go through accounts.services (groups kept in step, Wagtail's audit
log written); the analytics are the admin Analytics dashboard's roll-up selectors."""

from datetime import date, datetime
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from accounts.models import User
from accounts.permissions import PlatformAdminPolicy
from accounts.selectors import people
from accounts.services import user_change_access
from core.dbrouter import reads_from_replica
from core.money import money_json
from coursepages.models import PlatformSettings
from learners.analytics import services as analytics

from .auth import user_auth
from .errors import ApiError, refusals
from .instructor import CoursePeriodOut, PeriodFilters, course_rows, period_row
from .pagination import Paginated
from .schemas import MoneyOut, RowId

router = Router(tags=["admin"], auth=user_auth)

Role = Literal[tuple(User.Role.values)]


def _require(request, action: str) -> None:
    if not PlatformAdminPolicy(User).user_has_permission(request.user, action):
        raise ApiError(403, "Only administrators may do this.", "not_admin")


class AdminUserOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    name: str
    role: Role
    is_active: bool
    is_superuser: bool
    date_joined: datetime
    last_login: datetime | None

    @staticmethod
    def resolve_name(user):
        return user.display_name


class UserFilters(Schema):
    q: str = Field("", max_length=200, description="Part of the email address or name.")
    role: Role | None = None
    is_active: bool | None = None


class UserPatchIn(Schema):
    role: Role | None = Field(None, description="student, instructor or admin; the groups follow.")
    is_active: bool | None = Field(None, description="false deactivates (no sign-in), true reactivates.")


class SiteDayOut(Schema):
    date: date
    new_users: int
    active_learners: int
    enrollments: int
    completions: int
    revenue: MoneyOut
    vat: MoneyOut


class SiteTotalsOut(Schema):
    new_users: int
    enrollments: int
    completions: int
    revenue: MoneyOut
    vat: MoneyOut


class InstructorPerformanceOut(Schema):
    instructor_id: int
    name: str
    courses: int
    enrollments: int
    completions: int
    revenue: MoneyOut


class AdminAnalyticsOut(Schema):
    start: date
    end: date
    totals: SiteTotalsOut
    series: list[SiteDayOut] = Field(description="One row a day: growth in users, learners and revenue.")
    top_courses: list[CoursePeriodOut]
    instructors: list[InstructorPerformanceOut]


@router.get("/users/", response={200: list[AdminUserOut], **refusals(403)})
@paginate(Paginated)
def users(request, filters: Query[UserFilters]):
    """People with their roles, by email; deleted (anonymised) accounts are gone."""
    _require(request, "view")
    return people(q=filters.q, role=filters.role or "", active=filters.is_active)


@router.patch("/users/{user_id}/", response={200: AdminUserOut, **refusals(403)})
def user_update(request, user_id: RowId, payload: UserPatchIn):
    """Change a person's role, deactivate or reactivate them (each change logged). You cannot
    deactivate yourself (`cannot_deactivate_self`) or give up your own admin role
    (`cannot_demote_self`)."""
    _require(request, "change")
    user = get_object_or_404(people(), pk=user_id)
    return user_change_access(user=user, actor=request.user, role=payload.role, active=payload.is_active)


@router.get("/analytics/", response={200: AdminAnalyticsOut, **refusals(403)})
@reads_from_replica()
def platform_analytics(request, filters: Query[PeriodFilters]):
    """New users, active learners, enrollments, completions, revenue and VAT per day, the
    period's totals, top courses and instructors: the Analytics dashboard's numbers, from the
    nightly roll-up for closed days and computed live for today and yesterday."""
    _require(request, "view")
    period = analytics.DateRange.from_dates(filters.start, filters.end)
    currency = PlatformSettings.load().currency
    live = analytics.live_days(period=period)
    series = analytics.site_series(period=period, live=live)
    totals = analytics.series_totals(series)
    return {
        "start": period.start,
        "end": period.end,
        "totals": period_row(totals, currency, ("new_users", "enrollments", "completions")),
        "series": [
            period_row(row, currency, ("date", "new_users", "active_learners", "enrollments", "completions"))
            for row in series
        ],
        "top_courses": course_rows(analytics.top_courses(period=period, live=live), currency),
        "instructors": [
            {
                "instructor_id": row["instructor_id"],
                "name": row["instructor"],
                "courses": row["courses"],
                "enrollments": row["enrollments"],
                "completions": row["completions"],
                "revenue": money_json(row["revenue_cents"], currency),
            }
            for row in analytics.instructor_performance(period=period, live=live)
        ],
    }
