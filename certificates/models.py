"""Certificate templates (how a certificate looks) and certificates (what was issued to whom).

A certificate keeps a snapshot of everything printed on it, so renaming a course or a
student later never rewrites a certificate that was already issued."""

import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from wagtail.admin.panels import FieldPanel, MultiFieldPanel

from core.storage import private_storage

from .codes import format_code

PLACEHOLDERS = ("student_name", "course_title", "completion_date", "hours", "code")

DEFAULT_BODY = (
    "This certifies that {student_name} completed {course_title} on {completion_date}, "
    "about {hours} hours of study. Verification code {code}."
)

validate_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #1d4ed8.")


def validate_body_placeholders(value: str):
    """The body may use only the known placeholders, written exactly as {name}."""
    try:
        parts = list(string.Formatter().parse(value))
    except ValueError as exc:
        raise ValidationError(
            "Unbalanced braces: write placeholders as {student_name}, and a literal brace as {{ or }}."
        ) from exc
    unknown = sorted(
        {
            field
            for _text, field, spec, conversion in parts
            if field is not None and (field not in PLACEHOLDERS or spec or conversion)
        }
    )
    if unknown:
        listed = ", ".join("{" + name + "}" for name in unknown)
        allowed = " ".join("{" + name + "}" for name in PLACEHOLDERS)
        plural = "s" if len(unknown) > 1 else ""
        raise ValidationError(f"Unknown placeholder{plural}: {listed}. Use only {allowed}.")


class CertificateTemplate(models.Model):
    """How a certificate looks: logo, signature, signer, colours and the wording."""

    name = models.CharField(max_length=100)
    is_default = models.BooleanField(default=False, help_text="Used by courses that choose no template.")
    logo = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    signature_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signer_name = models.CharField(max_length=100, blank=True)
    signer_title = models.CharField(max_length=100, blank=True)
    primary_colour = models.CharField(max_length=7, default="#1d4ed8", validators=[validate_colour])
    accent_colour = models.CharField(max_length=7, default="#f59e0b", validators=[validate_colour])
    heading = models.CharField(max_length=100, default="Certificate of Completion")
    body = models.TextField(
        default=DEFAULT_BODY,
        validators=[validate_body_placeholders],
        help_text="Placeholders: {student_name} {course_title} {completion_date} {hours} {code}",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("is_default"),
        MultiFieldPanel([FieldPanel("logo"), FieldPanel("primary_colour"), FieldPanel("accent_colour")], "Look"),
        MultiFieldPanel([FieldPanel("heading"), FieldPanel("body")], "Wording"),
        MultiFieldPanel(
            [FieldPanel("signature_image"), FieldPanel("signer_name"), FieldPanel("signer_title")], "Signer"
        ),
    ]

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="one_default_certificate_template",
                violation_error_message="Another template is already the site default: untick it there first.",
            )
        ]

    def __str__(self):
        return f"{self.name} (default)" if self.is_default else self.name

    @classmethod
    def for_course(cls, course) -> "CertificateTemplate":
        """The course's own template, else the site default, else the built-in look."""
        if course is not None and course.certificate_template_id:
            template = cls.objects.filter(pk=course.certificate_template_id).first()
            if template:
                return template
        return cls.objects.filter(is_default=True).first() or cls(name="Built-in")


class Certificate(models.Model):
    """A certificate issued for one completed enrollment, with what was true at issue time."""

    code = models.CharField(
        max_length=32, unique=True, editable=False, help_text="Verification code, stored without dashes."
    )
    enrollment = models.ForeignKey(
        "learners.Enrollment", null=True, blank=True, on_delete=models.SET_NULL, related_name="certificates"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates")
    course = models.ForeignKey(
        "coursepages.CoursePage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    template = models.ForeignKey(
        CertificateTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="certificates"
    )
    # The snapshot: the text printed on the certificate.
    student_name = models.CharField(max_length=300)
    course_title = models.CharField(max_length=300)
    hours = models.DecimalField(max_digits=6, decimal_places=1)
    completed_on = models.DateField()
    design = models.JSONField(
        default=dict, blank=True, help_text="The template's fields (wording, signer, colours, images) at issue time."
    )

    issued_at = models.DateTimeField(auto_now_add=True, db_index=True)
    pdf = models.FileField(upload_to="certificates/%Y/%m/", storage=private_storage, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    revoked_reason = models.TextField(blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaced_by",
        help_text="The certificate this one was reissued for.",
    )

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            # Exactly one valid certificate per enrollment: the issue task's get-or-create and a
            # concurrent twin both end on this index. A reissue revokes the old row first.
            models.UniqueConstraint(
                fields=["enrollment"], condition=Q(revoked_at__isnull=True), name="one_valid_certificate_per_enrollment"
            )
        ]

    def __str__(self):
        return f"{self.course_title} — {self.student_name} ({self.display_code})"

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def status(self) -> str:
        return "revoked" if self.is_revoked else "valid"

    def get_download_url(self) -> str:
        return reverse("certificates:download", args=[self.pk])

    def get_verify_url(self) -> str:
        return reverse("certificates:verify_code", args=[self.display_code])
