"""One small function per email families receive about bookings; each queues through the outbox.

Call them inside the service's transaction. Keys name the event and its version (docs/domain.md, Emails).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from classes.calendar import course_calendar
from classes.curriculum import CUES, strokes_for
from classes.models import Booking, CourseMessage, Session
from notifications.models import OutgoingEmail
from notifications.services import Attachment, language_for, queue_email

OFFER_SALT = "classes.offer"


def _family_context(booking: Booking) -> dict:
    course = booking.course
    return {"booking": booking, "course": course, "sessions": list(course.sessions.order_by("starts_at"))}


def _queue_to_parent(booking: Booking, template: str, key: str, **extra) -> None:
    if booking.parent is None:
        return
    queue_email(
        to_email=booking.parent.email,
        user=booking.parent,
        template=template,
        key=key,
        context={**_family_context(booking), **extra.pop("context", {})},
        **extra,
    )


def _calendar_for_parent(booking: Booking, sessions: list[Session], *, include_link: bool) -> bytes:
    """The .ics in the parent's language (week topics, "Online"), whoever triggered the email."""
    with translation.override(language_for(booking.parent)):
        return course_calendar(booking.course, sessions, include_link=include_link)


def calendar_attachment(booking: Booking, sessions: list[Session]) -> Attachment:
    content = _calendar_for_parent(booking, sessions, include_link=True)
    return Attachment(
        filename=f"{booking.course.slug or 'course'}.ics", content=content, content_type="text/calendar"
    )


def queue_booking_confirmed(booking: Booking) -> None:
    sessions = list(booking.course.sessions.order_by("starts_at"))
    _queue_to_parent(
        booking,
        "booking_confirmed",
        f"booking-confirmed:{booking.pk}",
        attachments=[calendar_attachment(booking, sessions)],
    )


def queue_booking_waitlisted(booking: Booking, *, position: int) -> None:
    _queue_to_parent(
        booking, "booking_waitlisted", f"booking-waitlisted:{booking.pk}", context={"position": position}
    )


def queue_booking_cancelled(booking: Booking) -> None:
    _queue_to_parent(booking, "booking_cancelled", f"booking-cancelled:{booking.pk}")


def offer_version(booking: Booking) -> str:
    return str(int(booking.offer_expires_at.timestamp())) if booking.offer_expires_at else ""


def offer_token(booking: Booking) -> str:
    """A signed token naming this booking and this offer; a later offer makes it stale."""
    return signing.dumps({"booking": booking.pk, "offer": offer_version(booking)}, salt=OFFER_SALT)


def read_offer_token(token: str) -> tuple[int, str] | None:
    """(booking id, offer version) from a token, or None when it was tampered with or is too old."""
    try:
        # An offer never lasts longer than WAITLIST_OFFER_HOURS; the token dies a little after it.
        payload = signing.loads(token, salt=OFFER_SALT, max_age=(settings.WAITLIST_OFFER_HOURS + 1) * 3600)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("booking"), int):
        return None
    return payload["booking"], str(payload.get("offer", ""))


def queue_place_offered(booking: Booking) -> None:
    token = offer_token(booking)
    url = settings.SITE_URL + reverse("classes:offer_respond", kwargs={"token": token})
    _queue_to_parent(
        booking,
        "place_offered",
        f"place-offered:{booking.pk}:{offer_version(booking)}",
        context={"accept_url": url, "decline_url": url},
        # Whoever holds the link can take or give away the place: staff reading the outbox must not.
        secrets=[url, token],
    )


def queue_offer_expired(booking: Booking, *, version: str) -> None:
    _queue_to_parent(booking, "offer_expired", f"offer-expired:{booking.pk}:{version}")


def queue_session_reminder(booking: Booking, session: Session) -> bool:
    """Queue one session reminder; False when this exact reminder was queued before."""
    key = f"reminder:{booking.pk}:{session.pk}:{session.starts_at.isoformat()}"
    if OutgoingEmail.objects.filter(key=key).exists():
        return False
    _queue_to_parent(booking, "session_reminder", key, context={"session": session})
    return True


def queue_home_practice_guide(booking: Booking, session: Session) -> bool:
    """Queue the home-practice guide for a session just held; False when it was queued before."""
    key = f"guide:{booking.pk}:{session.pk}"
    if OutgoingEmail.objects.filter(key=key).exists():
        return False
    _queue_to_parent(
        booking,
        "home_practice_guide",
        key,
        context={
            "session": session,
            "strokes": strokes_for(session.curriculum),
            # Lazy: rendered inside the email's translation.override, in the parent's language.
            "cues": list(CUES),
        },
    )
    return True


def _updated_calendar(booking: Booking) -> Attachment:
    """The course's sessions as they stand now; the meeting link only for a confirmed place."""
    course = booking.course
    content = _calendar_for_parent(
        booking,
        list(course.sessions.order_by("starts_at")),
        include_link=booking.status == Booking.Status.CONFIRMED,
    )
    return Attachment(
        filename=f"{course.slug or 'course'}.ics", content=content, content_type="text/calendar"
    )


def queue_session_moved(booking: Booking, session: Session, *, previous_starts_at) -> None:
    """Tell a family a session moved, with the updated calendar. The key names the new start time, so a
    second move is a new email and a repeat of the same move is none."""
    _queue_to_parent(
        booking,
        "session_moved",
        f"session-moved:{booking.pk}:{session.pk}:{session.starts_at.isoformat()}",
        context={"session": session, "previous_starts_at": previous_starts_at},
        attachments=[_updated_calendar(booking)],
    )


def queue_session_cancelled(booking: Booking, session: Session) -> None:
    _queue_to_parent(
        booking,
        "session_cancelled",
        f"session-cancelled:{booking.pk}:{session.pk}",
        context={"session": session},
        attachments=[_updated_calendar(booking)],
    )


def queue_course_cancelled(booking: Booking, *, previous_status: str, cancelled_by=None) -> None:
    """Tell a family the course is cancelled; ``previous_status`` says whether they had a place, an offer
    or a waitlist place, which changes what happens next. Families with a place get the calendar update.
    ``cancelled_by`` is the association's coordinator when it was not the instructor who cancelled: the
    email then says so, rather than putting the words in the instructor's mouth."""
    had_place = previous_status == Booking.Status.CONFIRMED
    _queue_to_parent(
        booking,
        "course_cancelled",
        f"course-cancelled:{booking.pk}",
        context={"had_place": had_place, "was_waiting": not had_place, "cancelled_by": cancelled_by},
        attachments=[_updated_calendar(booking)] if had_place else [],
    )


def queue_instructor_message(booking: Booking, message: CourseMessage) -> None:
    """A message to one confirmed family: from the instructor, or from the association on the
    instructor's behalf when a coordinator sent it (signed with the coordinator's own name)."""
    sender = message.sender
    on_behalf = sender if sender is not None and sender.pk != booking.course.instructor_id else None
    _queue_to_parent(
        booking,
        "instructor_message",
        f"course-message:{message.pk}:{booking.pk}",
        context={"message": message, "on_behalf": on_behalf},
    )
