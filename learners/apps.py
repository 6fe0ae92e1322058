from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "learners"
    verbose_name = "Learning"

    def ready(self):
        from wagtail.signals import page_published

        from coursepages import page_context
        from learners import pages
        from learners.activity_blocks import on_page_published

        page_published.connect(on_page_published, dispatch_uid="learners_activity_blocks_index")
        # The course pages (coursepages) show the learning context without importing learners.
        page_context.catalog.register(pages.catalog_context)
        page_context.course.register(pages.course_context)
        page_context.section.register(pages.section_context)
        page_context.lesson.register(pages.lesson_context)
