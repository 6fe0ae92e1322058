"""The instructor's home in the Wagtail admin: the "My courses" screen and the same summary as
a dashboard panel — their courses with status (drafts included), a new-course button, the
submissions waiting for a grade, recent enrollments — and the sections of the apps above
(earnings), registered in their AppConfig.ready() so learners never imports them."""

from functools import reduce
from operator import or_

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.urls import reverse
from django.views.generic import TemplateView
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Page, WorkflowState

from accounts.permissions import INSTRUCTOR_ROLE, is_teaching_staff
from core.providers import Contributions
from coursepages.models import CourseIndexPage, CoursePage, LessonPage
from coursepages.permissions import courses_owned_or_instructed_by
from learners.assessments.assignments import submissions_for_grader
from learners.models import AssignmentSubmission, Enrollment

# section(*, user) -> dict merged into the context, e.g. {"earnings": …}.
sections = Contributions("the instructor home's sections")

RECENT_ENROLLMENTS = 5


def _status(course: CoursePage, workflow_status: str | None) -> tuple[str, str]:
    """(label, tag style) of a course for its authors."""
    if workflow_status == WorkflowState.STATUS_IN_PROGRESS:
        return "In review", "secondary"
    if workflow_status == WorkflowState.STATUS_NEEDS_CHANGES:
        return "Changes requested", "critical"
    if course.live:
        return ("Live, with unpublished changes", "primary") if course.has_unpublished_changes else ("Live", "primary")
    return "Draft", "secondary"


def instructor_home(*, user) -> dict:
    """What the instructor home shows `user`, in a fixed number of queries whatever the number
    of courses."""
    courses = list(courses_owned_or_instructed_by(user))
    ids = [course.pk for course in courses]
    lessons_by_course: dict[str, int] = {}
    if courses:
        # Lessons below each course, drafts included, counted by the course's part of their path.
        path_length = len(courses[0].path)  # every course is at the same depth
        below = reduce(or_, (Q(path__startswith=course.path) for course in courses))
        for path in LessonPage.objects.filter(below).values_list("path", flat=True):
            key = path[:path_length]
            lessons_by_course[key] = lessons_by_course.get(key, 0) + 1
    workflow = dict(
        WorkflowState.objects.active()
        .filter(base_content_type=ContentType.objects.get_for_model(Page), object_id__in=[str(pk) for pk in ids])
        .values_list("object_id", "status")
    )
    students = dict(
        Enrollment.objects.filter(course_id__in=ids)
        .exclude(status=Enrollment.Status.REVOKED)
        .values("course_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("course_id", "n")
    )
    rows = []
    for course in courses:
        label, style = _status(course, workflow.get(str(course.pk)))
        rows.append(
            {
                "course": course,
                "status": label,
                "status_style": style,
                "lessons": lessons_by_course.get(course.path, 0),
                "students": students.get(course.pk, 0),
                "edit_url": reverse("wagtailadmin_pages:edit", args=[course.pk]),
                "explore_url": reverse("wagtailadmin_explore", args=[course.pk]),
                "add_section_url": reverse("wagtailadmin_pages:add", args=("coursepages", "sectionpage", course.pk)),
                "live_url": course.url if course.live else "",
            }
        )
    catalog = CourseIndexPage.objects.only("pk").first()
    new_course_url = ""
    if catalog is not None and catalog.permissions_for_user(user).can_add_subpage():
        new_course_url = reverse("wagtailadmin_pages:add", args=("coursepages", "coursepage", catalog.pk))
    context = {
        "courses": rows,
        "new_course_url": new_course_url,
        "to_grade": submissions_for_grader(user=user).filter(status=AssignmentSubmission.Status.SUBMITTED).count(),
        "grading_url": reverse("learners_grading:queue"),
        "recent_enrollments": list(
            Enrollment.objects.filter(course_id__in=ids)
            .select_related("user", "course")
            .order_by("-enrolled_at")[:RECENT_ENROLLMENTS]
        ),
        "analytics_url": reverse("lectern_course_analytics"),
    }
    for section in sections:
        context.update(section(user=user))
    return context


def instructor_home_shown(user) -> bool:
    """Instructors always (a new one starts here); admins once they teach a course."""
    if not is_teaching_staff(user):
        return False
    return user.role == INSTRUCTOR_ROLE or courses_owned_or_instructed_by(user).exists()


class InstructorHomePanel(Component):
    """The instructor home on the Wagtail dashboard, above Wagtail's own panels."""

    name = "instructor_home"
    template_name = "learners/admin/instructor_home_panel.html"
    order = 50

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        return {"home": instructor_home(user=self.user), "request": parent_context.get("request")}


class MyCoursesView(WagtailAdminTemplateMixin, TemplateView):
    """The "My courses" screen: the instructor home on a page of its own."""

    page_title = "My courses"
    header_icon = "doc-full-inverse"
    template_name = "learners/admin/my_courses.html"

    def dispatch(self, request, *args, **kwargs):
        from django.core.exceptions import PermissionDenied

        if not is_teaching_staff(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["home"] = instructor_home(user=self.request.user)
        return context
