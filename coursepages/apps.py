from django.apps import AppConfig


class CoursePagesConfig(AppConfig):
    name = "coursepages"
    verbose_name = "Courses"

    def ready(self):
        from . import signals

        signals.connect()
