"""Admin screens of assessments: the grading queue and the rubric form."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from learners.assessments.grading import GradeSubmissionView, GradingQueueView
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
