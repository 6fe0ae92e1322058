"""Messaging API (mounted at /api/v1/): conversations, messages, notifications."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from api.auth import user_auth
from api.errors import ErrorOut
from api.pagination import PageNumber, PageSize, page_of
from api.schemas import PageId, PersonOut, RowId
from coursepages.models import CoursePage
from messaging import selectors, services
from messaging.models import Conversation, Message, Notification
from messaging.realtime import message_payload

router = Router(tags=["messaging"], auth=user_auth)


Error = ErrorOut


Person = PersonOut


class ConversationOut(Schema):
    id: int
    course_id: int
    course_title: str
    student: Person
    teacher: Person
    unread: int
    last_message_at: datetime | None


class ConversationIn(Schema):
    course_id: PageId
    teacher_id: RowId
    body: str = ""


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    url: str


class MessageOut(Schema):
    id: int
    conversation_id: int
    sender_id: int
    sender_name: str
    body: str
    created_at: datetime
    read_at: datetime | None
    moderation: str = Field(
        "visible",
        description="`visible`, or `hidden`: a moderator hid it from the other participant (only its sender sees it).",
    )
    attachments: list[AttachmentOut]


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


def _page_schema(name, item):
    return type(
        name,
        (Schema,),
        {"__annotations__": {"count": int, "next": str | None, "previous": str | None, "results": list[item]}},
    )


ConversationPage = _page_schema("ConversationPage", ConversationOut)
MessagePage = _page_schema("MessagePage", MessageOut)
NotificationPage = _page_schema("NotificationPage", NotificationOut)


def _conversation_out(c: Conversation) -> dict:
    return {
        "id": c.pk,
        "course_id": c.course_id,
        "course_title": c.course.title,
        "student": {"id": c.student_id, "name": c.student.display_name},
        "teacher": {"id": c.teacher_id, "name": c.teacher.display_name},
        "unread": getattr(c, "unread", 0),
        "last_message_at": c.last_message_at,
    }


def _participant_conversation(request, conversation_id: int) -> Conversation:
    """Only the two participants use the API; moderation happens in the logged web view."""
    conversation = get_object_or_404(
        Conversation.objects.select_related("course", "student", "teacher"), pk=conversation_id
    )
    if not conversation.has_participant(request.user):
        raise Http404
    return conversation


@router.get("/conversations/", response=ConversationPage)
def list_conversations(request, page: PageNumber = 1, page_size: PageSize = 20):
    """The user's conversations, latest activity first, with unread counts."""
    return page_of(
        request,
        selectors.conversations_for(user=request.user),
        page=page,
        page_size=page_size,
        serialize=_conversation_out,
    )


@router.post("/conversations/", response={201: ConversationOut, 400: Error, 403: Error, 404: Error})
def start_conversation(request, payload: ConversationIn):
    """A student starts (or reopens) a conversation with a teacher of an enrolled course."""
    course = CoursePage.objects.filter(pk=payload.course_id).first()
    teacher = get_user_model().objects.filter(pk=payload.teacher_id).first()
    if not course or not teacher:
        return 404, {"detail": "No such course or teacher.", "code": "not_found"}
    conversation, _ = services.conversation_start(
        student=request.user, teacher=teacher, course=course, body=payload.body
    )
    conversation = selectors.conversations_for(user=request.user).get(pk=conversation.pk)
    return 201, _conversation_out(conversation)


@router.get("/conversations/{conversation_id}/messages/", response={200: MessagePage, 404: Error})
def list_messages(request, conversation_id: RowId, page: PageNumber = 1, page_size: PageSize = 20):
    """History, newest page first (page 1 = the latest messages, each page in time order)."""
    conversation = _participant_conversation(request, conversation_id)
    qs = selectors.messages_visible_to(
        conversation.messages.select_related("sender").prefetch_related("attachments").order_by("-id"),
        user=request.user,
        conversation=conversation,
    )
    page = page_of(request, qs, page=page, page_size=page_size, serialize=message_payload)
    page["results"].reverse()
    services.conversation_mark_read(conversation=conversation, user=request.user)
    return 200, page


@router.post(
    "/conversations/{conversation_id}/messages/", response={201: MessageOut, 400: Error, 403: Error, 404: Error}
)
def post_message(request, conversation_id: RowId, body: Form[str] = "", files: File[list[UploadedFile]] = None):
    """Send a message (multipart: `body` and optional `files`); earlier messages to the sender
    are marked read."""
    conversation = _participant_conversation(request, conversation_id)
    message = services.message_send(conversation=conversation, sender=request.user, body=body, files=files or [])
    message = Message.objects.select_related("sender").prefetch_related("attachments").get(pk=message.pk)
    return 201, message_payload(message)


@router.get("/notifications/", response=NotificationPage)
def list_notifications(request, page: PageNumber = 1, page_size: PageSize = 20):
    """In-app notifications, unread first."""
    return page_of(request, selectors.notifications_for(user=request.user), page=page, page_size=page_size)


@router.post("/notifications/{notification_id}/read/", response={200: NotificationOut, 404: Error})
def read_notification(request, notification_id: RowId):
    notification = Notification.objects.filter(user=request.user, pk=notification_id).first()
    if not notification:
        return 404, {"detail": "No such notification.", "code": "not_found"}
    services.notification_mark_read(user=request.user, notification_id=notification.pk)
    notification.refresh_from_db()
    return 200, notification
