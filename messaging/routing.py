"""WebSocket routes (served by the ASGI server)."""

from django.urls import path

from .consumers import ConversationConsumer

websocket_urlpatterns: list = [
    path("ws/messages/<int:conversation_id>/", ConversationConsumer.as_asgi()),
]
