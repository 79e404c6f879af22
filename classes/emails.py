"""One small function per email families receive about bookings; each queues through the outbox.

Call them inside the service's transaction. Keys name the event and its version (docs/domain.md, Emails).

The emails a booking service sends while it holds the course lock (confirmed, waitlisted, cancelled) are
*deferred*: the service stores a render spec and the delivery worker renders it, through the
``render_*`` functions here, after the lock is gone. Their arguments pin what the email reports as it
was at that moment (a waitlist position, whether the place was paid). Reminders and home-practice guides
are rendered once per session and language and filled in per family (queue_session_reminders).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import SimpleNamespace

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from classes.calendar import course_calendar
from classes.curriculum import CUES, strokes_for
from classes.models import Booking, CourseMessage, Session
from notifications.models import OutgoingEmail
from notifications.services import (
    Attachment,
    Blank,
    EmailContent,
    PreparedEmail,
    RenderedEmail,
    language_for,
    queue_deferred_email,
    queue_email,
    queue_prepared_emails,
    render_email,
)
from payments.emails import receipt_attachments

OFFER_SALT = "classes.offer"

# Where a template names the family, when one rendering serves every family of a session: the only
# per-family values the reminder and home-practice templates print. They print them as they are (no filter).
FAMILY_BLANKS = {
    "recipient": SimpleNamespace(get_short_name=Blank("name")),
    "booking": SimpleNamespace(baby=SimpleNamespace(first_name=Blank("baby"))),
}


def _family_context(booking: Booking, sessions: list[Session] | None = None) -> dict:
    course = booking.course
    if sessions is None:
        sessions = list(course.sessions.order_by("starts_at"))
    return {"booking": booking, "course": course, "sessions": sessions}


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


def _defer_to_parent(
    booking: Booking, template: str, key: str, renderer: Callable[..., EmailContent], **args
) -> None:
    """Queue an email the worker renders later (see the module docstring): one row insert, no rendering."""
    if booking.parent is None:
        return
    queue_deferred_email(
        key=key,
        user=booking.parent,
        to_email=booking.parent.email,
        template=template,
        renderer=f"{__name__}.{renderer.__name__}",
        args={"booking": booking.pk, **args},
    )


def _booking_for_email(pk: int) -> Booking:
    return Booking.objects.select_related("parent", "baby", "course", "course__venue").get(pk=pk)


def queue_booking_confirmed(booking: Booking) -> None:
    """The confirmation with the course's calendar (and a paid place's receipt), rendered by the delivery
    worker."""
    _defer_to_parent(
        booking, "booking_confirmed", f"booking-confirmed:{booking.pk}", render_booking_confirmed
    )


def render_booking_confirmed(*, booking: int) -> EmailContent:
    confirmed = _booking_for_email(booking)
    sessions = list(confirmed.course.sessions.order_by("starts_at"))
    return EmailContent(
        context=_family_context(confirmed, sessions),
        attachments=[calendar_attachment(confirmed, sessions), *receipt_attachments(confirmed.payment_id)],
    )


def queue_booking_waitlisted(booking: Booking, *, position: int) -> None:
    """The waitlist email, rendered by the delivery worker with the position the family had on joining."""
    _defer_to_parent(
        booking,
        "booking_waitlisted",
        f"booking-waitlisted:{booking.pk}",
        render_booking_waitlisted,
        position=position,
    )


def render_booking_waitlisted(*, booking: int, position: int) -> EmailContent:
    return EmailContent(context={**_family_context(_booking_for_email(booking)), "position": position})


def queue_booking_cancelled(booking: Booking, *, refund_online: bool = False, refund: int = 0) -> None:
    """The cancellation, rendered by the delivery worker; whether the place was paid, whether it was paid
    by card and what goes back to the card (``refund``, minor units: classes.rules.refund_due) are taken
    now, since they decide what the email says of a refund."""
    _defer_to_parent(
        booking,
        "booking_cancelled",
        f"booking-cancelled:{booking.pk}",
        render_booking_cancelled,
        paid=booking.is_paid,
        refund_online=refund_online,
        refund=refund,
    )


def render_booking_cancelled(
    *, booking: int, paid: bool, refund_online: bool = False, refund: int | None = None
) -> EmailContent:
    # ``refund`` is None in emails queued before refund policies: their card payments went back in full.
    cancelled = Booking.objects.select_related("parent", "baby", "course", "course__venue", "payment").get(
        pk=booking
    )
    # The booking as it stood when it was cancelled (never saved).
    cancelled.is_paid = paid
    return EmailContent(
        context={**_family_context(cancelled), "refund_online": refund_online, "refund_amount": refund}
    )


def queue_payment_hold_expired(booking: Booking) -> None:
    """The place held for payment was released: nothing was charged, and the family may book again."""
    _queue_to_parent(booking, "payment_hold_expired", f"payment-hold-expired:{booking.pk}")


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


def reminder_key(booking: Booking, session: Session) -> str:
    # The start time is part of the key: a moved session is a new reminder (docs/domain.md, Emails).
    return f"reminder:{booking.pk}:{session.pk}:{session.starts_at.isoformat()}"


def guide_key(booking: Booking, session: Session) -> str:
    return f"guide:{booking.pk}:{session.pk}"


def queue_session_reminders(families: Sequence[tuple[Session, Sequence[Booking]]]) -> list[int]:
    """Queue each session's reminder to each of its families that has not had it; returns the ids of the
    emails queued. Rendered now, once per session and language: call it with the sessions as they are."""
    return _queue_to_families(
        families,
        "session_reminder",
        reminder_key,
        context_for=lambda session: {"course": session.course, "session": session},
    )


def queue_home_practice_guides(families: Sequence[tuple[Session, Sequence[Booking]]]) -> list[int]:
    """Queue each session's home-practice guide to each of its families that has not had it; returns the
    ids of the emails queued."""
    return _queue_to_families(
        families,
        "home_practice_guide",
        guide_key,
        context_for=lambda session: {
            "course": session.course,
            "session": session,
            "strokes": strokes_for(session.curriculum),
            # Lazy: rendered inside the email's translation.override, in the parent's language.
            "cues": list(CUES),
        },
    )


def _queue_to_families(
    families: Sequence[tuple[Session, Sequence[Booking]]],
    template: str,
    key_for: Callable[[Booking, Session], str],
    *,
    context_for: Callable[[Session], dict],
) -> list[int]:
    """Render the email once per session and language, with the family's names left blank, and store a
    filled-in copy for each family not emailed before (one query for what was, one bulk insert). The
    email is complete when queued: a later change to the course or to the template does not change it."""
    keyed = {
        key_for(booking, session): (session, booking)
        for session, bookings in families
        for booking in bookings
        if booking.parent is not None
    }
    queued_before = set(OutgoingEmail.objects.filter(key__in=keyed).values_list("key", flat=True))
    renderings: dict[tuple[int, str], RenderedEmail] = {}
    copies = []
    for key, (session, booking) in keyed.items():
        if key in queued_before:
            continue
        language = language_for(booking.parent)
        if (session.pk, language) not in renderings:
            renderings[session.pk, language] = render_email(
                template, {**context_for(session), **FAMILY_BLANKS}, language=language
            )
        copies.append(
            PreparedEmail(
                key=key,
                to_email=booking.parent.email,
                user=booking.parent,
                template=template,
                language=language,
                rendered=renderings[session.pk, language],
                blanks={"name": booking.parent.get_short_name(), "baby": booking.baby.first_name},
            )
        )
    return queue_prepared_emails(copies)


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


def queue_course_cancelled(
    booking: Booking, *, previous_status: str, cancelled_by=None, refund_online: bool = False
) -> None:
    """Tell a family the course is cancelled; ``previous_status`` says whether they had a place, an offer
    or a waitlist place, which changes what happens next. Families with a place get the calendar update.
    ``cancelled_by`` is the association's coordinator when it was not the instructor who cancelled: the
    email then says so, rather than putting the words in the instructor's mouth."""
    had_place = previous_status in (Booking.Status.CONFIRMED, Booking.Status.PENDING_PAYMENT)
    _queue_to_parent(
        booking,
        "course_cancelled",
        f"course-cancelled:{booking.pk}",
        context={
            "had_place": had_place,
            "was_waiting": not had_place,
            "cancelled_by": cancelled_by,
            "refund_online": refund_online,
        },
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
