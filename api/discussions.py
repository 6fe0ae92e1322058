"""Discussions API (mounted at /api/v1/): a course's threads, a thread's posts, replies,
answers, upvotes, follows, reports and moderation. Only the course's enrolled students and
its staff (discussions.permissions); everyone else gets 403 `not_enrolled`."""

from datetime import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from api.auth import user_auth
from api.errors import refusals
from api.pagination import PageNumber, PageSize, page_of
from api.schemas import PageId, PersonOut, RowId
from coursepages.models import CoursePage, LessonPage
from discussions import selectors, services
from discussions.markdown import post_html
from discussions.models import Post, Thread
from discussions.permissions import discussion_access_for, may_moderate, may_participate

router = Router(tags=["discussions"], auth=user_auth)


class DiscussionAttachmentOut(Schema):
    id: int
    name: str
    size: int
    url: str


class ThreadOut(Schema):
    id: int
    course_id: int
    lesson_id: int | None
    kind: str
    title: str
    author: PersonOut
    answer_post_id: int | None
    is_locked: bool
    is_hidden: bool
    replies: int
    created_at: datetime
    last_activity_at: datetime
    url: str


class PostOut(Schema):
    id: int
    thread_id: int
    author: PersonOut
    body: str
    html: str
    is_opening: bool
    is_answer: bool
    is_hidden: bool
    is_deleted: bool
    upvotes: int
    upvoted: bool
    created_at: datetime
    attachments: list[DiscussionAttachmentOut]


class ThreadDetailOut(ThreadOut):
    following: bool
    posts: list[PostOut]


class ThreadPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[ThreadOut]


class AnswerIn(Schema):
    post_id: RowId | None = None


class ReportIn(Schema):
    reason: str


class FlagIn(Schema):
    value: bool = True


class UpvotesOut(Schema):
    upvotes: int


def _person(user) -> dict:
    return {"id": user.pk, "name": user.display_name}


def _thread_out(thread: Thread) -> dict:
    return {
        "id": thread.pk,
        "course_id": thread.course_id,
        "lesson_id": thread.lesson_id,
        "kind": thread.kind,
        "title": thread.title,
        "author": _person(thread.author),
        "answer_post_id": thread.answer_id,
        "is_locked": thread.is_locked,
        "is_hidden": thread.is_hidden,
        "replies": max(getattr(thread, "post_count", 1) - 1, 0),
        "created_at": thread.created_at,
        "last_activity_at": thread.last_activity_at,
        "url": thread.get_absolute_url(),
    }


def _post_out(view) -> dict:
    post = view.post
    deleted = post.deleted_at is not None
    return {
        "id": post.pk,
        "thread_id": post.thread_id,
        "author": _person(post.author),
        "body": "" if deleted else post.body,
        "html": "" if deleted else post_html(post.body),
        "is_opening": view.is_opening,
        "is_answer": view.is_answer,
        "is_hidden": post.is_hidden,
        "is_deleted": deleted,
        "upvotes": view.upvotes,
        "upvoted": view.upvoted,
        "created_at": post.created_at,
        "attachments": []
        if deleted
        else [
            {"id": a.pk, "name": a.original_name, "size": a.size, "url": a.get_absolute_url()}
            for a in post.attachments.all()
        ],
    }


def _course(request, course_id: int):
    course = CoursePage.objects.live().filter(pk=course_id).first()
    if course is None:
        raise Http404
    access = discussion_access_for(user=request.user, course=course)
    if not may_participate(access):
        raise services.DiscussionError(
            "Only the course's enrolled students and its staff take part in its discussions.", "not_enrolled"
        )
    return course, may_moderate(access)


def _thread(request, thread_id: int) -> tuple[Thread, bool]:
    thread = get_object_or_404(Thread.objects.select_related("course", "author"), pk=thread_id)
    _course_, moderator = _course(request, thread.course_id)
    if thread.deleted_at or (thread.is_hidden and not moderator):
        raise Http404
    return thread, moderator


def _post(request, post_id: int) -> Post:
    post = get_object_or_404(Post.objects.select_related("thread__course", "author"), pk=post_id)
    _thread_, moderator = _thread(request, post.thread_id)
    if post.is_hidden and not moderator:
        raise Http404
    return post


def _detail(request, thread: Thread, moderator: bool) -> dict:
    thread = selectors.threads_for(course=thread.course, moderator=True).get(pk=thread.pk)
    return {
        **_thread_out(thread),
        "following": selectors.is_following(thread=thread, user=request.user),
        "posts": [_post_out(v) for v in selectors.thread_posts(thread=thread, user=request.user, moderator=moderator)],
    }


@router.get("/courses/{course_id}/threads/", response={200: ThreadPage, **refusals(403)})
def list_threads(
    request,
    course_id: PageId,
    lesson_id: PageId | None = None,
    kind: str = "",
    q: str = "",
    page: PageNumber = 1,
    page_size: PageSize = 20,
):
    """The course's threads (or one lesson's, `?lesson_id=`), latest activity first; `?kind=question`
    or `discussion`, `?q=` searches titles and posts."""
    course, moderator = _course(request, course_id)
    lesson = LessonPage.objects.filter(pk=lesson_id).first() if lesson_id else None
    threads = selectors.threads_for(
        course=course,
        lesson=lesson,
        moderator=moderator,
        kind=kind if kind in Thread.Kind.values else None,
        q=q.strip()[:100],
    )
    if lesson_id and lesson is None:
        threads = threads.none()
    return 200, page_of(request, threads, page=page, page_size=page_size, serialize=_thread_out)


@router.post("/courses/{course_id}/threads/", response={201: ThreadDetailOut, **refusals(403)})
def create_thread(
    request,
    course_id: PageId,
    title: Form[str],
    body: Form[str],
    kind: Form[str] = Thread.Kind.DISCUSSION,
    lesson_id: Form[PageId | None] = None,
    files: File[list[UploadedFile]] = None,
):
    """Start a thread (multipart: `title`, `body` Markdown, `kind` question|discussion, optional
    `lesson_id` and `files`). Rate-limited per user with replies (429 `rate_limited`)."""
    course, moderator = _course(request, course_id)
    lesson = None
    if lesson_id:
        lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
        if lesson is None:
            raise services.DiscussionError("No such lesson in this course.", "invalid_lesson")
    thread = services.thread_create(
        user=request.user, course=course, lesson=lesson, kind=kind, title=title, body=body, files=files or []
    )
    return 201, _detail(request, thread, moderator)


@router.get("/threads/{thread_id}/", response={200: ThreadDetailOut, **refusals(403)})
def get_thread(request, thread_id: RowId):
    """A thread with its posts: the opening post, then the accepted answer, then the replies."""
    thread, moderator = _thread(request, thread_id)
    return 200, _detail(request, thread, moderator)


@router.post("/threads/{thread_id}/posts/", response={201: ThreadDetailOut, **refusals(403, 409)})
def reply(request, thread_id: RowId, body: Form[str], files: File[list[UploadedFile]] = None):
    """Reply (multipart: `body` Markdown and optional `files`); 409 `thread_locked`."""
    thread, moderator = _thread(request, thread_id)
    services.post_reply(user=request.user, thread=thread, body=body, files=files or [])
    return 201, _detail(request, thread, moderator)


@router.put("/threads/{thread_id}/answer/", response={200: ThreadDetailOut, **refusals(403)})
def mark_answer(request, thread_id: RowId, payload: AnswerIn):
    """The asker or the course's staff accept a reply as the answer (`post_id`), or clear it (null)."""
    thread, moderator = _thread(request, thread_id)
    post = None
    if payload.post_id is not None:
        post = Post.objects.filter(pk=payload.post_id, thread=thread).first()
        if post is None:
            raise services.DiscussionError("Choose a visible reply of this thread.", "invalid_answer")
    services.thread_mark_answered(user=request.user, thread=thread, post=post)
    return 200, _detail(request, thread, moderator)


@router.put("/threads/{thread_id}/follow/", response={200: FlagIn, **refusals(403)})
def follow(request, thread_id: RowId, payload: FlagIn):
    """`{"value": true}` follows the thread (notified of replies), false unfollows."""
    thread, _moderator = _thread(request, thread_id)
    return 200, {"value": services.thread_follow(user=request.user, thread=thread, follow=payload.value)}


@router.put("/threads/{thread_id}/lock/", response={200: FlagIn, **refusals(403)})
def lock(request, thread_id: RowId, payload: FlagIn):
    """Course staff: `{"value": true}` locks the thread (no more replies), false unlocks. Logged."""
    thread, _moderator = _thread(request, thread_id)
    services.thread_lock(user=request.user, thread=thread, locked=payload.value)
    return 200, {"value": payload.value}


@router.put("/posts/{post_id}/upvote/", response={200: UpvotesOut, **refusals(403)})
def upvote(request, post_id: RowId, payload: FlagIn):
    """`{"value": true}` upvotes someone else's post (once), false takes it back."""
    post = _post(request, post_id)
    return 200, {"upvotes": services.post_upvote(user=request.user, post=post, up=payload.value)}


@router.post("/posts/{post_id}/report/", response={201: FlagIn, **refusals(403, 409)})
def report(request, post_id: RowId, payload: ReportIn):
    """Report a post to the course's staff `{reason}`; 409 `already_reported`."""
    post = _post(request, post_id)
    services.post_report(user=request.user, post=post, reason=payload.reason)
    return 201, {"value": True}


@router.put("/posts/{post_id}/hide/", response={200: FlagIn, **refusals(403)})
def hide(request, post_id: RowId, payload: FlagIn):
    """Course staff: `{"value": true}` hides the post from students, false shows it. Logged."""
    post = _post(request, post_id)
    services.post_hide(user=request.user, post=post, hidden=payload.value)
    return 200, {"value": payload.value}


@router.delete("/posts/{post_id}/", response={204: None, **refusals(403)})
def delete(request, post_id: RowId):
    """Soft delete: the author their own post, course staff any post (the opening post deletes
    the thread). Logged."""
    post = _post(request, post_id)
    services.post_delete(user=request.user, post=post)
    return 204, None
