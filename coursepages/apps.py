from django.apps import AppConfig


class CoursePagesConfig(AppConfig):
    name = "coursepages"
    verbose_name = "Courses"

    def ready(self):
        from core.generations import READ_WITH_SESSION

        from . import signals
        from .page_cache import GENERATION_KEY

        signals.connect()
        # Nearly every signed-in request is a page that reads the pages' generation first.
        if GENERATION_KEY not in READ_WITH_SESSION:
            READ_WITH_SESSION.append(GENERATION_KEY)
