"""Course discussions: threads (per course, optionally per lesson), posts, attachments,
upvotes, follows, reports and the queue of posts an email digest will mention."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from core.storage import private_storage


class Thread(models.Model):
    """A discussion or a question in a course, optionally about one lesson. Its opening text is
    its first Post, so upvotes, reports and moderation treat every post alike."""

    class Kind(models.TextChoices):
        DISCUSSION = "discussion", "Discussion"
        QUESTION = "question", "Question"

    course = models.ForeignKey("coursepages.CoursePage", on_delete=models.CASCADE, related_name="threads")
    lesson = models.ForeignKey(
        "coursepages.LessonPage", on_delete=models.SET_NULL, null=True, blank=True, related_name="threads"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="threads")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DISCUSSION)
    title = models.CharField(max_length=200)
    answer = models.ForeignKey(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="The accepted answer."
    )
    is_locked = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        indexes = [models.Index(fields=["course", "lesson", "-last_activity_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("discussions:thread", args=[self.pk])

    @property
    def is_question(self) -> bool:
        return self.kind == self.Kind.QUESTION

    @property
    def is_answered(self) -> bool:
        return self.answer_id is not None


class Post(models.Model):
    """One post of a thread (the first is the thread's opening). `body` is Markdown, shown
    through the lesson Markdown sanitiser."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="discussion_posts")
    body = models.TextField()
    is_hidden = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.author}: {self.body[:40]}"

    def get_absolute_url(self):
        return f"{self.thread.get_absolute_url()}#post-{self.pk}"

    @property
    def is_visible(self) -> bool:
        return not self.is_hidden and self.deleted_at is None


class PostAttachment(models.Model):
    """A file posted with a post: private storage, served only to those who may read the course's
    discussions."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=private_storage, upload_to="discussions/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("discussions:attachment", args=[self.pk])


class PostUpvote(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="upvotes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="unique_post_upvote")]

    def __str__(self):
        return f"{self.user} ▲ post {self.post_id}"


class ThreadFollow(models.Model):
    """The user hears about new posts in the thread (authors and repliers follow automatically)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="thread_follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="unique_thread_follow")]

    def __str__(self):
        return f"{self.user} follows thread {self.thread_id}"


class PostReport(models.Model):
    """A reader flags a post for the course staff and moderators. Deciding it as "hidden" or
    "deleted" hides or deletes the post (discussions.services.report_resolve)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        HIDDEN = "hidden", "Post hidden"
        DELETED = "deleted", "Post deleted"
        DISMISSED = "dismissed", "Dismissed"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    moderator_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["post", "reporter"], name="unique_post_report")]

    def __str__(self):
        return f"Report on post {self.post_id} by {self.reporter}"


class DigestItem(models.Model):
    """A post the user was told about in-app, waiting for their next email digest. Claimed
    (`sent_at`) before the mail goes, so a second run of the digest sends nothing twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20)  # reply, answer, mention
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="unique_digest_item")]

    def __str__(self):
        return f"Digest of post {self.post_id} for {self.user}"
