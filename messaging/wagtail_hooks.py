"""Admin screens for messaging: the queue of reported messages and every conversation (an
admin opens one through the site's moderation view, which logs the opening)."""

from django import forms
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.models import EditView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from accounts.permissions import moderator_users
from core.moderation import Moderation

from .models import Conversation, MessageReport
from .permissions import user_may_moderate_conversations, user_may_moderate_messages
from .selectors import unread_counts_hint
from .services import message_moderate, report_resolve

KEEP = "keep"


@hooks.register("before_serve_page")
def fetch_unread_counts_with_the_page(page, request, serve_args, serve_kwargs):
    """A site page shows the signed-in viewer's unread counts in its header."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        unread_counts_hint(user.pk)


class ReportPolicy(BasePermissionPolicy):
    """Admins and moderators work the report queue; reports are made by participants only."""

    def user_has_permission(self, user, action):
        return action in ("view", "change") and user_may_moderate_messages(user)

    def users_with_any_permission(self, actions):
        from accounts.models import User

        if not set(actions) & {"view", "change"}:
            return User.objects.none()
        return moderator_users()


register_permission_policy(MessageReport, ReportPolicy(MessageReport))


class ReportDecisionForm(WagtailAdminModelForm):
    """The report's status and note, and what happens to the reported message."""

    message_action = forms.ChoiceField(
        label="The reported message",
        choices=[
            (KEEP, "Leave it as it is"),
            (Moderation.HIDDEN, "Hide it from the other participant (its sender still sees it)"),
            (Moderation.DELETED, "Delete it (neither participant sees it or its files)"),
            (Moderation.VISIBLE, "Show it again (undo a hide or delete)"),
        ],
        initial=KEEP,
        required=False,
    )

    reported = forms.CharField(
        label="Reported by, and why",
        required=False,
        disabled=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the reporter wrote (read only).",
    )
    field_order = ["reported", "status", "moderator_note", "message_action"]

    class Meta:
        model = MessageReport
        fields = ["status", "moderator_note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["reported"].initial = f"{self.instance.reporter}: {self.instance.reason}"


class ConversationLinkColumn(Column):
    def get_value(self, instance):
        conversation = instance if isinstance(instance, Conversation) else instance.message.conversation
        return format_html('<a href="{}">Open (logged)</a>', reverse("messaging:conversation", args=[conversation.pk]))

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context.get("request")
        if request is None or not user_may_moderate_conversations(request.user):
            context["value"] = "Admins only"  # moderators work the reports; only admins open conversations
        return context


class MessageExcerptColumn(Column):
    def get_value(self, instance):
        return instance.message.body[:120] or "(attachment only)"


class MessageStateColumn(Column):
    def get_value(self, instance):
        return instance.message.get_moderation_display()


class ReportEditView(EditView):
    """Deciding a report goes through the services (resolved time, message hidden or deleted,
    both in the audit log)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        message = self.object.message
        context["page_subtitle"] = f"{message.sender}: {message.body[:80]} ({message.get_moderation_display()})"
        return context

    def save_instance(self):
        data = self.form.cleaned_data
        with transaction.atomic():
            report = report_resolve(
                report=self.form.instance,
                moderator=self.request.user,
                status=data["status"],
                note=data.get("moderator_note", ""),
            )
            if data.get("message_action") not in ("", None, KEEP):
                message_moderate(
                    message=report.message,
                    moderator=self.request.user,
                    state=data["message_action"],
                    note=data.get("moderator_note", ""),
                )
        return report


class MessageReportViewSet(ModelViewSet):
    model = MessageReport
    icon = "warning"
    menu_label = "Reported messages"
    list_display = [
        "__str__",
        MessageExcerptColumn("excerpt", label="Message"),
        "reason",
        "status",
        MessageStateColumn("message_state", label="Message is"),
        "created_at",
        ConversationLinkColumn("open", label="Conversation"),
    ]
    list_filter = ["status", "message__moderation"]
    edit_view_class = ReportEditView
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return ReportDecisionForm

    def get_queryset(self, request):
        return MessageReport.objects.select_related("message__conversation", "reporter")


class ConversationViewSet(ModelViewSet):
    model = Conversation
    icon = "mail"
    menu_label = "Conversations"
    list_display = ["__str__", "last_message_at", ConversationLinkColumn("open", label="Moderate")]
    list_filter = ["course"]
    search_fields = ["student__email", "teacher__email", "course__title"]
    form_fields = ["course"]
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_queryset(self, request):
        return Conversation.objects.select_related("student", "teacher", "course")


class MessagingViewSetGroup(ModelViewSetGroup):
    menu_label = "Messaging"
    menu_icon = "mail"
    menu_order = 330
    items = (MessageReportViewSet("message_reports"), ConversationViewSet("conversations"))


@hooks.register("register_admin_viewset")
def register_messaging_viewsets():
    return MessagingViewSetGroup()


@hooks.register("register_log_actions")
def register_messaging_actions(actions):
    actions.register_action(
        "messaging.conversation_opened", "Open conversation (moderation)", "Opened a conversation for moderation"
    )
    actions.register_action("messaging.report_resolved", "Resolve report", "Resolved a message report")
