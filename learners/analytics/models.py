"""Nightly roll-ups behind the analytics dashboards: charts read these small tables instead
of scanning enrollments, progress and payments on every view."""

from django.db import models


class DailySiteStats(models.Model):
    """Platform totals for one day."""

    date = models.DateField(unique=True)
    new_users = models.PositiveIntegerField(default=0)
    active_learners = models.PositiveIntegerField(default=0)
    enrollments = models.PositiveIntegerField(default=0)
    completions = models.PositiveIntegerField(default=0)
    revenue_cents = models.BigIntegerField(default=0)
    vat_cents = models.BigIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name_plural = "daily site stats"

    def __str__(self):
        return f"site stats {self.date}"


class DailyCourseStats(models.Model):
    """One course's numbers for one day."""

    date = models.DateField()
    course = models.ForeignKey("coursepages.CoursePage", on_delete=models.CASCADE, related_name="+")
    enrollments = models.PositiveIntegerField(default=0)
    completions = models.PositiveIntegerField(default=0)
    active_learners = models.PositiveIntegerField(default=0)
    revenue_cents = models.BigIntegerField(default=0)
    vat_cents = models.BigIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name_plural = "daily course stats"
        constraints = [models.UniqueConstraint(fields=["date", "course"], name="unique_daily_course_stats")]

    def __str__(self):
        return f"course {self.course_id} stats {self.date}"


class LessonFunnel(models.Model):
    """How many of a course's students have completed each lesson (as of the last roll-up)."""

    course = models.ForeignKey("coursepages.CoursePage", on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey("coursepages.LessonPage", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    started = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["course", "position"]
        constraints = [models.UniqueConstraint(fields=["course", "lesson"], name="unique_lesson_funnel")]

    def __str__(self):
        return f"funnel {self.lesson_id}: {self.completed}"
