"""iCalendar invitations (RFC 5545) for live classes: REQUEST on approval, CANCEL on cancel."""

from datetime import UTC

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from core.site_url import absolute_url, site_hostname


def session_uid(session) -> str:
    return f"live-session-{session.pk}@{site_hostname()}"


def session_ics(*, session, method: str = "REQUEST") -> str:
    """The invitation as text (so it can travel to the email task as JSON)."""
    join_url = absolute_url(reverse("live:join", args=[session.pk]))
    cal = Calendar()
    cal.add("prodid", "-//Lectern//Live classes//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    event.add("summary", f"Live class: {session.course.title}")
    event.add(
        "description",
        f"{session.topic or 'Live class'} with {session.teacher.display_name} and "
        f"{session.student.display_name}.\nJoin: {join_url}",
    )
    event.add("location", join_url)
    event.add("url", join_url)
    event.add("sequence", 1 if method == "CANCEL" else 0)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{session.teacher.email}")
    organizer.params["cn"] = vText(session.teacher.display_name)
    event["organizer"] = organizer
    for person in (session.teacher, session.student):
        attendee = vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = vText(person.display_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=0)
    cal.add_component(event)
    return cal.to_ical().decode()
