"""Records of interactive content: raw xAPI statements and H5P results (with the saved
player state), AI-tool launches, document downloads and per-video watching."""

import uuid

from django.conf import settings
from django.db import models


class XAPIStatement(models.Model):
    """One xAPI statement posted by the H5P player, stored as received."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="xapi_statements")
    lesson = models.ForeignKey("coursepages.LessonPage", on_delete=models.CASCADE, related_name="+")
    block_id = models.CharField(max_length=64)
    statement_id = models.UUIDField(null=True, blank=True, help_text="The statement's own id, when it has one.")
    verb = models.CharField(max_length=255)
    activity_id = models.CharField(max_length=1000)
    is_child = models.BooleanField(default=False, help_text="About a sub-question, not the whole activity.")
    statement = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "xAPI statement"
        indexes = [models.Index(fields=["lesson", "block_id", "user"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "statement_id"], name="unique_xapi_statement_id_per_user")
        ]

    def __str__(self):
        return f"{self.user_id} {self.verb.rsplit('/', 1)[-1]} {self.block_id}"


class H5PAttempt(models.Model):
    """One play of an H5P block, opened by the server when it serves the player page. The
    player sends its id as every statement's `context.registration`; a statement naming an
    attempt the server never opened for that student and block is refused."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="h5p_attempts")
    lesson = models.ForeignKey("coursepages.LessonPage", on_delete=models.CASCADE, related_name="+")
    block_id = models.CharField(max_length=64)
    opened_at = models.DateTimeField(auto_now_add=True)
    scored_at = models.DateTimeField(null=True, blank=True, help_text="When its first result was recorded.")

    class Meta:
        verbose_name = "H5P attempt"
        indexes = [models.Index(fields=["user", "lesson", "block_id"])]

    def __str__(self):
        return f"{self.user_id} · H5P {self.block_id} attempt {self.pk}"


class H5PResult(models.Model):
    """A student's result on one H5P activity (lesson, block): the latest and best score
    and the player state that lets them resume."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="h5p_results")
    lesson = models.ForeignKey("coursepages.LessonPage", on_delete=models.CASCADE, related_name="+")
    block_id = models.CharField(max_length=64)
    package = models.ForeignKey(
        "coursepages.H5PPackage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score_raw = models.FloatField(null=True, blank=True)
    score_min = models.FloatField(null=True, blank=True)
    score_max = models.FloatField(null=True, blank=True)
    score_scaled = models.FloatField(null=True, blank=True)
    best_score_scaled = models.FloatField(null=True, blank=True)
    success = models.BooleanField(null=True, blank=True)
    completion = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0, help_text="Scored answers or completions received.")
    completed_at = models.DateTimeField(null=True, blank=True, help_text="When the activity counted as done.")
    state = models.TextField(blank=True, help_text="The player's saved state (a JSON string), to resume.")
    state_saved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "H5P result"
        constraints = [models.UniqueConstraint(fields=["user", "lesson", "block_id"], name="unique_h5p_result")]

    def __str__(self):
        return f"{self.user_id} · H5P {self.block_id}: {self.score_raw}/{self.score_max}"

    @property
    def score_percent(self) -> float | None:
        return None if self.score_scaled is None else round(max(0.0, min(1.0, self.score_scaled)) * 100, 2)


class AIToolSession(models.Model):
    """One launch of an embedded AI tool: the launch token (its id is this row's id), the
    session token the tool receives when it validates the launch, and the completion."""

    class Status(models.TextChoices):
        LAUNCHED = "launched", "Launched"
        ACTIVE = "active", "Validated by the tool"
        COMPLETED = "completed", "Completed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ai_tool_sessions")
    lesson = models.ForeignKey("coursepages.LessonPage", on_delete=models.CASCADE, related_name="+")
    block_id = models.CharField(max_length=64)
    tool_url = models.CharField(max_length=1000)
    permissions = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.LAUNCHED, db_index=True)
    launched_at = models.DateTimeField(auto_now_add=True)
    launch_expires_at = models.DateTimeField()
    validated_at = models.DateTimeField(null=True, blank=True)
    session_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    session_expires_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    time_spent_seconds = models.PositiveIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    activity_completed = models.BooleanField(default=False, help_text="Whether this completion met the block's rule.")

    class Meta:
        verbose_name = "AI tool session"
        indexes = [models.Index(fields=["user", "lesson", "block_id"])]

    def __str__(self):
        return f"{self.user_id} · AI tool {self.block_id} ({self.status})"


class DocumentDownload(models.Model):
    """How often a student downloaded one lesson document."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="document_downloads")
    lesson = models.ForeignKey("coursepages.LessonPage", on_delete=models.CASCADE, related_name="+")
    block_id = models.CharField(max_length=64)
    document = models.ForeignKey(
        "wagtaildocs.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    count = models.PositiveIntegerField(default=0)
    first_downloaded_at = models.DateTimeField(auto_now_add=True)
    last_downloaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lesson", "block_id"], name="unique_document_download")]

    def __str__(self):
        return f"{self.user_id} downloaded {self.block_id} ×{self.count}"


class VideoProgress(models.Model):
    """Watching of one video block: merged watched ranges and the last continuous position.

    The lesson's LessonProgress mirrors the video reported last; this row keeps each video
    of a lesson apart."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="video_progress")
    lesson = models.ForeignKey("coursepages.LessonPage", on_delete=models.CASCADE, related_name="+")
    block_id = models.CharField(max_length=64)
    duration = models.FloatField(default=0)
    position = models.FloatField(default=0)
    furthest = models.FloatField(default=0, help_text="Furthest point reached by continuous watching.")
    watched_ranges = models.JSONField(default=list, blank=True, help_text="Merged [start, end] seconds.")
    watched_percent = models.FloatField(default=0)
    last_report_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "video progress"
        constraints = [models.UniqueConstraint(fields=["user", "lesson", "block_id"], name="unique_video_progress")]

    def __str__(self):
        return f"{self.user_id} · video {self.block_id}: {self.watched_percent:.0f}%"


class LTIPlatformKey(models.Model):
    """One of the site's own RSA key pairs, with which it signs LTI 1.3 launches (id_tokens).

    The newest key not retired signs; a retired key stays published in the JWKS until every
    token it signed has expired (LTI_KEY_RETENTION_SECONDS after retirement)."""

    kid = models.CharField(max_length=64, unique=True)
    private_key_pem = models.TextField(help_text="PKCS#8 PEM; never leaves the server.")
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "LTI platform key"

    def __str__(self):
        return f"LTI key {self.kid}" + (" (retired)" if self.retired_at else "")


def _url_or_path(value: str) -> None:
    """An http(s) URL, or a path on this site ("/demotool/login/") for a tool the site serves."""
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    if value.startswith("/") and not value.startswith("//"):
        return
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError as error:
        raise ValidationError("Enter an http(s) URL or a path on this site starting with /.") from error


class LTITool(models.Model):
    """An external tool registered with this site as an LTI 1.3 platform (an admin enters
    what the tool's vendor gives them; the vendor gets this site's issuer, JWKS and endpoints)."""

    name = models.CharField(max_length=200)
    client_id = models.CharField(max_length=255, unique=True, help_text="The client id this site gives the tool.")
    deployment_id = models.CharField(max_length=255, default="1")
    login_url = models.CharField(
        max_length=1000,
        validators=[_url_or_path],
        help_text="The tool's OIDC login-initiation URL (or a path on this site, for a tool it serves).",
    )
    launch_url = models.CharField(
        max_length=1000,
        validators=[_url_or_path],
        help_text="The tool's launch (target link / redirect) URL (or a path on this site).",
    )
    jwks_url = models.URLField(max_length=1000, blank=True, help_text="The tool's JWKS URL; or paste its public key.")
    public_key_pem = models.TextField(blank=True, help_text="The tool's RSA public key (PEM), if it has no JWKS URL.")
    send_names = models.BooleanField(
        default=False, help_text="Privacy: send the student's name and email in launches (otherwise an opaque id only)."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "LTI tool"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if not (self.jwks_url or self.public_key_pem.strip()):
            raise ValidationError({"jwks_url": "Give the tool's JWKS URL or paste its public key."})
        if self.public_key_pem.strip():
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa

            try:
                key = serialization.load_pem_public_key(self.public_key_pem.strip().encode())
            except ValueError:
                key = None
            if not isinstance(key, rsa.RSAPublicKey):
                raise ValidationError({"public_key_pem": "Paste the tool's RSA public key in PEM form."})


class LTIUserId(models.Model):
    """The opaque, stable id (LTI `sub`) by which tools know a user; never the user's pk."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_id")
    sub = models.CharField(max_length=64, unique=True)

    def __str__(self):
        return self.sub


class LTIOnceToken(models.Model):
    """A value that may be used once (a client assertion's jti, a launch's nonce or state)."""

    kind = models.CharField(max_length=16)
    value = models.CharField(max_length=255)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="unique_lti_once_token")]

    def __str__(self):
        return f"{self.kind} {self.value}"


class LTIAccessToken(models.Model):
    """An AGS access token granted to a tool (client-credentials); only its hash is kept."""

    tool = models.ForeignKey(LTITool, on_delete=models.CASCADE, related_name="access_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"AGS token of {self.tool_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class LTIScore(models.Model):
    """A score a tool posted by AGS for one student and one tool block (every post is kept)."""

    tool = models.ForeignKey(LTITool, on_delete=models.CASCADE, related_name="scores")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_scores")
    lesson = models.ForeignKey("coursepages.LessonPage", on_delete=models.CASCADE, related_name="+")
    block_id = models.CharField(max_length=64)
    score_given = models.FloatField(null=True, blank=True)
    score_maximum = models.FloatField(null=True, blank=True)
    activity_progress = models.CharField(max_length=32)
    grading_progress = models.CharField(max_length=32)
    timestamp = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    activity_completed = models.BooleanField(default=False, help_text="Whether this score met the block's rule.")

    class Meta:
        indexes = [models.Index(fields=["user", "lesson", "block_id"])]

    def __str__(self):
        return f"{self.user_id} · LTI {self.block_id}: {self.score_given}/{self.score_maximum}"
