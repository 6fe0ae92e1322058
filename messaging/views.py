from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.errors import status_for
from core.storage import private_file_response
from coursepages.models import CoursePage
from learners.enrollment.selectors import teachers_for_student

from . import selectors, services
from .models import Conversation, Message, MessageAttachment
from .permissions import user_may_moderate_conversations
from .realtime import message_payload


def _conversation_for(request, pk: int, *, moderate: bool = False) -> Conversation:
    """The conversation if the user is in it. Platform admins may open any conversation for
    moderation; that opening is logged (only on the page view, `moderate=True`)."""
    conversation = get_object_or_404(Conversation.objects.select_related("student", "teacher", "course"), pk=pk)
    if conversation.has_participant(request.user):
        return conversation
    if user_may_moderate_conversations(request.user):
        if moderate:
            services.conversation_moderate_open(conversation=conversation, moderator=request.user)
        return conversation
    raise Http404


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
def inbox(request):
    return render(
        request,
        "messaging/inbox.html",
        {
            "conversations": selectors.conversations_for(user=request.user),
            "can_start": bool(teachers_for_student(student=request.user)),
        },
    )


@login_required
def new(request):
    pairs = teachers_for_student(student=request.user)
    choices = [(f"{course.pk}:{teacher.pk}", f"{teacher.display_name} — {course.title}") for course, teacher in pairs]
    if request.method == "POST":
        try:
            course_id, teacher_id = (int(x) for x in request.POST.get("to", "").split(":"))
            course = CoursePage.objects.get(pk=course_id)
            teacher = get_user_model().objects.get(pk=teacher_id)
            conversation, _ = services.conversation_start(
                student=request.user,
                teacher=teacher,
                course=course,
                body=request.POST.get("body", ""),
                files=request.FILES.getlist("files"),
            )
        except (ValueError, CoursePage.DoesNotExist, get_user_model().DoesNotExist):
            messages.error(request, "Choose one of your teachers.")
        except services.MessagingError as exc:
            messages.error(request, exc.message)
        else:
            return redirect(conversation)
    return render(request, "messaging/new.html", {"choices": choices, "selected": request.GET.get("to", "")})


@login_required
def conversation(request, pk: int):
    convo = _conversation_for(request, pk, moderate=True)
    participant = convo.has_participant(request.user)
    before = request.GET.get("before")
    history, has_more = selectors.messages_page(
        conversation=convo, viewer=request.user, before_id=int(before) if before and before.isdigit() else None
    )
    if participant and not before:
        services.conversation_mark_read(conversation=convo, user=request.user)
    return render(
        request,
        "messaging/conversation.html",
        {
            "conversation": convo,
            "history": history,
            "has_more": has_more,
            "older_before": history[0].pk if history else None,
            "participant": participant,
            "other": convo.other_party(request.user) if participant else None,
            "tz": request.user.tzinfo,
            "last_id": history[-1].pk if history else 0,
            "live_updates": participant and not before,
        },
    )


@login_required
@require_POST
def send(request, pk: int):
    convo = _conversation_for(request, pk)
    try:
        message = services.message_send(
            conversation=convo,
            sender=request.user,
            body=request.POST.get("body", ""),
            files=request.FILES.getlist("files"),
        )
    except services.MessagingError as exc:
        if _wants_json(request):
            return JsonResponse({"detail": exc.message, "code": exc.code}, status=status_for(exc))
        messages.error(request, exc.message)
        return redirect(convo)
    if _wants_json(request):
        message = Message.objects.select_related("sender").prefetch_related("attachments").get(pk=message.pk)
        return JsonResponse({"message": message_payload(message)}, status=201)
    return redirect(convo)


@login_required
def poll(request, pk: int):
    """The fallback when WebSockets are unavailable: messages after `after`, and how far the
    other participant has read."""
    convo = _conversation_for(request, pk)
    try:
        after = int(request.GET.get("after", 0))
    except ValueError:
        after = 0
    if convo.has_participant(request.user) and request.GET.get("mark_read") == "1":
        services.conversation_mark_read(conversation=convo, user=request.user)
    new_messages, _ = selectors.messages_page(conversation=convo, viewer=request.user, after_id=after)
    read_up_to = (
        convo.messages.filter(sender=request.user, read_at__isnull=False)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return JsonResponse({"messages": [message_payload(m) for m in new_messages], "read_up_to": read_up_to or 0})


@login_required
@require_POST
def report(request, pk: int):
    message = get_object_or_404(Message.objects.select_related("conversation"), pk=pk)
    if not message.conversation.has_participant(request.user):
        raise Http404
    try:
        services.message_report(message=message, reporter=request.user, reason=request.POST.get("reason", ""))
    except services.MessagingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Thank you: a moderator will look at this message.")
    return redirect(message.conversation)


@login_required
def attachment(request, pk: int):
    item = get_object_or_404(MessageAttachment.objects.select_related("message__conversation"), pk=pk)
    convo = item.message.conversation
    if not convo.has_participant(request.user):
        if not user_may_moderate_conversations(request.user):
            raise Http404
        services.conversation_moderate_open(conversation=convo, moderator=request.user)
    elif not selectors.message_visible_to(message=item.message, user=request.user):
        raise Http404  # hidden from this participant, or deleted, by a moderator
    return private_file_response(item.file.name, download_name=item.original_name, as_attachment=True)


@login_required
def notifications(request):
    if request.method == "POST":
        target = request.POST.get("id")
        services.notification_mark_read(
            user=request.user, notification_id=int(target) if target and target.isdigit() else None
        )
        goto = request.POST.get("next", "")
        if goto.startswith("/") and not goto.startswith("//"):
            return redirect(goto)
        return redirect("messaging:notifications")
    items = list(selectors.notifications_for(user=request.user)[:100])
    return render(
        request,
        "messaging/notifications.html",
        {"items": items, "tz": request.user.tzinfo, "unread_here": sum(1 for n in items if not n.read_at)},
    )
