from .conversations import Conversation, Message, MessageAttachment, MessageReport
from .notifications import Notification

__all__ = ["Conversation", "Message", "MessageAttachment", "MessageReport", "Notification"]
