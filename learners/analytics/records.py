"""Admin screens for learning records: enrollments, lesson progress and quiz attempts.
They are views of what students did, so they are read-only (changes go through the
learning services); instructors see only rows of the courses they staff."""

from django.http import Http404
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from accounts.permissions import is_platform_admin, teaching_staff_users
from core.spreadsheet import SafeSpreadsheetExportMixin
from coursepages.permissions import courses_staffed_by
from learners.models import Enrollment, LessonProgress, QuizAttempt
from learners.permissions import user_may_view_teaching_records


class TeachingRecordsPolicy(BasePermissionPolicy):
    """Admins and instructors may view; nobody adds, edits or deletes by hand."""

    def user_has_permission(self, user, action):
        if action not in ("view",):
            return False
        return user_may_view_teaching_records(user)

    def users_with_any_permission(self, actions):
        from accounts.models import User

        if "view" not in actions:
            return User.objects.none()
        return teaching_staff_users()


def _scoped(queryset, *, user, course_lookup: str):
    if is_platform_admin(user):
        return queryset
    return queryset.filter(**{f"{course_lookup}__in": courses_staffed_by(user).order_by().values("pk")})


class _ScopedIndexView(SafeSpreadsheetExportMixin, generic.IndexView):
    course_lookup = "course"

    def get_base_queryset(self):
        return _scoped(super().get_base_queryset(), user=self.request.user, course_lookup=self.course_lookup)


class _ScopedInspectView(generic.InspectView):
    course_lookup = "course"

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        scoped = _scoped(
            type(obj)._default_manager.filter(pk=obj.pk), user=self.request.user, course_lookup=self.course_lookup
        )
        if not scoped.exists():
            raise Http404
        return obj


for _model in (Enrollment, LessonProgress, QuizAttempt):
    register_permission_policy(_model, TeachingRecordsPolicy(_model))


class _ScopedViewSet(ModelViewSet):
    """Rows of the courses the viewer teaches (every row for admins)."""

    course_lookup = "course"
    copy_view_enabled = False
    inspect_view_enabled = True
    exclude_form_fields: list = []  # never rendered: the policy allows viewing only
    add_to_reference_index = False  # records saved by students' requests; nothing refers to them

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lookup = {"course_lookup": self.course_lookup}
        self.index_view_class = type("IndexView", (_ScopedIndexView,), lookup)
        self.inspect_view_class = type("InspectView", (_ScopedInspectView,), lookup)


class EnrollmentViewSet(_ScopedViewSet):
    model = Enrollment
    name = "learning_enrollments"
    icon = "user"
    menu_label = "Enrollments"
    list_display = ["user", "course", "status", "source", "enrolled_at", "completed_at", "last_accessed_at"]
    list_filter = ["status", "source", "course"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    list_export = ["user", "course", "status", "source", "enrolled_at", "completed_at", "last_accessed_at"]
    export_filename = "enrollments"


class LessonProgressViewSet(_ScopedViewSet):
    model = LessonProgress
    name = "learning_progress"
    icon = "time"
    menu_label = "Lesson progress"
    course_lookup = "enrollment__course"
    list_display = [
        "enrollment",
        "lesson",
        "status",
        "time_spent_seconds",
        "watched_percent",
        "last_accessed_at",
        "completed_at",
    ]
    list_filter = ["status"]
    search_fields = ["enrollment__user__email"]
    list_export = [
        "enrollment",
        "lesson",
        "status",
        "time_spent_seconds",
        "watched_percent",
        "first_accessed_at",
        "last_accessed_at",
        "completed_at",
    ]
    export_filename = "lesson-progress"


class QuizAttemptViewSet(_ScopedViewSet):
    model = QuizAttempt
    name = "learning_quiz_attempts"
    icon = "tasks"
    menu_label = "Quiz attempts"
    course_lookup = "enrollment__course"
    list_display = ["enrollment", "lesson", "number", "status", "score_percent", "passed", "submitted_at"]
    list_filter = ["status", "passed"]
    search_fields = ["enrollment__user__email"]
    list_export = [
        "enrollment",
        "lesson",
        "block_id",
        "number",
        "status",
        "score_points",
        "max_points",
        "score_percent",
        "passed",
        "started_at",
        "submitted_at",
        "auto_submitted",
    ]
    export_filename = "quiz-attempts"


class LearningRecordsGroup(ModelViewSetGroup):
    menu_label = "Learning records"
    menu_icon = "doc-full-inverse"
    menu_order = 240
    items = (EnrollmentViewSet, LessonProgressViewSet, QuizAttemptViewSet)
