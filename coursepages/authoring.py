"""The quick authoring actions of the course editor: "Add section" on a course, "Add lesson"
on a section (and, from the course, on each of its sections), "Add another lesson" on a
lesson. Each opens Wagtail's add-page form with the right parent; nothing here bypasses
Wagtail's own checks, which the add view repeats."""

from dataclasses import dataclass

from django.urls import reverse

from .models import CoursePage, LessonPage, SectionPage
from .permissions import memo_parent


@dataclass(frozen=True)
class AuthoringAction:
    label: str
    url: str
    icon: str


def _add_url(model: type, parent) -> str:
    return reverse("wagtailadmin_pages:add", args=(model._meta.app_label, model._meta.model_name, parent.pk))


def authoring_actions(*, page, user, every_section: bool) -> list[AuthoringAction]:
    """What `user` may add from `page`. With `every_section`, a course also offers "Add lesson to
    ‘<section>’" for each of its sections, drafts included (one query)."""
    page_class = page.specific_class
    if page_class not in (CoursePage, SectionPage, LessonPage):
        return []
    if page_class is LessonPage:
        section = memo_parent(user, page)
        if not section.permissions_for_user(user).can_add_subpage():
            return []
        return [AuthoringAction("Add another lesson to this section", _add_url(LessonPage, section), "plus")]
    if not page.permissions_for_user(user).can_add_subpage():
        return []
    if page_class is SectionPage:
        return [AuthoringAction("Add lesson", _add_url(LessonPage, page), "plus")]
    actions = [AuthoringAction("Add section", _add_url(SectionPage, page), "folder-open-inverse")]
    if every_section:
        # Whoever may add a section to the course may add lessons to its sections (the course's
        # authors: coursepages.permissions).
        for section in SectionPage.objects.child_of(page).order_by("path").only("pk", "title"):
            actions.append(AuthoringAction(f"Add lesson to “{section.title}”", _add_url(LessonPage, section), "plus"))
    return actions
