"""What an instructor changes on their own courses: details, sessions, the register, cancellations and
messages — each reaching every family it concerns through the outbox. What families pay them and get
back (the paid mark, refunds for a cancelled session) is in classes.services.course_payments.

Publishing is not here: it needs the certificate, so it lives in instructors.

The course's instructor may do all of this; so may a course coordinator (classes.manage_any_course), whose
every change is put on the record as a CourseAction and whose emails are signed as the association.

Every change here locks the rows it changes; one kept locked by others for longer than the database waits
is refused with CourseError asking to try again (config.locking.busy_as), and nothing changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from classes import emails
from classes.catalog_cache import bump_catalog_listing, bump_catalog_version
from classes.models import (
    COURSE_EDITABLE_FIELDS,
    COURSE_EDITABLE_ONCE_BOOKED,
    Attendance,
    Booking,
    Course,
    CourseAction,
    CourseMessage,
    Session,
    Venue,
)
from classes.selectors import may_manage_course
from classes.services.bookings import _cancel, offer_free_places
from classes.services.courses import _check_sessions, refresh_first_session
from classes.services.courses import record_course_action as _record
from classes.services.errors import CourseError
from classes.services.paid_bookings import let_payment_go, refunds_online
from config.locking import busy_as


def _check_actor(course: Course, actor: User) -> None:
    if not may_manage_course(actor, course):
        raise CourseError(_("Only the course's instructor can change it."))


def _locked_course(course: Course) -> Course:
    return Course.objects.select_for_update().get(pk=course.pk)


def _check_open(course: Course) -> None:
    if course.status == Course.Status.CANCELLED:
        raise CourseError(_("This course is cancelled and can no longer change."))


def _families_to_tell(course: Course) -> list[Booking]:
    """Families holding a place (confirmed, or offered and not yet answered): they hear of every change."""
    return list(
        Booking.objects.filter(course=course, parent__isnull=False)
        .holding_a_place()
        .select_related("parent", "baby", "course", "course__venue", "course__instructor")
        .order_by("pk")
    )


def _applied_changes(course: Course, changes: Mapping[str, object]) -> dict[str, object]:
    """The changes that differ from the course, completed (a venue course takes its venue's time zone)
    and checked against the rules; raises CourseError, naming the field at fault where there is one."""
    unknown = set(changes) - COURSE_EDITABLE_FIELDS
    if unknown:
        raise CourseError(
            _("These details cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    _check_open(course)
    changes = dict(changes)
    if changes.get("format", course.format) == Course.Format.VENUE:
        # A venue course is in its venue's time zone; only an online course names its own.
        changes.pop("time_zone", None)
    changed = {name: value for name, value in changes.items() if getattr(course, name) != value}
    if not changed:
        return changed
    fixed = set(changed) - COURSE_EDITABLE_ONCE_BOOKED
    if fixed and course.bookings.live().exists():
        labels = sorted(str(Course._meta.get_field(name).verbose_name) for name in fixed)
        raise CourseError(
            _("Families have booked this course, so these can no longer change: %(fields)s.")
            % {"fields": ", ".join(labels)},
            field=next(iter(sorted(fixed))) if len(fixed) == 1 else None,
        )
    if changed.get("payment_mode") == Course.PaymentMode.AT_COURSE and settings.PAYMENTS_REQUIRE_ONLINE:
        raise CourseError(_("The association asks for every course to be paid online."), field="payment_mode")
    if "is_practicum" in changed and course.status != Course.Status.DRAFT:
        raise CourseError(
            _("Whether a course is a practicum course is settled when it is published."), field="is_practicum"
        )
    taken = Booking.objects.filter(course=course).holding_a_place().count()
    if changed.get("capacity", course.capacity) < taken:
        raise CourseError(
            _("%(taken)s places are taken, so the course cannot have fewer places than that.")
            % {"taken": taken},
            field="capacity",
        )
    venue: Venue | None = changed.get("venue", course.venue)
    if changed.get("format", course.format) == Course.Format.VENUE:
        if venue is None:
            raise CourseError(_("Choose the venue where the course meets."), field="venue")
        if venue.owner_id != course.instructor_id:
            raise CourseError(_("You can only use your own venues."), field="venue")
        if venue.time_zone != course.time_zone:
            changed["time_zone"] = venue.time_zone
    elif course.venue_id is not None:
        changed["venue"] = None
    return changed


def check_course_update(course: Course, *, actor: User, **changes) -> None:
    """Whether update_course would accept these changes now, without changing anything (for forms that
    show a refusal next to the field). update_course checks again under the course lock.

    Raises CourseError as update_course does; its ``field`` names the field at fault, when one is.
    """
    _check_actor(course, actor)
    _applied_changes(course, changes)


@busy_as(CourseError)
def update_course(course: Course, *, actor: User, **changes) -> Course:
    """Change a course's details. Once families have booked, only the title, description, payment notes,
    meeting link and capacity (never below the places taken) change; a raised capacity goes to the
    waitlist at once. A new time zone (another venue, or an online course's zone) keeps every session at
    its local time, re-checked for the past and overlaps. A coordinator's change is recorded.

    Raises CourseError for a field that may not change, a cancelled course, a capacity below the places
    taken, someone else's venue, invalid values, or sessions that would start in the past or overlap.
    Queues offers to waiting families when places free up.
    """
    _check_actor(course, actor)
    with transaction.atomic():
        transaction.on_commit(bump_catalog_listing)
        course = _locked_course(course)
        changed = _applied_changes(course, changes)
        if not changed:
            return course
        old_zone = course.zone
        for name, value in changed.items():
            setattr(course, name, value)
        try:
            course.full_clean()
        except ValidationError as error:
            raise CourseError(" ".join(error.messages)) from None
        if course.time_zone != old_zone.key:
            _keep_local_times(course, old_zone=old_zone, new_zone=course.zone)
        course.save()
        _record(course, actor, CourseAction.Kind.EDITED, ", ".join(sorted(changed)))
        if "capacity" in changed:
            offer_free_places(course)
    return course


def _keep_local_times(course: Course, *, old_zone: ZoneInfo, new_zone: ZoneInfo) -> None:
    # Sessions already held stay where they were: they are history.
    sessions = list(course.sessions.filter(status=Session.Status.SCHEDULED, starts_at__gt=timezone.now()))
    for session in sessions:
        local = session.starts_at.astimezone(old_zone).replace(tzinfo=None)
        session.starts_at = local.replace(tzinfo=new_zone)
        session.revision += 1
        session.changed_at = timezone.now()
    if sessions:
        _check_sessions(
            course.instructor,
            [session.starts_at for session in sessions],
            max(session.duration_minutes for session in sessions),
            exclude_course=course,
        )
        Session.objects.bulk_update(sessions, ["starts_at", "revision", "changed_at"])
        refresh_first_session(course)


def _locked_session(session: Session) -> tuple[Course, Session]:
    course = _locked_course(session.course)
    return course, Session.objects.select_for_update().get(pk=session.pk)


@busy_as(CourseError)
def edit_session_topic(session: Session, *, actor: User, topic: str) -> Session:
    """Set a session's topic; an empty topic goes back to the curriculum's topic for that week.

    Raises CourseError for a cancelled course or a topic over 200 characters. Queues nothing.
    """
    _check_actor(session.course, actor)
    topic = " ".join(topic.split())
    if len(topic) > Session._meta.get_field("topic").max_length:
        raise CourseError(_("A topic has at most 200 characters."))
    with transaction.atomic():
        transaction.on_commit(bump_catalog_version)
        course, session = _locked_session(session)
        _check_open(course)
        if session.topic != topic:
            session.topic = topic
            session.save(update_fields=["topic"])
            _record(course, actor, CourseAction.Kind.TOPICS_EDITED, f"week {session.week_number}: {topic}")
    return session


@busy_as(CourseError)
def edit_session_topics(course: Course, *, actor: User, topics: Mapping[int, str]) -> list[Session]:
    """Set the topics of several sessions of one course at once (session id → topic), all or nothing.

    Raises CourseError as edit_session_topic does, or for a session of another course.
    """
    with transaction.atomic():
        transaction.on_commit(bump_catalog_version)
        sessions = {session.pk: session for session in course.sessions.all()}
        if set(topics) - set(sessions):
            raise CourseError(_("That session is not part of this course."))
        return [edit_session_topic(sessions[pk], actor=actor, topic=topic) for pk, topic in topics.items()]


@busy_as(CourseError)
def move_session(session: Session, *, actor: User, starts_at: datetime) -> Session:
    """Move one session to a new start time and tell every family holding a place, with an updated
    calendar. Reminders follow by themselves: their keys name the start time.

    Raises CourseError for a cancelled course or session, a session that has already started, a new
    time in the past, or one that overlaps another of the instructor's sessions (this course's too).
    Queues one "session moved" email per confirmed or offered family.
    """
    _check_actor(session.course, actor)
    with transaction.atomic():
        transaction.on_commit(bump_catalog_version)
        course, session = _locked_session(session)
        _check_open(course)
        if session.status == Session.Status.CANCELLED:
            raise CourseError(_("This session is cancelled; it cannot be moved."))
        if session.starts_at <= timezone.now():
            raise CourseError(_("This session has already started, so it cannot be moved."))
        if starts_at == session.starts_at:
            return session
        _check_sessions(course.instructor, [starts_at], session.duration_minutes, exclude_course=course)
        length = timedelta(minutes=session.duration_minutes)
        for other in course.sessions.filter(status=Session.Status.SCHEDULED).exclude(pk=session.pk):
            if starts_at < other.ends_at and other.starts_at < starts_at + length:
                raise CourseError(
                    _("That time overlaps week %(week)s of this course.") % {"week": other.week_number}
                )
        previous = session.starts_at
        session.starts_at = starts_at
        # Calendar apps holding this session (an emailed .ics, a subscribed feed) take the new time.
        session.revision += 1
        session.changed_at = timezone.now()
        session.save(update_fields=["starts_at", "revision", "changed_at"])
        refresh_first_session(course)
        _record(
            course,
            actor,
            CourseAction.Kind.SESSION_MOVED,
            f"week {session.week_number}: {previous.isoformat()} → {starts_at.isoformat()}",
        )
        if course.status == Course.Status.PUBLISHED:
            for booking in _families_to_tell(course):
                emails.queue_session_moved(booking, session, previous_starts_at=previous)
    return session


@busy_as(CourseError)
def cancel_session(session: Session, *, actor: User) -> Session:
    """Cancel one session of a course and tell every family holding a place, with an updated calendar.

    Raises CourseError for a cancelled course, a session already cancelled or already started, or the
    course's last scheduled session (cancel the course instead). Queues one "session cancelled" email
    per confirmed or offered family; reminders skip cancelled sessions.
    """
    _check_actor(session.course, actor)
    with transaction.atomic():
        transaction.on_commit(bump_catalog_version)
        course, session = _locked_session(session)
        _check_open(course)
        if session.status == Session.Status.CANCELLED:
            raise CourseError(_("This session is already cancelled."))
        if session.starts_at <= timezone.now():
            raise CourseError(_("This session has already started, so it cannot be cancelled."))
        if not course.sessions.filter(status=Session.Status.SCHEDULED).exclude(pk=session.pk).exists():
            raise CourseError(
                _("This is the course's only remaining session: cancel the whole course instead.")
            )
        session.status = Session.Status.CANCELLED
        session.revision += 1
        session.changed_at = timezone.now()
        session.save(update_fields=["status", "revision", "changed_at"])
        refresh_first_session(course)
        _record(course, actor, CourseAction.Kind.SESSION_CANCELLED, f"week {session.week_number}")
        if course.status == Course.Status.PUBLISHED:
            for booking in _families_to_tell(course):
                emails.queue_session_cancelled(booking, session)
    return session


@busy_as(CourseError)
def cancel_course(course: Course, *, actor: User) -> Course:
    """Cancel a draft or published course: its sessions still ahead are cancelled and every live
    booking — confirmed, offered or waitlisted — is cancelled with the reason "course cancelled".

    Raises CourseError for a course already cancelled or one whose sessions have all ended. Queues one
    "course cancelled" email per family (saying what happens next: a card payment is refunded in full
    automatically, the instructor refunds what was paid to them; waitlist places simply end), with a
    calendar update for families who had a place, and a refund for each card payment.
    """
    _check_actor(course, actor)
    with transaction.atomic():
        transaction.on_commit(bump_catalog_listing)
        course = _locked_course(course)
        if course.status == Course.Status.CANCELLED:
            raise CourseError(_("This course is already cancelled."))
        now = timezone.now()
        ahead = course.sessions.filter(status=Session.Status.SCHEDULED, starts_at__gt=now)
        if course.status == Course.Status.PUBLISHED and not ahead.exists():
            raise CourseError(_("Every session of this course has started already; it cannot be cancelled."))
        ahead.update(status=Session.Status.CANCELLED, revision=F("revision") + 1, changed_at=now)
        refresh_first_session(course)
        course.status = Course.Status.CANCELLED
        course.cancelled_at = now
        course.save(update_fields=["status", "cancelled_at", "updated_at"])
        _record(course, actor, CourseAction.Kind.COURSE_CANCELLED)
        on_behalf = actor if actor.pk != course.instructor_id else None
        bookings = (
            Booking.objects.select_for_update(of=("self",))
            .live()
            .filter(course=course)
            .select_related("parent", "baby", "course", "course__venue", "course__instructor")
            .order_by("pk")
        )
        for booking in bookings.select_related("payment"):
            previous_status = booking.status
            refund = refunds_online(booking)
            _cancel(booking, Booking.CancelReason.COURSE_CANCELLED)
            # A card payment goes back in full, once: the refund is a row the worker sends (payments).
            let_payment_go(booking)
            emails.queue_course_cancelled(
                booking, previous_status=previous_status, cancelled_by=on_behalf, refund_online=refund
            )
    return course


def _check_booking_of(course: Course, booking: Booking) -> None:
    if booking.course_id != course.pk:
        raise CourseError(_("That family is not booked on this course."))


def check_register_open(session: Session) -> None:
    """Whether the session's register may be taken now: once the session has started, and never for a
    cancelled one (for pages that show why not). mark_attendance and take_register check it too.

    Raises CourseError saying why the register is closed.
    """
    if session.status == Session.Status.CANCELLED:
        raise CourseError(_("This session is cancelled; there is no register to take."))
    if session.starts_at > timezone.now():
        # Marks taken ahead of time would count towards a trainee's practicum for sessions never held.
        zone = session.course.zone
        raise CourseError(
            _("The register opens when the session starts, on %(when)s (%(zone)s time).")
            % {"when": date_format(session.starts_at.astimezone(zone), "DATETIME_FORMAT"), "zone": zone.key}
        )


@busy_as(CourseError)
def mark_attendance(booking: Booking, session: Session, *, actor: User, status: str) -> Attendance:
    """Record whether a family came to a session (present or absent), replacing an earlier mark.

    Raises CourseError for a family without a confirmed place, a session of another course, a
    cancelled session or one that has not started yet, an unknown status, or a mark locked by others
    for longer than the database waits. Queues nothing.
    """
    if status not in Attendance.Status.values:
        raise CourseError(_("Mark each family present or absent."))
    _check_actor(session.course, actor)
    check_register_open(session)
    with transaction.atomic():
        _check_booking_of(session.course, booking)
        if booking.status != Booking.Status.CONFIRMED:
            raise CourseError(_("Only families with a confirmed place are on the register."))
        attendance, _created = Attendance.objects.update_or_create(
            booking=booking, session=session, defaults={"status": status, "marked_by": actor}
        )
    return attendance


@busy_as(CourseError)
def take_register(session: Session, *, actor: User, marks: Mapping[int, str]) -> list[Attendance]:
    """Record the register of a session in one go (booking id → present/absent), all or nothing.

    Raises CourseError as mark_attendance does, or for a booking that is not on this course.
    """
    _check_actor(session.course, actor)
    check_register_open(session)
    with transaction.atomic():
        bookings = Booking.objects.select_for_update(of=("self",)).in_bulk(list(marks))
        if len(bookings) != len(marks):
            raise CourseError(_("That family is not booked on this course."))
        marked = [
            mark_attendance(bookings[pk], session, actor=actor, status=status) for pk, status in marks.items()
        ]
        _record(session.course, actor, CourseAction.Kind.REGISTER_TAKEN, f"week {session.week_number}")
    return marked


@busy_as(CourseError)
def message_families(course: Course, *, actor: User, subject: str, body: str) -> CourseMessage:
    """Email a message to every family with a confirmed place, and keep it for the dashboard.

    Raises CourseError for an empty subject or message, a cancelled course, or a course with no
    confirmed family. Queues one email per confirmed family.
    """
    _check_actor(course, actor)
    subject, body = " ".join(subject.split()), body.strip()
    if not subject or not body:
        raise CourseError(_("Write a subject and a message."))
    with transaction.atomic():
        course = _locked_course(course)
        _check_open(course)
        families = list(
            Booking.objects.filter(course=course, status=Booking.Status.CONFIRMED, parent__isnull=False)
            .select_related("parent", "baby", "course", "course__venue", "course__instructor")
            .order_by("pk")
        )
        if not families:
            raise CourseError(_("No family has a confirmed place on this course yet."))
        message = CourseMessage.objects.create(
            course=course, sender=actor, subject=subject[:150], body=body, recipients=len(families)
        )
        _record(course, actor, CourseAction.Kind.MESSAGE_SENT, subject[:150])
        for booking in families:
            emails.queue_instructor_message(booking, message)
    return message
