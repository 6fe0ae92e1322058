"""Admin screens of the learning area: the grading queue and rubric form, analytics, and the H5P
package snippet with the private-documents rule (wagtail_hooks_h5p)."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from accounts.permissions import is_platform_admin
from learners import admin_analytics
from learners.admin_views import GradeSubmissionView, GradingQueueView
from learners.analytics import instructor_course_ids
from learners.permissions import user_may_grade


@hooks.register("register_admin_urls")
def register_grading_urls():
    urls = [
        path("", GradingQueueView.as_view(), name="queue"),
        path("<int:pk>/", GradeSubmissionView.as_view(), name="grade"),
    ]
    return [path("grading/", include((urls, "learners_grading"), namespace="learners_grading"))]


class GradingMenuItem(MenuItem):
    def is_shown(self, request):
        return user_may_grade(request.user)


@hooks.register("register_admin_menu_item")
def register_grading_menu_item():
    return GradingMenuItem("Grading", reverse("learners_grading:queue"), icon_name="form", order=250)


@hooks.register("register_log_actions")
def register_grading_actions(actions):
    actions.register_action("learners.submission_graded", "Grade submission", "Graded submission")
    actions.register_action("learners.submission_reopened", "Reopen submission", "Reopened for resubmission")


@hooks.register("register_admin_urls")
def analytics_urls():
    return [
        path("analytics/", admin_analytics.admin_dashboard, name="lectern_analytics"),
        path("analytics/courses/", admin_analytics.instructor_dashboard, name="lectern_course_analytics"),
    ]


class _AdminOnlyItem(MenuItem):
    def is_shown(self, request):
        return is_platform_admin(request.user)


class _TeachingItem(MenuItem):
    def is_shown(self, request):
        return bool(instructor_course_ids(user=request.user))


@hooks.register("register_admin_menu_item")
def analytics_menu_item():
    return _AdminOnlyItem("Analytics", reverse("lectern_analytics"), icon_name="table", order=950)


@hooks.register("register_admin_menu_item")
def course_analytics_menu_item():
    return _TeachingItem("Course analytics", reverse("lectern_course_analytics"), icon_name="table", order=951)


@hooks.register("register_admin_viewset")
def register_learning_records():
    from learners.admin_records import LearningRecordsGroup

    return LearningRecordsGroup()
