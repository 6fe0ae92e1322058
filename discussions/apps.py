from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = "Discussions"

    def ready(self):
        from learners.pages import lesson_panels

        from .pages import lesson_discussion_panel

        # The lesson page shows the lesson's threads; learners does not import discussions.
        lesson_panels.register(lesson_discussion_panel)

        from django.db.models.signals import post_delete, post_save

        from .models import Thread
        from .pages import lesson_threads_changed

        def thread_changed(sender, instance, **kwargs):
            lesson_threads_changed(lesson_id=instance.lesson_id)

        post_save.connect(thread_changed, sender=Thread, dispatch_uid="discussions-lesson-threads-saved", weak=False)
        post_delete.connect(
            thread_changed, sender=Thread, dispatch_uid="discussions-lesson-threads-deleted", weak=False
        )
