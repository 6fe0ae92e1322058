"""Admin screens for discussions: the queue of reported posts (deciding a report hides or
deletes the post through the service, logged) and every thread."""

from django.core.exceptions import PermissionDenied
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.models import EditView, IndexView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from accounts.permissions import is_moderator, is_teaching_staff, teaching_staff_users
from coursepages.permissions import courses_staffed_by

from .models import PostReport, Thread
from .services import DiscussionError, report_resolve, thread_lock


class CourseStaffPolicy(BasePermissionPolicy):
    """Teaching staff, moderators and admins view and decide reports and threads (each only of
    the courses they staff: the querysets below, and the services check again); nobody adds
    or hard-deletes them in the admin."""

    def user_has_permission(self, user, action):
        return action in ("view", "change") and (is_teaching_staff(user) or is_moderator(user))

    def users_with_any_permission(self, actions):
        return teaching_staff_users() if set(actions) & {"view", "change"} else teaching_staff_users().none()


class PostLinkColumn(Column):
    def get_value(self, instance):
        post = instance.post
        return format_html('<a href="{}">Open on the site</a>', post.get_absolute_url())


class PostExcerptColumn(Column):
    def get_value(self, instance):
        post = instance.post
        state = " (hidden)" if post.is_hidden else " (deleted)" if post.deleted_at else ""
        return f"{post.author.display_name}: {post.body[:120]}{state}"


register_permission_policy(PostReport, CourseStaffPolicy(PostReport))
register_permission_policy(Thread, CourseStaffPolicy(Thread))


class ReportEditView(EditView):
    """Deciding a report goes through the service (hide or delete the post, resolved time,
    audit log)."""

    def save_instance(self):
        data = self.form.cleaned_data
        try:
            return report_resolve(
                report=self.form.instance,
                moderator=self.request.user,
                status=data["status"],
                note=data.get("moderator_note", ""),
            )
        except DiscussionError as exc:
            raise PermissionDenied(exc.message) from exc


class ReportIndexView(IndexView):
    def get_base_queryset(self):
        # Instructors see the reports of the courses they staff; moderators and admins see all.
        return (
            super()
            .get_base_queryset()
            .filter(post__thread__course__in=courses_staffed_by(self.request.user))
            .select_related("post__thread__course", "post__author", "reporter")
        )


class PostReportViewSet(ModelViewSet):
    model = PostReport
    icon = "warning"
    menu_label = "Reported posts"
    list_display = [
        "__str__",
        PostExcerptColumn("excerpt", label="Post"),
        "reason",
        "status",
        "created_at",
        PostLinkColumn("open", label="Thread"),
    ]
    list_filter = ["status"]
    form_fields = ["status", "moderator_note"]
    index_view_class = ReportIndexView
    edit_view_class = ReportEditView
    copy_view_enabled = False

    def get_queryset(self, request):
        return PostReport.objects.filter(post__thread__course__in=courses_staffed_by(request.user))


class ThreadLinkColumn(Column):
    def get_value(self, instance):
        return format_html('<a href="{}">Open on the site</a>', instance.get_absolute_url())


class ThreadEditView(EditView):
    """Locking a thread goes through the service (audit log)."""

    def save_instance(self):
        try:
            return thread_lock(
                user=self.request.user, thread=self.form.instance, locked=self.form.cleaned_data["is_locked"]
            )
        except DiscussionError as exc:
            raise PermissionDenied(exc.message) from exc


class ThreadViewSet(ModelViewSet):
    model = Thread
    icon = "comment"
    menu_label = "Threads"
    list_display = ["title", "course", "kind", "is_locked", "last_activity_at", ThreadLinkColumn("open", label="")]
    list_filter = ["kind", "is_locked"]
    search_fields = ["title"]
    form_fields = ["is_locked"]
    edit_view_class = ThreadEditView
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_queryset(self, request):
        return Thread.objects.filter(course__in=courses_staffed_by(request.user)).select_related("course")


class DiscussionsViewSetGroup(ModelViewSetGroup):
    menu_label = "Discussions"
    menu_icon = "comment"
    menu_order = 335
    items = (PostReportViewSet("discussion_reports"), ThreadViewSet("discussion_threads"))


@hooks.register("register_admin_viewset")
def register_discussions_viewsets():
    return DiscussionsViewSetGroup()


@hooks.register("register_log_actions")
def register_discussions_actions(actions):
    for action, label in (
        ("discussions.post_hidden", "Hide post"),
        ("discussions.post_shown", "Show post"),
        ("discussions.post_deleted", "Delete post"),
        ("discussions.thread_locked", "Lock thread"),
        ("discussions.thread_unlocked", "Unlock thread"),
        ("discussions.answer_marked", "Mark answer"),
        ("discussions.report_resolved", "Resolve post report"),
    ):
        actions.register_action(action, label, label)
