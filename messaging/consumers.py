"""WebSocket for one conversation: the server pushes new messages, read receipts and typing
events; the browser sends only `typing` (messages are posted over HTTP, with their files)."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .models import Conversation
from .realtime import group_name


@database_sync_to_async
def _may_join(user, conversation_id: int) -> bool:
    if not user or not user.is_authenticated:
        return False
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    return bool(conversation and conversation.has_participant(user))


class ConversationConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.user = self.scope.get("user")
        self.conversation_id = int(self.scope["url_route"]["kwargs"]["conversation_id"])
        if not await _may_join(self.user, self.conversation_id):
            await self.close(code=4403)
            return
        self.group = group_name(self.conversation_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "typing":
            await self.channel_layer.group_send(
                self.group,
                {
                    "type": "conversation.event",
                    "event": {"type": "typing", "user_id": self.user.pk, "name": self.user.display_name},
                },
            )

    async def conversation_event(self, message):
        event = message["event"]
        if event.get("type") == "typing" and event.get("user_id") == self.user.pk:
            return  # nobody needs to see their own typing
        await self.send_json(event)
