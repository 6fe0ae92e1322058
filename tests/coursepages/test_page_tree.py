"""The page tree Home → Catalog → Course → Section → Lesson is the only one the editor allows."""

from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from coursepages.models import CourseIndexPage, CoursePage, HomePage, LessonPage, SectionPage
from tests.coursepages.editor import edit_url, editor_data
from tests.factories import make_course


class PageTreeTests(WagtailPageTestCase):
    def setUp(self):
        self.course = make_course(title="Tree course", lessons=1)
        self.section = self.course.get_children().specific().get()
        self.lesson = LessonPage.objects.descendant_of(self.course).get()
        self.catalog = CourseIndexPage.objects.get()
        self.login()

    def test_allowed_subpage_types(self):
        self.assertAllowedSubpageTypes(HomePage, {CourseIndexPage})
        self.assertAllowedSubpageTypes(CourseIndexPage, {CoursePage})
        self.assertAllowedSubpageTypes(CoursePage, {SectionPage})
        self.assertAllowedSubpageTypes(SectionPage, {LessonPage})
        self.assertAllowedSubpageTypes(LessonPage, set())

    def test_allowed_parent_page_types(self):
        self.assertAllowedParentPageTypes(CourseIndexPage, {HomePage})
        self.assertAllowedParentPageTypes(CoursePage, {CourseIndexPage})
        self.assertAllowedParentPageTypes(SectionPage, {CoursePage})
        self.assertAllowedParentPageTypes(LessonPage, {SectionPage})

    def test_each_page_type_can_only_be_created_under_its_parent(self):
        self.assertCanCreateAt(CourseIndexPage, CoursePage)
        self.assertCanCreateAt(CoursePage, SectionPage)
        self.assertCanCreateAt(SectionPage, LessonPage)
        self.assertCanNotCreateAt(Page, CoursePage)
        self.assertCanNotCreateAt(HomePage, CoursePage)
        self.assertCanNotCreateAt(CourseIndexPage, LessonPage)
        self.assertCanNotCreateAt(CoursePage, LessonPage)
        self.assertCanNotCreateAt(SectionPage, SectionPage)
        self.assertCanNotCreateAt(LessonPage, LessonPage)
        # One home page and one catalog (max_count = 1): both already exist.
        assert not HomePage.can_create_at(Page.get_first_root_node())
        assert not CourseIndexPage.can_create_at(HomePage.objects.get())

    def test_a_course_is_created_through_the_editor(self):
        self.assertCanCreate(
            self.catalog,
            CoursePage,
            nested_form_data(
                {
                    "title": "Made in the editor",
                    "slug": "made-in-the-editor",
                    "summary": "Short summary.",
                    "description": rich_text("<p>Long description.</p>"),
                    "difficulty": "beginner",
                    "pricing": "free",
                    "price_cents": "0",
                    "currency": "ZAR",
                    "course_instructors-TOTAL_FORMS": "0",
                    "course_instructors-INITIAL_FORMS": "0",
                    "course_instructors-MIN_NUM_FORMS": "0",
                    "course_instructors-MAX_NUM_FORMS": "1000",
                    "comments-TOTAL_FORMS": "0",
                    "comments-INITIAL_FORMS": "0",
                    "comments-MIN_NUM_FORMS": "0",
                    "comments-MAX_NUM_FORMS": "1000",
                }
            ),
        )
        assert CoursePage.objects.get(slug="made-in-the-editor").summary == "Short summary."

    def test_pages_render_and_open_in_the_editor(self):
        for page in (self.catalog, self.course, self.section, self.lesson):
            self.assertPageIsRenderable(page)
        for page in (self.catalog, self.course, self.section):
            self.assertPageIsEditable(page)
        # The lesson body is drawn by JavaScript, so its form data is given explicitly.
        self.client.force_login(self._pageiseditable_superuser)  # assertPageIsEditable logged out
        lesson_data = editor_data(
            self.client, edit_url(self.lesson), {"body": streamfield([("rich_text", rich_text("<p>Edited.</p>"))])}
        )
        self.assertPageIsEditable(self.lesson, post_data=lesson_data)
