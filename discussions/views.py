"""The course discussion pages: a course's threads (and the form to start one), a thread with
its replies, and the buttons on them. Each action calls one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.storage import private_file_response
from coursepages.models import CoursePage, LessonPage

from . import selectors, services
from .models import Post, PostAttachment, Thread
from .permissions import discussion_access_for, may_moderate, may_participate

THREADS_PER_PAGE = 20


def _course_access(request, course):
    access = discussion_access_for(user=request.user, course=course)
    if not may_participate(access):
        raise PermissionDenied("Only the course's enrolled students and its staff take part in its discussions.")
    return access


def _thread_for(request, pk: int) -> tuple[Thread, bool]:
    thread = get_object_or_404(Thread.objects.select_related("course", "lesson", "author"), pk=pk)
    moderator = may_moderate(_course_access(request, thread.course))
    if thread.deleted_at or (thread.is_hidden and not moderator):
        raise Http404
    return thread, moderator


@login_required
def course_discussions(request, course_id: int):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    moderator = may_moderate(_course_access(request, course))
    if request.method == "POST":
        lesson = None
        lesson_id = request.POST.get("lesson", "")
        if lesson_id.isdigit():
            lesson = LessonPage.objects.live().filter(pk=int(lesson_id)).first()
        try:
            thread = services.thread_create(
                user=request.user,
                course=course,
                lesson=lesson,
                kind=request.POST.get("kind", Thread.Kind.DISCUSSION),
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                files=request.FILES.getlist("files"),
            )
        except services.DiscussionError as exc:
            messages.error(request, exc.message)
            back = request.POST.get("next", "")
            return redirect(back if back.startswith("/") and not back.startswith("//") else request.path)
        return redirect(thread)
    kind = request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()[:100]
    threads = selectors.threads_for(
        course=course, moderator=moderator, kind=kind if kind in Thread.Kind.values else None, q=q
    )
    page = Paginator(threads, THREADS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "discussions/course.html",
        {"course": course, "page_obj": page, "kind": kind, "q": q, "kinds": Thread.Kind.choices},
    )


@login_required
def thread(request, pk: int):
    item, moderator = _thread_for(request, pk)
    if request.method == "POST":
        try:
            post = services.post_reply(
                user=request.user, thread=item, body=request.POST.get("body", ""), files=request.FILES.getlist("files")
            )
        except services.DiscussionError as exc:
            messages.error(request, exc.message)
            return redirect(item)
        return redirect(post.get_absolute_url())
    return render(
        request,
        "discussions/thread.html",
        {
            "thread": item,
            "course": item.course,
            "posts": selectors.thread_posts(thread=item, user=request.user, moderator=moderator),
            "moderator": moderator,
            "may_mark": moderator or item.author_id == request.user.pk,
            "following": selectors.is_following(thread=item, user=request.user),
            "tz": request.user.tzinfo,
        },
    )


@login_required
@require_POST
def thread_action(request, pk: int):
    item, _moderator = _thread_for(request, pk)
    action = request.POST.get("action", "")
    try:
        if action in ("follow", "unfollow"):
            services.thread_follow(user=request.user, thread=item, follow=action == "follow")
            messages.success(request, "You follow this thread." if action == "follow" else "You no longer follow it.")
        elif action in ("lock", "unlock"):
            services.thread_lock(user=request.user, thread=item, locked=action == "lock")
            messages.success(request, "Thread locked." if action == "lock" else "Thread unlocked.")
        else:
            messages.error(request, "Unknown action.")
    except services.DiscussionError as exc:
        messages.error(request, exc.message)
    return redirect(item)


@login_required
@require_POST
def post_action(request, pk: int):
    post = get_object_or_404(Post.objects.select_related("thread__course", "author"), pk=pk)
    item, _moderator = _thread_for(request, post.thread_id)
    action = request.POST.get("action", "")
    done = {
        "upvote": "Upvoted.",
        "unvote": "Upvote taken back.",
        "answer": "Marked as the answer.",
        "unanswer": "The answer is cleared.",
        "hide": "The post is hidden from students.",
        "show": "The post is visible again.",
        "delete": "The post is deleted.",
        "report": "Thank you: the course's staff will look at this post.",
    }
    try:
        if action in ("upvote", "unvote"):
            services.post_upvote(user=request.user, post=post, up=action == "upvote")
        elif action in ("answer", "unanswer"):
            services.thread_mark_answered(user=request.user, thread=item, post=post if action == "answer" else None)
        elif action in ("hide", "show"):
            services.post_hide(user=request.user, post=post, hidden=action == "hide")
        elif action == "delete":
            services.post_delete(user=request.user, post=post)
        elif action == "report":
            services.post_report(user=request.user, post=post, reason=request.POST.get("reason", ""))
        else:
            raise services.DiscussionError("Unknown action.", "invalid")
    except services.DiscussionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done[action])
    if action == "delete" and item.posts.order_by("id").values_list("id", flat=True).first() == post.pk:
        return redirect("discussions:course", course_id=item.course_id)
    return redirect(post.get_absolute_url())


@login_required
def attachment(request, pk: int):
    item = get_object_or_404(PostAttachment.objects.select_related("post__thread__course"), pk=pk)
    thread, moderator = _thread_for(request, item.post.thread_id)
    if not (item.post.is_visible or moderator):
        raise Http404
    return private_file_response(item.file.name, download_name=item.original_name, as_attachment=True)
