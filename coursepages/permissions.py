"""Who is staff of which course, and who may author which course pages in the Wagtail admin.

Course staff (`user_is_course_staff`, `courses_staffed_by`): platform admins and moderators
for every course; otherwise the course's owner and, unless they are only a student, its listed
instructors. Staff see every lesson, grade, read the students' progress and enroll for free.


Wagtail's "add" permission on the catalog lets an instructor create courses and edit the
pages they own, but it covers the whole catalog subtree: on its own it would let instructor A
add a section to instructor B's course, move a lesson into it or copy pages there. Course
pages therefore use `CourseAuthoringPermissionTester`, which narrows an instructor's rights
to the courses they teach (owner or listed instructor), and lets a course's instructors edit
every page of that course. Moderators and superusers (who hold "change") are not narrowed.
"""

from django.db.models import Exists, OuterRef, Q
from wagtail.models import PagePermissionTester

from accounts.permissions import in_moderators_group, is_platform_admin, is_student_only


def _owns_or_instructs(user) -> Q:
    """A CoursePage filter: the user owns the course or is listed among its instructors."""
    from coursepages.models import CourseInstructor

    listed = CourseInstructor.objects.filter(page_id=OuterRef("pk"), user_id=user.pk)
    return Q(owner_id=user.pk) | Exists(listed)


def courses_owned_or_instructed_by(user):
    """Courses this user owns or is listed as an instructor of, drafts included, whatever
    their role: the courses whose pages an instructor may author. Title order."""
    from coursepages.models import CoursePage

    if not user.is_authenticated:
        return CoursePage.objects.none()
    return CoursePage.objects.filter(_owns_or_instructs(user)).order_by("title")


def courses_staffed_by(user):
    """The courses `user` may act on as staff (see every lesson, grade, read the students'
    progress, the gradebook and the instructor screens), drafts included, in title order:
    every course for platform admins and moderators; otherwise the courses they own and,
    unless they are only a student, those they are listed on. None for anonymous or inactive
    users. A lazy queryset: no query until it is read (the moderator test is inside it).
    `course in courses_staffed_by(user)` exactly when `user_is_course_staff(user, course)`."""
    from coursepages.models import CoursePage

    courses = CoursePage.objects.order_by("title")
    if not (user.is_authenticated and user.is_active):
        return courses.none()
    if is_platform_admin(user):
        return courses
    if is_student_only(user):
        return courses.filter(owner_id=user.pk)
    return courses.filter(_owns_or_instructs(user) | Q(in_moderators_group(user)))


def user_is_course_staff(*, user, course) -> bool:
    """Admins, moderators and the course's own instructors see every lesson. No query for
    anonymous users, admins, the owner and students; one query for anyone else (listed as the
    course's instructor, or a moderator)."""
    if not (user.is_authenticated and user.is_active) or course is None:
        return False
    if is_platform_admin(user) or course.owner_id == user.pk:
        return True
    if is_student_only(user):
        # Instructors and moderators get their role with their group; a student (or an
        # instructor demoted to student) is never a course's staff.
        return False
    return courses_staffed_by(user).filter(pk=course.pk).exists()


def user_may_edit_documents(user) -> bool:
    """Editors of Wagtail documents (moderators, superusers): they may fetch any document by
    its Wagtail URL, even one of a paid course's lessons."""
    return bool(user.is_authenticated and user.has_perm("wagtaildocs.change_document"))


def user_may_set_revenue_share(user) -> bool:
    """Only platform admins set a course's instructor share override: it decides how the
    course's money is split, which is not the instructor's call."""
    return user is not None and is_platform_admin(user)


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
    return list(courses_owned_or_instructed_by(user).order_by().values_list("path", flat=True))


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


def _listing_memo(user) -> dict:
    """What the permission checks of one request already learnt about course pages, kept on
    the request's user object (so it lives as long as the request and is never shared with
    another user): the courses met so far (path → (pk, owner)), whether this user teaches each,
    and the section pages read as parents. Wagtail's explorer builds a tester several times for
    every row it lists; without this each one asked the database which course the row is in
    and whether the user teaches it (issue #24: 752 queries for 50 rows)."""
    memo = getattr(user, "_course_authoring_memo", None)
    if memo is None:
        memo = {"courses": {}, "teaches": {}, "parents": {}}
        try:
            user._course_authoring_memo = memo
        except AttributeError:  # pragma: no cover - a user object without attributes
            pass
    return memo


def _memo_course_of(user, page):
    """`course_of(page)`, remembered for the request by the course's path (one query per course
    met in a request, not one per page)."""
    from coursepages.models import CoursePage

    memo = _listing_memo(user)["courses"]
    for path, course in memo.items():
        if page.path.startswith(path):
            return course
    course = course_of(page)
    if course is not None and isinstance(course, CoursePage):
        memo[course.path] = course
    return course


def _memo_user_teaches(user, course) -> bool:
    if course is None:
        return False
    memo = _listing_memo(user)["teaches"]
    if course.pk not in memo:
        memo[course.pk] = user_teaches(user=user, course=course)
    return memo[course.pk]


def memo_parent(user, page):
    """`page.get_parent()`, remembered for the request by the parent's path (the rows of one
    explorer listing share their parent)."""
    parent_path = page.path[: -page.steplen]
    memo = _listing_memo(user)["parents"]
    if parent_path not in memo:
        memo[parent_path] = page.get_parent()
    return memo[parent_path]


class CourseAuthoringPermissionTester(PagePermissionTester):
    """Wagtail's page permissions, narrowed to the courses an instructor teaches."""

    def __init__(self, user, page):
        super().__init__(user, page)
        self.restricted = user.is_active and not user.is_superuser and "change" not in self.permissions
        self.teaches = False
        if self.restricted:
            self.teaches = _memo_user_teaches(user, _memo_course_of(user, page))
            if not self.teaches:
                # Someone else's course: no rights at all here, whatever "add" on the catalog says.
                self.permissions = set()

    def can_edit(self):
        if self.restricted and self.teaches and "add" in self.permissions and not self.page_is_root:
            # Co-instructors edit every page of their course, not only the ones they created.
            return True
        return super().can_edit()

    def can_delete(self, ignore_bulk=False):
        if (
            self.user.is_active
            and not self.user.is_superuser
            and not self.page_is_root
            and "change" not in self.permissions
            and "add" in self.permissions
            and self.page.numchild == 0
        ):
            # Wagtail's rule for an "add"-only author, answered without a query for a leaf page
            # (its descendants, inclusive, are itself): they may delete it only if they own it
            # and, without "publish", only while it is not live.
            if "publish" in self.permissions:
                return self.page.owner_id == self.user.pk
            return self.page.owner_id == self.user.pk and not self.page.live
        return super().can_delete(ignore_bulk=ignore_bulk)


class CourseAuthoringPermissionsMixin:
    """Course, section and lesson pages answer permission questions with the narrowed tester."""

    def permissions_for_user(self, user):
        return CourseAuthoringPermissionTester(user, self)


__all__ = [
    "CourseAuthoringPermissionTester",
    "CourseAuthoringPermissionsMixin",
    "course_of",
    "courses_owned_or_instructed_by",
    "courses_staffed_by",
    "restrict_to_taught_courses",
    "user_is_course_staff",
    "user_may_edit_documents",
    "user_teaches",
]
