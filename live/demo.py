"""Demo data for live classes: the demo instructors' weekly hours, and one class requested by
the demo student (idempotent)."""

from datetime import time, timedelta

from django.utils import timezone

from accounts.models import User
from coursepages.models import CourseInstructor
from learners.enrollment.services import enrollment_create

from .models import LiveSession, WeeklyAvailability
from .selectors import free_slots_for

HOURS = [(day, time(9), time(12)) for day in range(5)] + [(day, time(14), time(17)) for day in (1, 3)]


def seed(*, stdout):
    teachers = list(User.objects.filter(role=User.Role.INSTRUCTOR, email__endswith="@lectern.local"))
    for teacher in teachers:
        if not WeeklyAvailability.objects.filter(teacher=teacher).exists():
            WeeklyAvailability.objects.bulk_create(
                WeeklyAvailability(teacher=teacher, weekday=d, start_time=s, end_time=e, timezone=teacher.timezone)
                for d, s, e in HOURS
            )
            stdout.write(f"live: weekly hours for {teacher.email}")
    student = User.objects.filter(email="sipho@lectern.local").first()
    link = CourseInstructor.objects.filter(user__in=teachers).select_related("page", "user").order_by("page_id").first()
    if not student or not link or LiveSession.objects.filter(student=student).exists():
        return
    enrollment_create(user=student, course=link.page)
    slots = free_slots_for(teacher=link.user, student=student, minutes=60)
    slot = next((s for s in slots if s.starts_at > timezone.now() + timedelta(days=2)), None)
    if slot:
        LiveSession.objects.create(
            course=link.page,
            teacher=link.user,
            student=student,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            topic="Going over the first section",
        )
        stdout.write(f"live: {student.email} requested a class with {link.user.email}")
