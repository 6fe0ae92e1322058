"""Wagtail finds an app's `wagtail_hooks` module only at the app's top: this one loads those of
the learning area's parts (assessments: grading; analytics: dashboards and records;
interactive: the H5P package snippet and the private-documents rule; enrollment: review
moderation)."""

from learners.analytics import wagtail_hooks as analytics_hooks  # noqa: F401
from learners.assessments import wagtail_hooks as assessments_hooks  # noqa: F401
from learners.enrollment import wagtail_hooks as enrollment_hooks  # noqa: F401
from learners.interactive import wagtail_hooks as interactive_hooks  # noqa: F401
