"""Every state change of discussions: start a thread, reply, accept an answer, upvote, follow,
report, moderate (hide, lock, delete: soft and logged), notify and send the email digest."""

from datetime import timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from core.errors import DomainError
from core.notify import notify
from core.ratelimit import rate_hit
from coursepages.models import CourseInstructor, CoursePage, LessonPage

from .markdown import mentioned_handles
from .models import DigestItem, Post, PostAttachment, PostReport, PostUpvote, Thread, ThreadFollow
from .permissions import discussion_access_for, may_moderate, may_participate

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_FILES = 5


class DiscussionError(DomainError):
    """A refused discussion action; `code` is the API's machine code."""


def _require_participant(*, user, course: CoursePage):
    access = discussion_access_for(user=user, course=course)
    if not may_participate(access):
        raise DiscussionError(
            "Only the course's enrolled students and its staff take part in its discussions.", "not_enrolled"
        )
    return access


def _require_moderator(*, user, course: CoursePage):
    access = discussion_access_for(user=user, course=course)
    if not may_moderate(access):
        raise DiscussionError("Only the course's staff and moderators moderate its discussions.", "permission_denied")
    return access


def _rate_limit(user) -> None:
    wait = rate_hit(scope="discussions-post", key=str(user.pk), rate=settings.DISCUSSIONS_POST_RATE)
    if wait:
        raise DiscussionError(f"You are posting too quickly: try again in {wait} seconds.", "rate_limited")


def _check_body(body: str, files) -> str:
    body = (body or "").strip()
    if not body:
        raise DiscussionError("Write something first.", "empty_post")
    if len(body) > MAX_BODY:
        raise DiscussionError(f"A post can be at most {MAX_BODY} characters.", "too_long")
    if len(files) > MAX_FILES:
        raise DiscussionError(f"Attach at most {MAX_FILES} files to a post.", "too_many_files")
    limit = settings.MESSAGING_ATTACHMENT_MAX_BYTES
    for f in files:
        if f.size > limit:
            raise DiscussionError(f"“{f.name}” is larger than {limit // (1024 * 1024)} MB.", "file_too_large")
        if not f.size:
            raise DiscussionError(f"“{f.name}” is empty.", "empty_file")
    return body


def course_teachers(course: CoursePage) -> list:
    """The course's owner and listed instructors: who "@instructor" reaches."""
    from accounts.models import User

    ids = set(CourseInstructor.objects.filter(page=course).values_list("user_id", flat=True))
    if course.owner_id:
        ids.add(course.owner_id)
    return list(User.objects.filter(pk__in=ids, is_active=True))


def _mentioned_teachers(course: CoursePage, body: str) -> list:
    handles = mentioned_handles(body)
    if not handles:
        return []
    teachers = course_teachers(course)
    if handles & {"instructor", "instructors", "teacher", "teachers"}:
        return teachers
    found = []
    for teacher in teachers:
        names = {
            (teacher.first_name or "").lower(),
            (teacher.first_name + teacher.last_name).lower(),
            teacher.email.split("@")[0].lower(),
        } - {""}
        if names & handles:
            found.append(teacher)
    return found


def _save_post(*, thread: Thread, author, body: str, files) -> Post:
    post = Post.objects.create(thread=thread, author=author, body=body)
    for f in files:
        name = PurePosixPath(f.name).name[:200] or "file"
        PostAttachment.objects.create(post=post, file=f, original_name=name, size=f.size)
    return post


def _tell(*, recipients: dict, post: Post, title: str, kind: str) -> None:
    """An in-app notification for each recipient (user → reason) and a place in their next
    email digest."""
    for user, reason in recipients.items():
        notify(
            user=user,
            kind=kind if reason != "mention" else "discussion_mention",
            title=title,
            body=post.body[:200],
            url=post.get_absolute_url(),
        )
        DigestItem.objects.get_or_create(user=user, post=post, defaults={"reason": reason})


def thread_create(
    *,
    user,
    course: CoursePage,
    title: str,
    body: str,
    kind: str = Thread.Kind.DISCUSSION,
    lesson: LessonPage | None = None,
    files=(),
) -> Thread:
    """A participant opens a discussion or asks a question in a course (about one of its
    lessons, optionally). The course's teachers hear about questions and mentions."""
    _require_participant(user=user, course=course)
    title = " ".join((title or "").split())
    if not title:
        raise DiscussionError("Give your thread a title.", "title_required")
    if len(title) > MAX_TITLE:
        raise DiscussionError(f"A title can be at most {MAX_TITLE} characters.", "too_long")
    if kind not in Thread.Kind.values:
        raise DiscussionError("Choose a discussion or a question.", "invalid_kind")
    if lesson is not None and not lesson.path.startswith(course.path):
        raise DiscussionError("That lesson is not part of this course.", "invalid_lesson")
    files = list(files or ())
    body = _check_body(body, files)
    _rate_limit(user)
    with transaction.atomic():
        thread = Thread.objects.create(course=course, lesson=lesson, author=user, kind=kind, title=title)
        post = _save_post(thread=thread, author=user, body=body, files=files)
        ThreadFollow.objects.create(thread=thread, user=user)
        recipients = {t: "mention" for t in _mentioned_teachers(course, body) if t.pk != user.pk}
        if kind == Thread.Kind.QUESTION:
            for teacher in course_teachers(course):
                if teacher.pk != user.pk:
                    recipients.setdefault(teacher, "question")
        _tell(
            recipients=recipients,
            post=post,
            kind="discussion_question",
            title=f"{user.display_name} asked in {course.title}: {title}",
        )
    return thread


def post_reply(*, user, thread: Thread, body: str, files=()) -> Post:
    """Reply in a thread; its followers (and mentioned teachers) are told. The replier follows it."""
    access = _require_participant(user=user, course=thread.course)
    if thread.deleted_at or (thread.is_hidden and not may_moderate(access)):
        raise DiscussionError("This thread is not there any more.", "not_found")
    if thread.is_locked and not may_moderate(access):
        raise DiscussionError("This thread is locked: no more replies.", "thread_locked")
    files = list(files or ())
    body = _check_body(body, files)
    _rate_limit(user)
    with transaction.atomic():
        post = _save_post(thread=thread, author=user, body=body, files=files)
        Thread.objects.filter(pk=thread.pk).update(last_activity_at=post.created_at)
        ThreadFollow.objects.get_or_create(thread=thread, user=user)
        recipients = {t: "mention" for t in _mentioned_teachers(thread.course, body) if t.pk != user.pk}
        for follow in thread.follows.select_related("user").exclude(user=user):
            if follow.user.is_active:
                recipients.setdefault(follow.user, "reply")
        _tell(
            recipients=recipients,
            post=post,
            kind="discussion_reply",
            title=f"{user.display_name} replied in “{thread.title}”",
        )
    return post


def thread_mark_answered(*, user, thread: Thread, post: Post | None) -> Thread:
    """The asker or the course's staff accept a reply as the answer (pinned at the top), or
    clear it (`post=None`). The answer's author and the asker are told."""
    access = discussion_access_for(user=user, course=thread.course)
    if not (may_moderate(access) or (thread.author_id == user.pk and may_participate(access))):
        raise DiscussionError("Only the asker and the course's staff mark the answer.", "permission_denied")
    if not thread.is_question:
        raise DiscussionError("Only questions have an answer.", "not_a_question")
    if post is not None:
        first_id = thread.posts.order_by("id").values_list("id", flat=True).first()
        if post.thread_id != thread.pk or post.pk == first_id or not post.is_visible:
            raise DiscussionError("Choose a visible reply of this thread.", "invalid_answer")
    with transaction.atomic():
        thread.answer = post
        thread.save(update_fields=["answer"])
        log(instance=thread, action="discussions.answer_marked", user=user, data={"post_id": post.pk if post else None})
        if post is not None:
            recipients = {}
            for person in (post.author, thread.author):
                if person.pk != user.pk and person.is_active:
                    recipients[person] = "answer"
            _tell(
                recipients=recipients,
                post=post,
                kind="discussion_answer",
                title=f"An answer was accepted in “{thread.title}”",
            )
    return thread


def post_upvote(*, user, post: Post, up: bool = True) -> int:
    """Upvote (or take back the upvote of) someone else's post; returns its upvote count."""
    _require_participant(user=user, course=post.thread.course)
    if post.author_id == user.pk:
        raise DiscussionError("You cannot upvote your own post.", "own_post")
    if not post.is_visible:
        raise DiscussionError("This post is not there any more.", "not_found")
    if up:
        try:
            with transaction.atomic():
                PostUpvote.objects.create(post=post, user=user)
        except IntegrityError:
            pass  # already upvoted: twice is once
    else:
        PostUpvote.objects.filter(post=post, user=user).delete()
    return PostUpvote.objects.filter(post=post).count()


def thread_follow(*, user, thread: Thread, follow: bool = True) -> bool:
    _require_participant(user=user, course=thread.course)
    if follow:
        ThreadFollow.objects.get_or_create(thread=thread, user=user)
    else:
        ThreadFollow.objects.filter(thread=thread, user=user).delete()
    return follow


def post_report(*, user, post: Post, reason: str) -> PostReport:
    _require_participant(user=user, course=post.thread.course)
    if post.author_id == user.pk:
        raise DiscussionError("You cannot report your own post.", "own_post")
    reason = (reason or "").strip()
    if not reason:
        raise DiscussionError("Say what is wrong with this post.", "reason_required")
    try:
        with transaction.atomic():
            report = PostReport.objects.create(post=post, reporter=user, reason=reason[:2000])
    except IntegrityError:
        raise DiscussionError("You have already reported this post.", "already_reported") from None
    return report


def post_hide(*, user, post: Post, hidden: bool = True) -> Post:
    """Course staff hide a post from students (or show it again); logged."""
    _require_moderator(user=user, course=post.thread.course)
    with transaction.atomic():
        post.is_hidden = hidden
        post.save(update_fields=["is_hidden"])
        if hidden and post.thread.answer_id == post.pk:
            Thread.objects.filter(pk=post.thread_id).update(answer=None)
        log(
            instance=post,
            action="discussions.post_hidden" if hidden else "discussions.post_shown",
            user=user,
            data={"thread_id": post.thread_id},
        )
    return post


def thread_lock(*, user, thread: Thread, locked: bool = True) -> Thread:
    _require_moderator(user=user, course=thread.course)
    with transaction.atomic():
        thread.is_locked = locked
        thread.save(update_fields=["is_locked"])
        log(instance=thread, action="discussions.thread_locked" if locked else "discussions.thread_unlocked", user=user)
    return thread


def post_delete(*, user, post: Post) -> Post:
    """Soft delete: the author removes their own post, or the course's staff remove any post.
    Deleting a thread's opening post deletes the thread. Logged; the row stays for the audit."""
    access = discussion_access_for(user=user, course=post.thread.course)
    if not (may_moderate(access) or (post.author_id == user.pk and may_participate(access))):
        raise DiscussionError("You can delete your own posts.", "permission_denied")
    if post.deleted_at:
        return post
    now = timezone.now()
    with transaction.atomic():
        post.deleted_at = now
        post.save(update_fields=["deleted_at"])
        thread = post.thread
        if thread.posts.order_by("id").values_list("id", flat=True).first() == post.pk:
            Thread.objects.filter(pk=thread.pk).update(deleted_at=now)
        if thread.answer_id == post.pk:
            Thread.objects.filter(pk=thread.pk).update(answer=None)
        log(
            instance=post,
            action="discussions.post_deleted",
            user=user,
            data={"thread_id": thread.pk, "by_author": post.author_id == user.pk},
        )
    return post


def report_resolve(*, report: PostReport, moderator, status: str, note: str = "") -> PostReport:
    """Decide a report: "hidden" hides the post, "deleted" deletes it, "dismissed" leaves it."""
    if status not in PostReport.Status.values:
        raise DiscussionError("Choose a decision.", "invalid")
    with transaction.atomic():
        if status == PostReport.Status.HIDDEN:
            post_hide(user=moderator, post=report.post, hidden=True)
        elif status == PostReport.Status.DELETED:
            post_delete(user=moderator, post=report.post)
        else:
            _require_moderator(user=moderator, course=report.post.thread.course)
        report.status = status
        report.moderator_note = note
        report.resolved_at = timezone.now() if status != PostReport.Status.OPEN else None
        report.save(update_fields=["status", "moderator_note", "resolved_at"])
        # Everyone who reported the same post has their report decided too.
        if status != PostReport.Status.OPEN:
            PostReport.objects.filter(post=report.post, status=PostReport.Status.OPEN).update(
                status=status, resolved_at=report.resolved_at
            )
        log(instance=report, action="discussions.report_resolved", user=moderator, data={"status": status})
    return report


def digests_send(*, now=None) -> int:
    """Email each user one digest of the discussion posts they were told about in-app at least
    DISCUSSIONS_DIGEST_DELAY_MINUTES ago. Items are claimed before the mail goes (a second run
    sends nothing twice); notify() leaves out users who opted out of non-essential mail."""
    from accounts.models import User

    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.DISCUSSIONS_DIGEST_DELAY_MINUTES)
    pending = DigestItem.objects.filter(sent_at__isnull=True, created_at__lte=cutoff)
    sent = 0
    for user in User.objects.filter(pk__in=pending.values("user_id").distinct()):
        with transaction.atomic():
            items = list(
                pending.filter(user=user)
                .select_for_update(of=("self",))
                .select_related("post__thread__course", "post__author")
                .order_by("id")
            )
            DigestItem.objects.filter(pk__in=[i.pk for i in items], sent_at__isnull=True).update(sent_at=now)
            visible = [i for i in items if i.post.is_visible and not i.post.thread.deleted_at]
            if not visible or not user.is_active:
                continue
            notify(
                user=user,
                kind="discussion_digest",
                title="New in your course discussions",
                in_app=False,
                email_template="discussions/digest",
                context={
                    "count": len(visible),
                    "posts": [
                        {
                            "thread": i.post.thread.title,
                            "course": i.post.thread.course.title,
                            "author": i.post.author.display_name,
                            "reason": i.reason,
                            "excerpt": i.post.body[:160],
                            "url": i.post.get_absolute_url(),
                        }
                        for i in visible
                    ],
                },
            )
            sent += 1
    return sent


def discussions_account_delete(*, user) -> None:
    """ACCOUNT_DELETION_HOOKS: the account is anonymised in place ("Deleted user"); its posts
    stay in their threads, so classmates' replies keep their context, but their text and
    attachments are removed, and its follows, upvotes and digest items go."""
    now = timezone.now()
    posts = Post.objects.filter(author=user)
    for attachment in PostAttachment.objects.filter(post__in=posts):
        attachment.file.delete(save=False)
        attachment.delete()
    posts.update(body="", deleted_at=now)
    ThreadFollow.objects.filter(user=user).delete()
    PostUpvote.objects.filter(user=user).delete()
    DigestItem.objects.filter(user=user).delete()
