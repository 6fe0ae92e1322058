"""Course discussions: who may read and write them, questions answered and pinned, upvotes,
follows and notifications (in-app, email digest with the opt-out), mentions, moderation
(report, hide, lock, soft delete, all logged), the rate limit and account deletion."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from wagtail.models import ModelLogEntry

from accounts.models import User
from accounts.privacy import user_account_delete
from discussions.models import DigestItem, Post, PostAttachment, PostReport, Thread, ThreadFollow
from discussions.selectors import thread_posts, threads_for
from discussions.services import (
    DiscussionError,
    digests_send,
    post_delete,
    post_hide,
    post_reply,
    post_report,
    post_upvote,
    report_resolve,
    thread_create,
    thread_follow,
    thread_lock,
    thread_mark_answered,
)
from learners.enrollment.services import enrollment_create
from messaging.models import Notification
from tests.factories import lessons_of, make_course, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(instructor):
    return make_course(title="Statistics", instructor=instructor, lessons=2)


@pytest.fixture
def enrolled(course, student, other_student):
    enrollment_create(user=student, course=course)
    enrollment_create(user=other_student, course=course)
    return course


def _question(student, course, **extra):
    return thread_create(
        user=student,
        course=course,
        lesson=extra.pop("lesson", lessons_of(course)[0]),
        kind=Thread.Kind.QUESTION,
        title=extra.pop("title", "What is a p-value?"),
        body=extra.pop("body", "I do not follow the **definition**."),
        **extra,
    )


def test_only_enrolled_students_and_course_staff_take_part(enrolled, student, instructor, other_instructor):
    stranger = make_user()
    with pytest.raises(DiscussionError) as exc:
        _question(stranger, enrolled)
    assert exc.value.code == "not_enrolled"
    with pytest.raises(DiscussionError):
        _question(other_instructor, enrolled)  # teaches elsewhere: not this course's staff
    thread = _question(student, enrolled)
    post_reply(user=instructor, thread=thread, body="Staff reply without enrolling.")
    assert thread.posts.count() == 2


def test_a_paid_course_not_bought_is_closed(instructor, student):
    paid = make_course(instructor=instructor, pricing="one_time", price_cents=10000, lessons=1)
    with pytest.raises(DiscussionError):
        _question(student, paid)


def test_question_answered_by_the_instructor_is_pinned_and_notified(enrolled, student, other_student, instructor):
    thread = _question(student, enrolled)
    # Teachers hear about new questions.
    assert Notification.objects.filter(user=instructor, kind="discussion_question").count() == 1
    classmate = post_reply(user=other_student, thread=thread, body="Me neither.")
    answer = post_reply(user=instructor, thread=thread, body="The chance of data this extreme under H0.")
    # The asker follows their thread, so each reply reaches them in-app.
    assert Notification.objects.filter(user=student, kind="discussion_reply").count() == 2
    thread_mark_answered(user=instructor, thread=thread, post=answer)
    thread.refresh_from_db()
    assert thread.answer_id == answer.pk and thread.is_answered
    views = thread_posts(thread=thread, user=student)
    assert [v.post.pk for v in views] == [thread.posts.first().pk, answer.pk, classmate.pk]  # pinned under the question
    assert views[1].is_answer
    assert Notification.objects.filter(user=student, kind="discussion_answer").exists()
    assert ModelLogEntry.objects.filter(action="discussions.answer_marked").exists()


def test_only_the_asker_or_staff_mark_the_answer(enrolled, student, other_student, instructor):
    thread = _question(student, enrolled)
    reply = post_reply(user=instructor, thread=thread, body="Answer")
    with pytest.raises(DiscussionError) as exc:
        thread_mark_answered(user=other_student, thread=thread, post=reply)
    assert exc.value.code == "permission_denied"
    with pytest.raises(DiscussionError) as exc:
        thread_mark_answered(user=student, thread=thread, post=thread.posts.first())  # the question itself
    assert exc.value.code == "invalid_answer"
    thread_mark_answered(user=student, thread=thread, post=reply)
    discussion = thread_create(user=student, course=enrolled, title="Chat", body="Hi all")
    with pytest.raises(DiscussionError) as exc:
        thread_mark_answered(user=student, thread=discussion, post=None)
    assert exc.value.code == "not_a_question"


def test_markdown_is_sanitised_like_lesson_markdown(client, enrolled, student):
    thread = thread_create(
        user=student,
        course=enrolled,
        title="XSS?",
        body='**bold** <script>alert(1)</script> <img src=x onerror="alert(2)"> [x](javascript:alert(3))',
    )
    client.force_login(student)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script>alert(1)" not in html and "onerror" not in html and "javascript:alert" not in html


def test_mentioning_the_instructor_notifies_them(enrolled, student, other_student, instructor):
    thread = thread_create(user=student, course=enrolled, title="Group work", body="Anyone?")
    post_reply(user=other_student, thread=thread, body="Let us ask @Ivy about it.")
    assert Notification.objects.filter(user=instructor, kind="discussion_mention").count() == 1
    post_reply(user=other_student, thread=thread, body="@instructor please look")
    assert Notification.objects.filter(user=instructor, kind="discussion_mention").count() == 2
    post_reply(user=other_student, thread=thread, body="email@Ivy.example is not a mention")
    assert Notification.objects.filter(user=instructor, kind="discussion_mention").count() == 2


def test_upvotes_count_once_and_not_for_your_own_post(enrolled, student, other_student, instructor):
    thread = _question(student, enrolled)
    first = thread.posts.get()
    assert post_upvote(user=other_student, post=first) == 1
    assert post_upvote(user=other_student, post=first) == 1
    assert post_upvote(user=instructor, post=first) == 2
    assert post_upvote(user=instructor, post=first, up=False) == 1
    with pytest.raises(DiscussionError) as exc:
        post_upvote(user=student, post=first)
    assert exc.value.code == "own_post"


def test_following_decides_who_hears_about_replies(enrolled, student, other_student, instructor):
    thread = thread_create(user=student, course=enrolled, title="Chat", body="Hi")
    thread_follow(user=other_student, thread=thread)
    thread_follow(user=student, thread=thread, follow=False)
    post_reply(user=instructor, thread=thread, body="Welcome")
    assert Notification.objects.filter(user=other_student, kind="discussion_reply").count() == 1
    assert not Notification.objects.filter(user=student, kind="discussion_reply").exists()
    assert ThreadFollow.objects.filter(thread=thread, user=instructor).exists()  # repliers follow


def test_email_digest_once_honouring_the_opt_out(
    django_capture_on_commit_callbacks, enrolled, student, other_student, instructor
):
    thread = _question(student, enrolled)
    other_student.email_opt_out = True
    other_student.save()
    thread_follow(user=other_student, thread=thread)
    post_reply(user=instructor, thread=thread, body="Here is the answer.")
    mail.outbox.clear()
    assert digests_send() == 0  # too recent: the in-app notice may be read first
    later = timezone.now() + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        # The teacher (question), the asker and the follower (reply) have items waiting.
        assert digests_send(now=later) == 3
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([instructor.email, student.email])  # the follower opted out
    body = next(m for m in mail.outbox if m.to == [student.email]).body
    assert "Here is the answer." in body and "What is a p-value?" in body
    assert digests_send(now=later) == 0 and len(mail.outbox) == 2  # claimed: never twice
    assert not DigestItem.objects.filter(sent_at__isnull=True).exists()


def test_report_and_hide_by_staff_is_logged_and_hidden_from_students(enrolled, student, other_student, instructor):
    thread = thread_create(user=student, course=enrolled, title="Chat", body="Hi")
    rude = post_reply(user=other_student, thread=thread, body="Something rude")
    report = post_report(user=student, post=rude, reason="Insulting")
    with pytest.raises(DiscussionError) as exc:
        post_report(user=student, post=rude, reason="Again")
    assert exc.value.code == "already_reported"
    with pytest.raises(DiscussionError) as exc:
        post_hide(user=student, post=rude)
    assert exc.value.code == "permission_denied"
    report_resolve(report=report, moderator=instructor, status=PostReport.Status.HIDDEN, note="Rude")
    rude.refresh_from_db()
    assert rude.is_hidden and report.resolved_at
    assert [v.post.pk for v in thread_posts(thread=thread, user=student)] == [thread.posts.first().pk]
    assert rude.pk in [v.post.pk for v in thread_posts(thread=thread, user=instructor, moderator=True)]
    actions = set(ModelLogEntry.objects.values_list("action", flat=True))
    assert {"discussions.post_hidden", "discussions.report_resolved"} <= actions


def test_locked_threads_take_no_replies_but_staff_may(enrolled, student, instructor):
    thread = thread_create(user=student, course=enrolled, title="Chat", body="Hi")
    thread_lock(user=instructor, thread=thread)
    with pytest.raises(DiscussionError) as exc:
        post_reply(user=student, thread=thread, body="More")
    assert exc.value.code == "thread_locked"
    post_reply(user=instructor, thread=thread, body="Closing note")
    assert ModelLogEntry.objects.filter(action="discussions.thread_locked").exists()


def test_soft_delete_keeps_the_row_and_deleting_the_opening_post_deletes_the_thread(
    enrolled, student, other_student, instructor
):
    thread = thread_create(user=student, course=enrolled, title="Chat", body="Hi")
    reply = post_reply(user=other_student, thread=thread, body="Reply")
    with pytest.raises(DiscussionError):
        post_delete(user=student, post=reply)  # not theirs
    post_delete(user=other_student, post=reply)
    assert Post.objects.get(pk=reply.pk).deleted_at
    post_delete(user=instructor, post=thread.posts.first())
    assert Thread.objects.get(pk=thread.pk).deleted_at
    assert not threads_for(course=enrolled).exists()
    assert ModelLogEntry.objects.filter(action="discussions.post_deleted").count() == 2


def test_rate_limit_per_user(settings, enrolled, student, other_student):
    settings.DISCUSSIONS_POST_RATE = "2/m"
    thread = thread_create(user=student, course=enrolled, title="Chat", body="Hi")
    post_reply(user=student, thread=thread, body="Two")
    with pytest.raises(DiscussionError) as exc:
        post_reply(user=student, thread=thread, body="Three")
    assert exc.value.code == "rate_limited"
    post_reply(user=other_student, thread=thread, body="Others are counted apart")


def test_bad_input_is_refused_with_a_reason(enrolled, student, instructor):
    other_course = make_course(instructor=instructor, lessons=1)
    cases = [
        ({"title": " ", "body": "x"}, "title_required"),
        ({"title": "t", "body": "  "}, "empty_post"),
        ({"title": "t", "body": "x", "kind": "poll"}, "invalid_kind"),
        ({"title": "t", "body": "x", "lesson": lessons_of(other_course)[0]}, "invalid_lesson"),
        ({"title": "t", "body": "x" * 20_001}, "too_long"),
    ]
    for fields, code in cases:
        with pytest.raises(DiscussionError) as exc:
            thread_create(user=student, course=enrolled, **fields)
        assert exc.value.code == code
    assert not Thread.objects.exists()


def test_account_deletion_removes_the_text_and_keeps_the_thread(enrolled, student, other_student):
    thread = thread_create(
        user=student,
        course=enrolled,
        title="Chat",
        body="My phone number is 082 555 0000",
        files=[SimpleUploadedFile("notes.txt", b"private notes")],
    )
    post_reply(user=other_student, thread=thread, body="Reply stays")
    user_account_delete(user=student)
    opening = thread.posts.order_by("id").first()
    assert opening.body == "" and opening.deleted_at
    assert not PostAttachment.objects.exists()
    assert Thread.objects.get(pk=thread.pk).deleted_at is None
    assert thread.posts.last().body == "Reply stays"
    assert not ThreadFollow.objects.filter(user=student).exists()


# Pages --------------------------------------------------------------------------------------


def test_lesson_page_lists_its_threads_and_asking_there_creates_a_lesson_thread(client, enrolled, student):
    lesson = lessons_of(enrolled)[0]
    client.force_login(student)
    page = client.get(lesson.url).content.decode()
    assert "Questions and discussion on this lesson" in page and "No threads on this lesson yet." in page
    response = client.post(
        f"/discussions/course/{enrolled.pk}/",
        {"kind": "question", "title": "Lesson question", "body": "Why?", "lesson": lesson.pk, "next": lesson.url},
    )
    thread = Thread.objects.get()
    assert response.status_code == 302 and response.url == thread.get_absolute_url()
    assert thread.lesson_id == lesson.pk and thread.kind == "question"
    assert "Lesson question" in client.get(lesson.url).content.decode()
    assert "Lesson question" not in client.get(lessons_of(enrolled)[1].url).content.decode()


def test_strangers_see_no_discussion_and_get_403(client, enrolled, student):
    thread = _question(student, enrolled)
    stranger = make_user()
    client.force_login(stranger)
    assert client.get(f"/discussions/course/{enrolled.pk}/").status_code == 403
    assert client.get(thread.get_absolute_url()).status_code == 403
    lesson = lessons_of(enrolled)[0]
    lesson.free_preview = True
    lesson.save_revision().publish()
    assert "Questions and discussion" not in client.get(lesson.url).content.decode()


def test_thread_page_reply_answer_and_attachment(client, enrolled, student, instructor):
    thread = _question(student, enrolled)
    client.force_login(instructor)
    response = client.post(
        thread.get_absolute_url(),
        {"body": "See the attached table.", "files": [SimpleUploadedFile("table.csv", b"a,b\n1,2\n")]},
    )
    reply = Post.objects.last()
    assert response.status_code == 302 and response.url.endswith(f"#post-{reply.pk}")
    client.post(f"/discussions/post/{reply.pk}/action/", {"action": "answer"})
    thread.refresh_from_db()
    assert thread.answer_id == reply.pk
    client.force_login(student)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "Accepted answer" in html and "table.csv" in html
    attachment = reply.attachments.get()
    download = client.get(attachment.get_absolute_url())
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"a,b\n1,2\n"
    client.force_login(make_user())
    assert client.get(attachment.get_absolute_url()).status_code == 403


def test_report_queue_in_the_wagtail_admin_hides_the_post(client, enrolled, student, other_student, admin_user):
    thread = thread_create(user=student, course=enrolled, title="Chat", body="Hi")
    rude = post_reply(user=other_student, thread=thread, body="Something rude")
    report = post_report(user=student, post=rude, reason="Insulting")
    client.force_login(admin_user)
    listing = client.get("/admin/discussion_reports/").content.decode()
    assert "Insulting" in listing and "Something rude" in listing
    response = client.post(
        f"/admin/discussion_reports/edit/{report.pk}/", {"status": "hidden", "moderator_note": "Rude"}
    )
    assert response.status_code == 302
    rude.refresh_from_db()
    assert rude.is_hidden


def test_an_instructor_sees_only_their_courses_reports(client, enrolled, student, other_student, other_instructor):
    thread = thread_create(user=student, course=enrolled, title="Chat", body="Hi")
    post_report(user=student, post=post_reply(user=other_student, thread=thread, body="Rude"), reason="Insulting")
    client.force_login(other_instructor)
    assert "Insulting" not in client.get("/admin/discussion_reports/").content.decode()


def test_a_student_cannot_open_the_report_queue(client, enrolled, student):
    client.force_login(student)
    assert client.get("/admin/discussion_reports/").status_code in (302, 403)


def test_role_admin_counts_as_moderator(enrolled, student):
    moderator = make_user(role=User.Role.ADMIN)
    thread = thread_create(user=student, course=enrolled, title="Chat", body="Hi")
    post_hide(user=moderator, post=thread.posts.get())
