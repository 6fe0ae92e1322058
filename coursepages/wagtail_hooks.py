"""Admin wiring for course authoring: the Categories screen, "Add section" / "Add lesson"
buttons on course, section and lesson pages, and instructors kept to their own courses.
(What happens when a moderator finishes a review is in coursepages.signals.)"""

from django.core.exceptions import PermissionDenied
from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.widgets import Button

from .authoring import authoring_actions
from .category_admin import category_viewset
from .models import CoursePage
from .page_cache import mark_cacheable
from .permissions import restrict_to_taught_courses
from .services import course_copy_relink_prerequisites


@hooks.register("register_admin_viewset")
def register_category_viewset():
    return category_viewset


@hooks.register("before_serve_page")
def allow_anonymous_page_cache(page, request, serve_args, serve_kwargs):
    mark_cacheable(page, request)


# The page permission tester (coursepages.permissions) already refuses an instructor the
# pages of courses they do not teach; these hooks repeat the check at each entry point so a
# refusal never depends on a button being hidden, and keep other courses out of listings.


def _refuse_unless(allowed: bool):
    if not allowed:
        raise PermissionDenied("You can only change the courses you teach.")


@hooks.register("before_create_page")
def refuse_adding_into_other_courses(request, parent_page, page_class):
    _refuse_unless(parent_page.permissions_for_user(request.user).can_add_subpage())


@hooks.register("before_edit_page")
def refuse_editing_other_courses(request, page):
    _refuse_unless(page.permissions_for_user(request.user).can_edit())


@hooks.register("before_copy_page")
def refuse_copying_other_courses(request, page):
    _refuse_unless(page.permissions_for_user(request.user).can_copy())


@hooks.register("construct_explorer_page_queryset")
def show_instructors_their_own_courses(parent_page, pages, request):
    return restrict_to_taught_courses(pages, user=request.user)


@hooks.register("construct_page_chooser_queryset")
def choose_within_own_courses(pages, request):
    return restrict_to_taught_courses(pages, user=request.user)


@hooks.register("after_copy_page")
def relink_copied_prerequisites(request, page, new_page):
    if isinstance(page.specific, CoursePage):
        course_copy_relink_prerequisites(source=page.specific, copy=new_page.specific, user=request.user)


def _buttons(actions, *, priority: int):
    return [
        Button(action.label, action.url, icon_name=action.icon, priority=priority + offset)
        for offset, action in enumerate(actions)
    ]


@hooks.register("register_page_header_buttons")
def add_section_and_lesson_header_buttons(page, user, view_name, next_url=None):
    # On the course's and section's own screens (editor, explorer): every section's
    # "Add lesson", so a course is built without a trip through the page tree per page.
    return _buttons(authoring_actions(page=page, user=user, every_section=True), priority=12)


@hooks.register("register_page_listing_more_buttons")
def add_section_and_lesson_listing_buttons(page, user, next_url=None):
    # In the explorer's rows: no query per row beyond the permission check.
    return _buttons(authoring_actions(page=page, user=user, every_section=False), priority=9)


@hooks.register("insert_global_admin_js")
def name_rich_text_editors():
    # A static file, not an inline script: the admin runs under the same strict CSP as the site.
    return format_html('<script src="{}" defer></script>', static("js/admin-a11y.js"))
