"""Reads of discussions: a course's (or a lesson's) threads, and one thread's posts with their
upvotes, the reader's own upvotes, attachments and the accepted answer first."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from .models import Post, PostUpvote, Thread, ThreadFollow


def threads_for(*, course, lesson=None, moderator: bool = False, kind: str | None = None, q: str = ""):
    """Threads of the course (or of one lesson), latest activity first, with reply counts.
    Students never see hidden or deleted threads; staff see hidden ones."""
    qs = Thread.objects.filter(course=course, deleted_at__isnull=True)
    if lesson is not None:
        qs = qs.filter(lesson=lesson)
    if not moderator:
        qs = qs.filter(is_hidden=False)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(posts__body__icontains=q, posts__deleted_at__isnull=True)).distinct()
    return (
        qs.select_related("author", "lesson")
        .annotate(post_count=Count("posts", filter=Q(posts__deleted_at__isnull=True, posts__is_hidden=False)))
        .order_by("-last_activity_at", "-id")
    )


@dataclass
class PostView:
    post: Post
    upvotes: int
    upvoted: bool
    is_opening: bool
    is_answer: bool


def thread_posts(*, thread: Thread, user, moderator: bool = False) -> list[PostView]:
    """The thread's posts in order, the accepted answer moved up right after the opening post.
    Hidden posts are left out for students (staff see them, marked); a deleted post stays as a
    placeholder so the conversation keeps its shape."""
    mine = PostUpvote.objects.filter(post=OuterRef("pk"), user_id=user.pk)
    posts = list(
        thread.posts.select_related("author")
        .prefetch_related("attachments")
        .annotate(upvote_count=Count("upvotes"), upvoted=Exists(mine))
        .order_by("id")
    )
    views = []
    for index, post in enumerate(posts):
        if post.is_hidden and not moderator:
            continue
        views.append(
            PostView(
                post=post,
                upvotes=post.upvote_count,
                upvoted=post.upvoted,
                is_opening=index == 0,
                is_answer=post.pk == thread.answer_id,
            )
        )
    answer = [v for v in views if v.is_answer]
    rest = [v for v in views if not v.is_answer]
    return rest[:1] + answer + rest[1:]


def is_following(*, thread: Thread, user) -> bool:
    return user.is_authenticated and ThreadFollow.objects.filter(thread=thread, user=user).exists()
