"""Admin screens for live classes: every session with filters for status, conflicts and
no-shows (Wagtail ModelViewSet), and the teachers' availability."""

import django_filters
from django.db.models import Q
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from core.admin_columns import LocalDateTimeColumn

from .models import AvailabilityException, LiveSession, WeeklyAvailability
from .selectors import conflicting_sessions, no_show_sessions


class LiveSessionFilterSet(WagtailFilterSet):
    problem = django_filters.ChoiceFilter(
        label="Problem",
        method="filter_problem",
        empty_label="Any",
        choices=[("conflict", "Conflicts (leave or double booking)"), ("no_show", "No-shows")],
    )
    when = django_filters.ChoiceFilter(
        label="When", method="filter_when", empty_label="Any", choices=[("upcoming", "Upcoming"), ("past", "Past")]
    )

    class Meta:
        model = LiveSession
        fields = ["status", "provider", "teacher", "course"]

    def filter_problem(self, queryset, name, value):
        if value == "conflict":
            return conflicting_sessions(queryset)
        if value == "no_show":
            return no_show_sessions(queryset)
        return queryset

    def filter_when(self, queryset, name, value):
        from django.utils import timezone

        now = timezone.now()
        return queryset.filter(ends_at__gt=now) if value == "upcoming" else queryset.filter(Q(ends_at__lte=now))


class LiveSessionViewSet(ModelViewSet):
    model = LiveSession
    icon = "date"
    menu_label = "Sessions"
    # Times in the viewer's time zone (their profile's, which the admin activates): the title
    # and the Starts column agree.
    list_display = [
        "__str__",
        Column("status", label="Status", accessor="get_status_display", sort_key="status"),
        LocalDateTimeColumn("starts_at", label="Starts", sort_key="starts_at"),
        Column("minutes", label="Minutes"),
        Column("provider", label="Provider", accessor="get_provider_display"),
    ]
    filterset_class = LiveSessionFilterSet
    search_fields = ["topic", "teacher__email", "student__email", "course__title"]
    form_fields = ["status", "starts_at", "ends_at", "topic", "decision_note"]
    inspect_view_enabled = True
    copy_view_enabled = False
    list_export = ["id", "course", "teacher", "student", "starts_at", "ends_at", "status", "provider"]

    def get_queryset(self, request):
        return LiveSession.objects.select_related("course", "teacher", "student")


class AvailabilityViewSet(ModelViewSet):
    model = WeeklyAvailability
    icon = "time"
    menu_label = "Weekly availability"
    list_display = ["teacher", "weekday", "start_time", "end_time", "timezone"]
    list_filter = ["teacher", "weekday"]
    form_fields = ["teacher", "weekday", "start_time", "end_time", "timezone"]
    copy_view_enabled = False


class ExceptionViewSet(ModelViewSet):
    model = AvailabilityException
    icon = "warning"
    menu_label = "Time away"
    list_display = [
        "teacher",
        LocalDateTimeColumn("starts_at", label="From", sort_key="starts_at"),
        LocalDateTimeColumn("ends_at", label="Until", sort_key="ends_at"),
        "reason",
    ]
    list_filter = ["teacher"]
    form_fields = ["teacher", "starts_at", "ends_at", "reason"]
    copy_view_enabled = False


class LiveViewSetGroup(ModelViewSetGroup):
    menu_label = "Live classes"
    menu_icon = "date"
    menu_order = 320
    items = (
        LiveSessionViewSet("live_sessions"),
        AvailabilityViewSet("live_availability"),
        ExceptionViewSet("live_exceptions"),
    )


@hooks.register("register_admin_viewset")
def register_live_viewsets():
    return LiveViewSetGroup()
