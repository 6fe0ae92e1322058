"""The outline's HTML is rendered once per course structure and base standing, with each
viewer's exceptions (done, current, own locks) spliced in (learners/outline_html.py): it must
give the same bytes as rendering every entry, for every kind of viewer and state, and a page
change must show in the next page at once."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test.utils import override_settings

from accounts.models import User
from blocks.raw import lesson_body
from coursepages.models import CoursePage, LessonPage, SectionPage
from learners.access import course_access_for, learning_context_for
from learners.enrollment.selectors import course_outline
from learners.enrollment.services import enrollment_create, lesson_complete
from learners.outline_html import outline_html, outline_html_uncached
from tests.factories import lessons_of, make_course, make_user, text_lesson

pytestmark = pytest.mark.django_db


def _course(**fields):
    course = make_course(
        sections=[
            ("Basics & <more>", [text_lesson("Welcome “here”", free_preview=True), text_lesson("Second <b>")]),
            ("Later", [text_lesson("Third"), text_lesson("Needs two"), text_lesson("Dripped", unlock_after_days=30)]),
        ],
        **fields,
    )
    lessons = lessons_of(course)
    lessons[3].prerequisites.set([lessons[1]])
    lessons[3].save_revision().publish()
    return CoursePage.objects.get(pk=course.pk), lessons_of(course)


def _both(user, course, current=None, **flags):
    access = course_access_for(user=user, course=CoursePage.objects.get(pk=course.pk))
    outline = course_outline(access=access, current=current)
    assert outline.live
    fast = outline_html(outline, **flags)
    slow = outline_html_uncached(course_outline(access=access, current=current), **flags)
    return fast, slow


@pytest.mark.parametrize(
    "flags", [{}, {"enrolled": True}, {"show_minutes": True}, {"enrolled": True, "show_minutes": True}]
)
def test_the_spliced_outline_is_byte_for_byte_the_rendered_one_for_every_viewer(flags, student, instructor):
    course, lessons = _course(instructor=instructor, pricing=CoursePage.Pricing.ONE_TIME, price_cents=1000)
    enrolled = make_user()
    enrollment_create(user=enrolled, course=course)
    fresh = make_user()
    enrollment_create(user=fresh, course=course)
    lesson_complete(context=learning_context_for(user=enrolled, lesson=lessons[0]))
    lesson_complete(context=learning_context_for(user=enrolled, lesson=lessons[2]))
    admin = make_user(role=User.Role.ADMIN, is_superuser=True, is_staff=True)
    seen = set()
    for user in (AnonymousUser(), student, enrolled, fresh, instructor, admin):
        for current in (None, lessons[0], lessons[3], lessons[4]):
            fast, slow = _both(user, course, current, **flags)
            assert fast == slow, (user, current)
            seen.add(fast)
    assert len(seen) > 6  # the viewers and states really differ
    # Every mark is there for the enrolled student on the lesson with a prerequisite.
    fast, _slow = _both(enrolled, course, lessons[3], **flags)
    assert f'data-lesson-id="{lessons[0].pk}" data-state="done"' in fast
    assert f'class="outline-lesson is-current is-locked" data-lesson-id="{lessons[3].pk}"' in fast
    assert 'data-lock-reason="prerequisite_missing">Complete “Second &lt;b&gt;” first.</span>' in fast
    assert 'data-lock-reason="not_yet_available">Opens on ' in fast
    assert "Basics &amp; &lt;more&gt;" in fast
    assert ('<span class="badge badge-preview">Free preview</span>' in fast) is not flags.get("enrolled", False)


def test_the_outline_html_pins_the_markup(student):
    """The markup itself, as the lesson player showed it before the outline was spliced."""
    course = make_course(sections=[("S", [text_lesson("One"), text_lesson("Two", free_preview=True)])])
    one, two = lessons_of(course)
    enrollment_create(user=student, course=course)
    lesson_complete(context=learning_context_for(user=student, lesson=one))
    fast, slow = _both(student, course, two, enrolled=True)
    assert (
        fast
        == slow
        == (
            '<ol class="outline"><li class="outline-section"><h3 class="outline-section-title">S</h3>'
            '<ol class="outline-lessons">'
            f'<li class="outline-lesson is-done" data-lesson-id="{one.pk}" data-state="done">'
            '<span class="outline-mark" aria-hidden="true">✓</span><span class="outline-text">'
            f'<a href="{one.url}">One</a><span class="sr-only">(completed)</span></span></li>'
            f'<li class="outline-lesson is-current" data-lesson-id="{two.pk}" data-state="open">'
            '<span class="outline-mark" aria-hidden="true">▶</span><span class="outline-text">'
            f'<a href="{two.url}" aria-current="page">Two</a><span class="sr-only"></span></span></li></ol></li></ol>'
        )
    )


def test_the_base_rendering_is_shared_and_the_marks_are_each_viewers_own(student, other_student):
    course, lessons = _course()
    for user in (student, other_student):
        enrollment_create(user=user, course=course)
    lesson_complete(context=learning_context_for(user=student, lesson=lessons[1]))
    mine, _ = _both(student, course, lessons[2], enrolled=True)
    theirs, slow = _both(other_student, course, lessons[0], enrolled=True)
    assert theirs == slow
    assert f'data-lesson-id="{lessons[1].pk}" data-state="done"' in mine
    assert f'data-lesson-id="{lessons[1].pk}" data-state="open"' in theirs
    assert f'data-lesson-id="{lessons[3].pk}" data-state="open"' in mine  # its prerequisite is done
    assert f'data-lesson-id="{lessons[3].pk}" data-state="locked"' in theirs


def _outline_of(client, lesson) -> str:
    page = client.get(LessonPage.objects.get(pk=lesson.pk).url).content.decode()
    return page[page.index('<ol class="outline">') : page.index("</ol></li></ol>")]


@override_settings(PAGE_CACHE_SECONDS=0)
def test_a_publish_unpublish_move_or_rename_shows_in_the_next_page(client, student):
    course = make_course(lessons=12)  # two sections
    enrollment_create(user=student, course=course)
    client.force_login(student)
    lessons = lessons_of(course)
    viewed = lessons[5]
    assert "Lesson 12" in _outline_of(client, viewed)  # the base rendering is built now

    renamed = LessonPage.objects.get(pk=lessons[2].pk)
    renamed.title = "Lesson 3, revised"
    renamed.save_revision().publish()
    assert "Lesson 3, revised" in _outline_of(client, viewed)

    lessons[3].unpublish()
    assert f'data-lesson-id="{lessons[3].pk}"' not in _outline_of(client, viewed)

    first_section, second_section = SectionPage.objects.child_of(course).order_by("path")
    new = LessonPage(title="Brand new", owner=course.owner, body=lesson_body([("rich_text", "<p>New</p>")]), live=False)
    first_section.add_child(instance=new)
    assert "Brand new" not in _outline_of(client, viewed)  # a draft is not in the outline
    new.save_revision().publish()
    assert "Brand new" in _outline_of(client, viewed)

    LessonPage.objects.get(pk=lessons[0].pk).move(second_section, pos="last-child")
    outline = _outline_of(client, viewed)
    assert outline.rindex(f'data-lesson-id="{lessons[0].pk}"') > outline.index(f'data-lesson-id="{lessons[11].pk}"')


def test_a_done_lesson_that_a_new_prerequisite_locks_shows_its_lock_not_the_done_entry(student, instructor):
    """Completed lessons take the entry every viewer's done lesson has, unless a lock of their
    own applies: a prerequisite added after the completion locks the lesson again."""
    course, lessons = _course(instructor=instructor)
    enrollment_create(user=student, course=course)
    lesson_complete(context=learning_context_for(user=student, lesson=lessons[2]))
    fast, slow = _both(student, course, lessons[0], enrolled=True)
    assert fast == slow
    assert f'class="outline-lesson is-done" data-lesson-id="{lessons[2].pk}" data-state="done"' in fast
    lessons[2].prerequisites.set([lessons[1]])
    lessons[2].save_revision().publish()
    fast, slow = _both(student, course, lessons[0], enrolled=True)
    assert fast == slow
    assert f'class="outline-lesson is-done is-locked" data-lesson-id="{lessons[2].pk}" data-state="done"' in fast
    assert 'data-lock-reason="prerequisite_missing">Complete “Second &lt;b&gt;” first.</span>' in fast
