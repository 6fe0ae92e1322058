from django.apps import AppConfig


def _conversation_deleted(sender, instance, **kwargs):
    from .selectors import unread_counts_changed

    unread_counts_changed(instance.student_id, instance.teacher_id)


def _notification_deleted(sender, instance, **kwargs):
    from .selectors import unread_counts_changed

    unread_counts_changed(instance.user_id)


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging"

    def ready(self):
        from django.db.models.signals import post_delete, pre_delete

        from core.notify import sender

        from .models import Conversation, Notification
        from .notify import notify

        # core.notify.notify, what every app calls to tell a user something, sends through this.
        sender.register(notify)
        # Deletes (an admin removing a conversation, a course or an account taking its
        # conversations and notifications with it) change unread counts without passing through
        # messaging.services, which bumps them for every other change.
        pre_delete.connect(_conversation_deleted, sender=Conversation, dispatch_uid="messaging.unread.conversation")
        post_delete.connect(_notification_deleted, sender=Notification, dispatch_uid="messaging.unread.notification")
