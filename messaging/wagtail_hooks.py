"""Admin screens for messaging: the queue of reported messages and every conversation (an
admin opens one through the site's moderation view, which logs the opening)."""

from django.urls import reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.models import EditView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from .models import Conversation, MessageReport
from .services import report_resolve


class ConversationLinkColumn(Column):
    def get_value(self, instance):
        conversation = instance if isinstance(instance, Conversation) else instance.message.conversation
        return format_html('<a href="{}">Open (logged)</a>', reverse("messaging:conversation", args=[conversation.pk]))


class MessageExcerptColumn(Column):
    def get_value(self, instance):
        return instance.message.body[:120] or "(attachment only)"


class ReportEditView(EditView):
    """Deciding a report goes through the service (resolved time, audit log)."""

    def save_instance(self):
        data = self.form.cleaned_data
        return report_resolve(
            report=self.form.instance,
            moderator=self.request.user,
            status=data["status"],
            note=data.get("moderator_note", ""),
        )


class MessageReportViewSet(ModelViewSet):
    model = MessageReport
    icon = "warning"
    menu_label = "Reported messages"
    list_display = [
        "__str__",
        MessageExcerptColumn("excerpt", label="Message"),
        "reason",
        "status",
        "created_at",
        ConversationLinkColumn("open", label="Conversation"),
    ]
    list_filter = ["status"]
    form_fields = ["status", "moderator_note"]
    edit_view_class = ReportEditView
    copy_view_enabled = False

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
