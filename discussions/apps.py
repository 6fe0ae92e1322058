from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = "Discussions"

    def ready(self):
        from learners.pages import lesson_panels

        from .pages import lesson_discussion_panel

        # The lesson page shows the lesson's threads; learners does not import discussions.
        lesson_panels.register(lesson_discussion_panel)
