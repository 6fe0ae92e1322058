from .availability import AvailabilityException, WeeklyAvailability
from .sessions import LiveAttendance, LiveSession
from .settings import LiveSettings
from .zoom import ZoomWebhookEvent

__all__ = [
    "AvailabilityException",
    "LiveAttendance",
    "LiveSession",
    "LiveSettings",
    "WeeklyAvailability",
    "ZoomWebhookEvent",
]
