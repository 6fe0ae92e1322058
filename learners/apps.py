from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "learners"
    verbose_name = "Learning"

    def ready(self):
        from wagtail.signals import page_published

        from .activity_blocks import on_page_published

        page_published.connect(on_page_published, dispatch_uid="learners_activity_blocks_index")
