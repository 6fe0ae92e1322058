"""The custom User: email is the login; role mirrors the Instructors/Moderators groups."""

import zoneinfo

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models

from core.prepared import Prepared, concrete_attnames


def timezone_choices():
    zones = sorted(tz for tz in zoneinfo.available_timezones() if "/" in tz and not tz.startswith(("Etc/", "SystemV/")))
    return [(tz, tz.replace("_", " ")) for tz in zones] + [("UTC", "UTC")]


def validate_timezone(value):
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"“{value}” is not a known time zone.") from exc


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get(self, *args, **kwargs):
        """`User.objects.get(pk=<int>)`, which every signed-in request makes (Django's auth loads
        the session's user so), through a read compiled once per process (core/prepared.py);
        any other lookup as Django does it."""
        if not args and len(kwargs) == 1 and type(kwargs.get("pk")) is int and self._db is None:
            found = _user_by_pk.instances(kwargs["pk"])
            if not found:
                raise self.model.DoesNotExist(f"{self.model._meta.object_name} matching query does not exist.")
            return found[0]
        return super().get(*args, **kwargs)

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("role", User.Role.ADMIN)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with their email: a student, an instructor or an admin."""

    class Role(models.TextChoices):
        STUDENT = "student", "Student"
        INSTRUCTOR = "instructor", "Instructor"
        ADMIN = "admin", "Admin"

    username = None
    email = models.EmailField("email address", unique=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.STUDENT, db_index=True)
    timezone = models.CharField(max_length=64, default="Africa/Johannesburg", validators=[validate_timezone])
    bio = models.TextField(blank=True)
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    email_opt_out = models.BooleanField(
        "no non-essential email", default=False, help_text="Receipts and security mail are still sent."
    )
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.get_full_name() or self.email

    @property
    def display_name(self):
        return self.get_full_name() or self.email.split("@")[0]

    # Templates read these; the policy itself is accounts.permissions (one definition).
    @property
    def is_platform_admin(self) -> bool:
        from accounts.permissions import is_platform_admin

        return is_platform_admin(self)

    @property
    def is_teaching_staff(self) -> bool:
        from accounts.permissions import is_teaching_staff

        return is_teaching_staff(self)

    @property
    def tzinfo(self):
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")


class RefreshToken(models.Model):
    """A refresh token issued to the API. Each use rotates it; presenting a used one again
    means it leaked, so its whole family is revoked."""

    jti = models.CharField(max_length=64, unique=True)
    family = models.CharField(max_length=64, db_index=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"refresh {self.jti[:8]}… for {self.user_id}"


_user_by_pk = Prepared(
    User, lambda pk: User._base_manager.filter(pk=pk).order_by().values_list(*concrete_attnames(User)), arity=1
)
