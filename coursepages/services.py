"""Rules about course content that the editor and the seed command share."""

from collections import deque

from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify
from wagtail.models import Page

from accounts.permissions import is_teaching_staff
from core.errors import DomainError

from .models import Category, CourseInstructor, CoursePage, LessonPage
from .page_cache import page_cache_invalidate


def lesson_h5p_publish_errors(*, body) -> list[str]:
    """A lesson is not published while an H5P block's package brings library code no admin
    has approved (the block would not play)."""
    messages = []
    for child in body:
        package = child.value.get("package") if child.block_type == "h5p" else None
        pending = package.untrusted_libraries() if package is not None else []
        if pending:
            names = ", ".join(str(library) for library in pending[:6])
            messages.append(
                f"“{package.title}” brings H5P library code an administrator has not approved yet ({names}): "
                "save a draft, and publish once it is approved under H5P libraries."
            )
    return messages


def lesson_prerequisites_errors(*, lesson: LessonPage, section, prerequisites: list[LessonPage]) -> list[str]:
    """Why these prerequisites are not allowed for this lesson (empty when they are).

    A prerequisite must be another lesson of the same course, and following the
    prerequisites from it must never lead back to this lesson.
    """
    if not prerequisites:
        return []
    course = CoursePage.objects.ancestor_of(section, inclusive=False).first() if section else None
    errors = []
    # Any lesson below the course, drafts too: an instructor may link lessons before publishing them.
    course_lesson_ids = set(LessonPage.objects.descendant_of(course).values_list("id", flat=True)) if course else set()
    for prerequisite in prerequisites:
        if lesson.pk and prerequisite.pk == lesson.pk:
            errors.append("A lesson cannot be its own prerequisite.")
        elif prerequisite.pk not in course_lesson_ids:
            errors.append(f"“{prerequisite.title}” belongs to another course; prerequisites must be in this course.")
    if errors or not lesson.pk:
        return errors
    # Cycle: walk the stored prerequisite graph from the chosen lessons; reaching this
    # lesson again means the new edge closes a loop.
    edges = LessonPage.prerequisites.through.objects.filter(from_lessonpage_id__in=course_lesson_ids)
    graph: dict[int, list[int]] = {}
    for from_id, to_id in edges.values_list("from_lessonpage_id", "to_lessonpage_id"):
        graph.setdefault(from_id, []).append(to_id)
    queue, seen = deque(p.pk for p in prerequisites), set()
    while queue:
        current = queue.popleft()
        if current == lesson.pk:
            return ["These prerequisites would make a cycle: a lesson would require itself."]
        if current in seen:
            continue
        seen.add(current)
        queue.extend(graph.get(current, []))
    return errors


# Categories: treebeard keeps the tree; every change to its shape goes through here.


class CategoryError(DomainError):
    """A category change that would break the tree ("invalid_parent") or orphan courses
    ("category_in_use")."""

    default_code = "invalid_parent"


def category_parent_errors(*, category: Category | None, parent: Category | None) -> list[str]:
    """Why `parent` cannot hold `category` (empty when it can)."""
    if category is None or category.pk is None or parent is None:
        return []
    if parent.pk == category.pk:
        return ["A category cannot be its own parent."]
    if parent.is_descendant_of(category):
        return [f"“{parent.name}” is inside “{category.name}”; choose a parent outside it."]
    return []


@transaction.atomic
def category_create(*, name: str, parent: Category | None = None, slug: str = "", description: str = "") -> Category:
    """A root category, or a subcategory of `parent` (kept sorted by name)."""
    fields = {"name": name, "slug": slug or slugify(name)[:100], "description": description}
    if parent is None:
        return Category.add_root(**fields)
    return Category.objects.get(pk=parent.pk).add_child(**fields)


@transaction.atomic
def category_update(
    *, category: Category, name: str, parent: Category | None, slug: str = "", description: str = ""
) -> Category:
    """Rename or describe a category, and move it (with its subcategories) under `parent`."""
    errors = category_parent_errors(category=category, parent=parent)
    if errors:
        raise CategoryError(errors[0], "invalid_parent")
    category = Category.objects.get(pk=category.pk)  # the stored node, not a form's edited copy
    renamed = category.name != name
    category.name = name
    category.slug = slug or slugify(name)[:100]
    category.description = description
    category.save()
    current_parent = category.get_parent(update=True)
    moved = (current_parent.pk if current_parent else None) != (parent.pk if parent else None)
    if moved or renamed:
        # Treebeard keeps siblings sorted by name (node_order_by): re-place the node.
        category = Category.objects.get(pk=category.pk)
        if parent is None:
            category.move(Category.get_first_root_node(), "sorted-sibling")
        else:
            category.move(Category.objects.get(pk=parent.pk), "sorted-child")
    return Category.objects.get(pk=category.pk)


def category_delete_errors(*, category: Category) -> list[str]:
    used = CoursePage.objects.filter(category_id__in=category.subtree_ids()).count()
    if used:
        return [f"{used} course(s) use “{category.name}” or its subcategories; move them to another category first."]
    return []


@transaction.atomic
def category_delete(*, category: Category) -> None:
    """Delete a category and its subcategories, unless a course still uses one of them."""
    errors = category_delete_errors(category=category)
    if errors:
        raise CategoryError(errors[0], "category_in_use")
    Category.objects.get(pk=category.pk).delete()


# Course review: the "Course review" workflow runs on the course page; approving the
# course publishes the sections and lessons its instructors built under it.


def course_publish_content(*, course: CoursePage, user) -> list[Page]:
    """Publish the latest revision of every section and lesson of `course` that is a draft
    or has unpublished changes, unless that page is in a review of its own."""
    published = []
    for page in course.get_descendants().order_by("path").specific():
        if page.live and not page.has_unpublished_changes:
            continue
        if page.workflow_in_progress:
            continue
        revision = page.get_latest_revision()
        if revision is None:
            revision = page.save_revision(user=user)
        revision.publish(user=user)
        published.append(page)
    return published


def review_finished(*, workflow_state, user, approved: bool) -> None:
    """After a moderator approves or rejects a page: publish a course's content on approval,
    and tell the instructor who asked for the review, in the app."""
    from core.notify import notify

    page = workflow_state.content_object
    if not isinstance(page, Page):
        return
    page = page.specific
    if approved and isinstance(page, CoursePage):
        course_publish_content(course=page, user=user)
    requester = workflow_state.requested_by
    if requester is None:
        return
    reviewer = (user.get_full_name() or user.email) if user else "A moderator"
    edit_url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    if approved:
        notify(
            user=requester,
            kind="course_review",
            title=f"“{page.title}” was approved",
            body=f"{reviewer} approved “{page.title}”; it is now published.",
            url=page.url or edit_url,
        )
    else:
        task_state = workflow_state.current_task_state
        comment = task_state.get_comment() if task_state else ""
        body = f"{reviewer} asked for changes to “{page.title}”."
        if comment:
            body += f" Comment: {comment}"
        notify(
            user=requester, kind="course_review", title=f"Changes requested on “{page.title}”", body=body, url=edit_url
        )


def course_copy_relink_prerequisites(*, source: CoursePage, copy: CoursePage, user=None) -> int:
    """After Wagtail copies a course with its pages, point each copied lesson's
    prerequisites at the copied lessons instead of the original course's (a prerequisite
    must be in the same course). Returns how many lessons were relinked."""
    originals = list(LessonPage.objects.descendant_of(source).order_by("path"))
    copies = list(LessonPage.objects.descendant_of(copy).order_by("path"))
    if len(originals) != len(copies):  # copied without its subpages: nothing to relink
        return 0
    mapping = {original.pk: copied for original, copied in zip(originals, copies, strict=True)}
    relinked = 0
    with transaction.atomic():
        for copied in copies:
            draft = copied.get_latest_revision_as_object()
            current = [lesson.pk for lesson in draft.prerequisites.all()]
            wanted = [mapping[pk] for pk in current if pk in mapping]
            if [lesson.pk for lesson in wanted] == current:
                continue
            through = LessonPage.prerequisites.through  # the stored rows (the page is not re-saved)
            through.objects.filter(from_lessonpage_id=copied.pk).delete()
            through.objects.bulk_create(
                [through(from_lessonpage_id=copied.pk, to_lessonpage_id=lesson.pk) for lesson in wanted]
            )
            page_cache_invalidate()  # rows written without signals: cached course structures are stale
            draft.prerequisites.set(wanted)  # the draft the editor opens
            draft.save_revision(user=user, log_action=False)
            relinked += 1
    return relinked


def course_instructors_default(*, course: CoursePage, user) -> bool:
    """A course being created with no instructor named lists its creator (an instructor or an
    admin), in memory with the rest of the editor's form, so the revision carries it. Returns
    whether it did."""
    if course.pk is not None or user is None or not is_teaching_staff(user):
        return False
    if any(True for _ in course.course_instructors.all()):
        return False
    course.course_instructors.add(CourseInstructor(user=user, weight=1))
    return True
