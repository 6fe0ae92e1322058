"""The grading screens of the Wagtail admin: the queue of submissions to grade (the
instructor's own courses; admins and moderators see all) and the rubric form."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from coursepages.permissions import courses_staffed_by
from learners.assessments.assignments import (
    SubmissionGradeError,
    submission_grade,
    submission_reopen,
    submissions_for_grader,
)
from learners.enrollment.services import LearningError
from learners.models import AssignmentSubmission
from learners.permissions import submission_may_grade, user_may_grade


class GradingQueueView(WagtailAdminTemplateMixin, TemplateView):
    page_title = "Grading"
    header_icon = "form"
    template_name = "learners/assessments/admin_queue.html"
    filters = {"ungraded": "Awaiting grade", "graded": "Graded", "all": "All"}

    def dispatch(self, request, *args, **kwargs):
        if not user_may_grade(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": "Grading"}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "ungraded")
        queryset = submissions_for_grader(user=self.request.user)
        if status == "ungraded":
            queryset = queryset.filter(status=AssignmentSubmission.Status.SUBMITTED).order_by("submitted_at")
        elif status == "graded":
            queryset = queryset.filter(status=AssignmentSubmission.Status.GRADED).order_by("-graded_at")
        else:
            queryset = queryset.order_by("-submitted_at")
        courses = list(courses_staffed_by(self.request.user).only("pk", "title"))
        course_id = self.request.GET.get("course")
        if course_id and course_id.isdigit():
            queryset = queryset.filter(enrollment__course_id=int(course_id))
        page = Paginator(queryset, 50).get_page(self.request.GET.get("p"))
        context.update(
            {
                "page_obj": page,
                "submissions": page.object_list,
                "status": status,
                "filters": self.filters,
                "courses": courses,
                "course_id": course_id or "",
            }
        )
        return context


class GradeSubmissionView(WagtailAdminTemplateMixin, TemplateView):
    page_title = "Grade submission"
    header_icon = "form"
    template_name = "learners/assessments/admin_grade.html"

    def dispatch(self, request, *args, **kwargs):
        self.submission = get_object_or_404(
            AssignmentSubmission.objects.select_related(
                "enrollment__user", "enrollment__course", "lesson"
            ).prefetch_related("files"),
            pk=kwargs["pk"],
        )
        if not submission_may_grade(user=request.user, submission=self.submission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return f"{self.submission.snapshot.get('title', '')} · {self.submission.enrollment.user.display_name}"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("learners_grading:queue"), "label": "Grading"},
            {"url": "", "label": self.get_page_subtitle()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        submission = self.submission
        posted = kwargs.get("posted") or {}
        errors = kwargs.get("errors") or {}
        criteria = []
        for criterion in submission.snapshot.get("rubric", []):
            value = posted.get(criterion["id"], submission.rubric_scores.get(criterion["id"], ""))
            criteria.append({**criterion, "value": value, "error": errors.get(criterion["id"], "")})
        previous = (
            AssignmentSubmission.objects.filter(enrollment=submission.enrollment, block_id=submission.block_id)
            .exclude(pk=submission.pk)
            .order_by("-number")
        )
        context.update(
            {
                "submission": submission,
                "criteria": criteria,
                "errors": errors,
                "previous": previous,
                "feedback": kwargs.get("feedback", submission.feedback),
                "allow_resubmission": kwargs.get("allow_resubmission", submission.reopened),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "reopen":
            submission_reopen(user=request.user, submission=self.submission)
            messages.success(request, "The student may now hand in a new version.")
            return redirect("learners_grading:queue")
        scores = {
            c["id"]: request.POST.get(f"criterion-{c['id']}", "").strip()
            for c in self.submission.snapshot.get("rubric", [])
        }
        feedback = request.POST.get("feedback", "")
        allow = request.POST.get("allow_resubmission") == "on"
        empty = [cid for cid, points in scores.items() if points == ""]
        try:
            if empty:
                raise SubmissionGradeError(errors={cid: "Give points for this criterion." for cid in empty})
            submission = submission_grade(
                user=request.user,
                submission=self.submission,
                rubric_scores=scores,
                feedback=feedback,
                allow_resubmission=allow,
            )
        except SubmissionGradeError as exc:
            messages.error(request, "The grade was not saved: check the scores.")
            return self.render_to_response(
                self.get_context_data(posted=scores, errors=exc.errors, feedback=feedback, allow_resubmission=allow)
            )
        except LearningError as exc:
            raise PermissionDenied(str(exc)) from exc
        messages.success(request, f"Graded {submission.score}/{submission.max_score}; the student was notified.")
        return redirect("learners_grading:queue")
