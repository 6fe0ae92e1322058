"""What the catalog, course, section and lesson pages show besides their content: access and
locks, the outline with progress, the course's one button. Those are learning rules, so the
page models do not build that context: learners registers one provider per page type in
LearnersConfig.ready() (learners.pages), and coursepages never imports it (README "Layers").

Each provider takes the request and the page (the catalog's only the request) and returns a
dict merged into the template context."""

from core.providers import Provider

catalog = Provider("the catalog page's context (learners.pages.catalog_context)")
course = Provider("the course page's context (learners.pages.course_context)")
section = Provider("the section page's context (learners.pages.section_context)")
lesson = Provider("the lesson page's context (learners.pages.lesson_context)")
