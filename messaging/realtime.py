"""Live delivery: services publish events to a conversation's channel-layer group after
commit; the WebSocket consumer (consumers.py) relays them to the participants' browsers. With
Redis the layer crosses processes; without it, it is in-memory (one process)."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def group_name(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def message_payload(message) -> dict:
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "sender_id": message.sender_id,
        "sender_name": message.sender.display_name,
        "body": message.body,
        "created_at": message.created_at.isoformat(),
        "read_at": message.read_at.isoformat() if message.read_at else None,
        "moderation": message.moderation,
        "attachments": [
            {"id": a.pk, "name": a.original_name, "size": a.size, "url": a.get_absolute_url()}
            for a in message.attachments.all()
        ],
    }


def publish(conversation_id: int, event: dict) -> None:
    """Send `event` to everyone connected to the conversation. A broken channel layer must
    not lose the message (it is already saved; polling will deliver it), so errors are logged."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group_name(conversation_id), {"type": "conversation.event", "event": event})
    except Exception:  # noqa: BLE001 - delivery is best effort; the database is the record
        logger.exception("could not publish a live event to conversation %s", conversation_id)
