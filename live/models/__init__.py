from .availability import AvailabilityException, WeeklyAvailability
from .sessions import LiveAttendance, LiveSession

__all__ = ["AvailabilityException", "LiveAttendance", "LiveSession", "WeeklyAvailability"]
