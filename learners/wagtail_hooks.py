"""Wagtail finds an app's `wagtail_hooks` module only at the app's top: this one loads those of
the learning area's parts (assessments: grading; analytics: dashboards and records;
interactive: the H5P package snippet and the private-documents rule; enrollment: review
moderation), and the instructor home: the "My courses" menu entry and screen and its panel on
the admin dashboard."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from learners.analytics import wagtail_hooks as analytics_hooks  # noqa: F401
from learners.assessments import wagtail_hooks as assessments_hooks  # noqa: F401
from learners.enrollment import wagtail_hooks as enrollment_hooks  # noqa: F401
from learners.instructor_home import InstructorHomePanel, MyCoursesView, instructor_home_shown
from learners.interactive import wagtail_hooks as interactive_hooks  # noqa: F401


@hooks.register("register_admin_urls")
def instructor_home_urls():
    return [path("my-courses/", MyCoursesView.as_view(), name="lectern_my_courses")]


class _MyCoursesItem(MenuItem):
    def is_shown(self, request):
        return instructor_home_shown(request.user)


@hooks.register("register_admin_menu_item")
def my_courses_menu_item():
    return _MyCoursesItem("My courses", reverse("lectern_my_courses"), icon_name="doc-full-inverse", order=50)


@hooks.register("construct_homepage_panels")
def instructor_home_panel(request, panels):
    if instructor_home_shown(request.user):
        panels.insert(0, InstructorHomePanel(request.user))
