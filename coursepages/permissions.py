"""Who may author which course pages in the Wagtail admin.

Wagtail's "add" permission on the catalog lets an instructor create courses and edit the
pages they own, but it covers the whole catalog subtree: on its own it would let instructor A
add a section to instructor B's course, move a lesson into it or copy pages there. Course
pages therefore use `CourseAuthoringPermissionTester`, which narrows an instructor's rights
to the courses they teach (owner or listed instructor), and lets a course's instructors edit
every page of that course. Moderators and superusers (who hold "change") are not narrowed.
"""

from django.db.models import Q
from wagtail.models import PagePermissionTester


def course_of(page):
    """The CoursePage a course, section or lesson page belongs to (None above the courses)."""
    from coursepages.models import CoursePage

    if isinstance(page, CoursePage):
        return page
    return CoursePage.objects.ancestor_of(page, inclusive=True).only("pk", "owner", "path").first()


def user_teaches(*, user, course) -> bool:
    """The user owns the course or is one of its listed instructors."""
    from coursepages.models import CourseInstructor

    if course is None or not user.is_authenticated:
        return False
    if course.owner_id == user.pk:
        return True
    return CourseInstructor.objects.filter(page_id=course.pk, user_id=user.pk).exists()


def user_is_restricted_author(*, user, page) -> bool:
    """True for instructors: users who may add pages but not change other people's pages."""
    if not user.is_active or user.is_superuser:
        return False
    tester = PagePermissionTester(user, page)
    return "change" not in tester.permissions


def taught_course_paths(user) -> list[str]:
    from coursepages.models import CoursePage

    return list(
        CoursePage.objects.filter(Q(owner=user) | Q(course_instructors__user=user))
        .values_list("path", flat=True)
        .distinct()
    )


def restrict_to_taught_courses(pages, *, user):
    """Filter an admin page queryset so that an instructor sees only the pages above the
    courses (home, catalog) and the pages of the courses they teach."""
    from coursepages.models import CourseIndexPage

    catalog = CourseIndexPage.objects.only("depth").first()
    if catalog is None or user.is_superuser:
        return pages
    if not user_is_restricted_author(user=user, page=catalog):
        return pages
    visible = Q(depth__lte=catalog.depth)
    for path in taught_course_paths(user):
        visible |= Q(path__startswith=path)
    return pages.filter(visible)


class CourseAuthoringPermissionTester(PagePermissionTester):
    """Wagtail's page permissions, narrowed to the courses an instructor teaches."""

    def __init__(self, user, page):
        super().__init__(user, page)
        self.restricted = user.is_active and not user.is_superuser and "change" not in self.permissions
        self.teaches = False
        if self.restricted:
            self.teaches = user_teaches(user=user, course=course_of(page))
            if not self.teaches:
                # Someone else's course: no rights at all here, whatever "add" on the catalog says.
                self.permissions = set()

    def can_edit(self):
        if self.restricted and self.teaches and "add" in self.permissions and not self.page_is_root:
            # Co-instructors edit every page of their course, not only the ones they created.
            return True
        return super().can_edit()


class CourseAuthoringPermissionsMixin:
    """Course, section and lesson pages answer permission questions with the narrowed tester."""

    def permissions_for_user(self, user):
        return CourseAuthoringPermissionTester(user, self)


__all__ = ["CourseAuthoringPermissionTester", "CourseAuthoringPermissionsMixin", "course_of",
           "restrict_to_taught_courses", "user_teaches"]
