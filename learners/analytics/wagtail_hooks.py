"""Admin screens of learning analytics and the read-only learning records."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from accounts.permissions import is_platform_admin
from learners.analytics import views as admin_analytics
from learners.analytics.services import instructor_course_ids


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
    from learners.analytics.records import LearningRecordsGroup

    return LearningRecordsGroup()
