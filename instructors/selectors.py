"""Reads for instructors: the directory, public profiles and the /teach/ dashboard, roster and register,
each in a number of queries that does not grow with the data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from certification.models import Certificate
from certification.selectors import (
    current_certificate,
    has_active_certificate,
    practicum_enrollment,
    practicum_stage_enrollments,
)
from classes.models import Attendance, Booking, Course, CourseAction, CourseMessage, Session, Venue
from classes.places import DEFAULT_RADIUS_KM, Place, bounding_box
from classes.selectors import (
    courses_managed_by,
    distance_from,
    manages_any_course_condition,
    waitlist_length_subquery,
    with_availability,
    with_waitlist_position,
)
from instructors.models import InstructorBackground, InstructorLanguage, InstructorProfile


def active_certificate_exists():
    """True for an outer profile whose user holds a certificate valid now, as a subquery."""
    return Exists(Certificate.objects.active().filter(holder=OuterRef("user")))


def directory_profiles(
    *,
    country: str = "",
    city: str = "",
    language: str = "",
    background: str = "",
    q: str = "",
    near: Place | None = None,
    within: int = DEFAULT_RADIUS_KM,
) -> QuerySet[InstructorProfile]:
    """Public profiles of instructors with an active certificate, narrowed by the directory's filters,
    with backgrounds and languages prefetched (two queries, whatever the page size). Near a place, only
    those whose town is within `within` km, nearest first (a box on the position index first, as the
    catalog does), each with ``distance_km``."""
    profiles = (
        InstructorProfile.objects.filter(is_public=True)
        .filter(active_certificate_exists())
        .prefetch_related(
            Prefetch("backgrounds", queryset=InstructorBackground.objects.order_by("background")),
            Prefetch("languages", queryset=InstructorLanguage.objects.order_by("language")),
        )
        .order_by("display_name", "pk")
    )
    if country:
        profiles = profiles.filter(country=country)
    if city:
        profiles = profiles.filter(city__iexact=city)
    if language:
        profiles = profiles.filter(
            Exists(InstructorLanguage.objects.filter(profile=OuterRef("pk"), language=language))
        )
    if background:
        profiles = profiles.filter(
            Exists(InstructorBackground.objects.filter(profile=OuterRef("pk"), background=background))
        )
    for word in q.split():
        profiles = profiles.filter(Q(display_name__icontains=word) | Q(city__icontains=word))
    if near is not None:
        south, north, west, east = bounding_box(near, within)
        profiles = (
            profiles.filter(latitude__range=(south, north), longitude__range=(west, east))
            .annotate(distance_km=distance_from(near, "latitude", "longitude"))
            .filter(distance_km__lte=within)
            .order_by("distance_km", "display_name", "pk")
        )
    return profiles


def directory_choices() -> dict[str, list[str]]:
    """Countries, cities and languages that listed instructors have, for the directory's filters."""
    listed = InstructorProfile.objects.filter(is_public=True).filter(active_certificate_exists())
    return {
        "countries": sorted({code for code in listed.values_list("country", flat=True) if code}),
        "languages": sorted(
            set(
                InstructorLanguage.objects.filter(profile__in=listed.values("pk")).values_list(
                    "language", flat=True
                )
            )
        ),
    }


@dataclass(frozen=True)
class CertificateBadge:
    """What the public profile says about an instructor's certificate, computed now."""

    number: str
    status: str
    status_label: str
    valid_until: datetime
    verify_url: str


def certificate_badge(user: User) -> CertificateBadge | None:
    certificate = current_certificate(user)
    if certificate is None:
        return None
    status = certificate.status
    return CertificateBadge(
        number=certificate.number,
        status=status.value,
        status_label=str(status.label),
        valid_until=certificate.valid_until,
        verify_url=certificate.get_absolute_url(),
    )


def public_profile(slug: str) -> InstructorProfile:
    profile = (
        InstructorProfile.objects.select_related("user")
        .prefetch_related("backgrounds", "languages")
        .filter(slug=slug, is_public=True)
        .first()
    )
    if profile is None:
        raise Http404
    return profile


def upcoming_courses_of(instructor: User) -> list[Course]:
    """The instructor's published courses whose first session is still ahead, soonest first."""
    return list(
        with_availability(Course.objects.published().filter(instructor=instructor))
        .filter(first_session_at__gt=timezone.now())
        .select_related("venue", "instructor", "instructor__instructor_profile")
        .order_by("first_session_at", "pk")
    )


def can_teach(user: User) -> bool:
    """Who the /teach/ pages are for: holders of a certificate (even a lapsed one, to see their courses),
    trainees in the practicum stage, anyone with a profile or courses already, and course coordinators
    (classes.manage_any_course). Being staff is not enough: is_staff only opens Django admin.
    One query: the navigation asks on every page."""
    me = OuterRef("pk")
    return (
        User.objects.filter(pk=user.pk)
        .filter(
            manages_any_course_condition(me)
            | Exists(Certificate.objects.filter(holder=me))
            | Exists(InstructorProfile.objects.filter(user=me))
            | Exists(Course.objects.filter(instructor=me))
            | Exists(practicum_stage_enrollments().filter(trainee=me))
        )
        .exists()
    )


@dataclass(frozen=True)
class TeachingRights:
    """What this person may publish: any course (active certificate), practicum courses only, or none."""

    certified: bool
    practicum: bool

    @property
    def can_publish(self) -> bool:
        return self.certified or self.practicum

    @property
    def practicum_only(self) -> bool:
        return self.practicum and not self.certified


def teaching_rights(user: User) -> TeachingRights:
    certified = has_active_certificate(user)
    return TeachingRights(
        certified=certified, practicum=not certified and practicum_enrollment(user) is not None
    )


def get_own_course_or_404(user: User, pk: int) -> Course:
    """The course with this id if the user may manage it (their own; any, for a course coordinator);
    someone else's course is a 404."""
    course = (
        with_availability(courses_managed_by(user))
        .annotate(waitlist_length=waitlist_length_subquery())
        .select_related("venue", "instructor", "instructor__instructor_profile")
        .filter(pk=pk)
        .first()
    )
    if course is None:
        raise Http404
    return course


def get_own_session_or_404(user: User, pk: int) -> Session:
    session = (
        Session.objects.select_related("course", "course__venue", "course__instructor")
        .filter(pk=pk, course__in=courses_managed_by(user))
        .first()
    )
    if session is None:
        raise Http404
    return session


def get_own_booking_or_404(user: User, pk: int) -> Booking:
    booking = (
        Booking.objects.select_related("course", "baby", "parent")
        .filter(pk=pk, course__in=courses_managed_by(user))
        .first()
    )
    if booking is None:
        raise Http404
    return booking


def own_venues(user: User) -> QuerySet[Venue]:
    return Venue.objects.filter(owner=user).order_by("name", "pk")


@dataclass
class Dashboard:
    """An instructor's courses as the dashboard groups them, and the messages they sent lately."""

    drafts: list[Course] = field(default_factory=list)
    upcoming: list[Course] = field(default_factory=list)
    running: list[Course] = field(default_factory=list)
    past: list[Course] = field(default_factory=list)
    messages: list[CourseMessage] = field(default_factory=list)

    @property
    def has_courses(self) -> bool:
        return bool(self.drafts or self.upcoming or self.running or self.past)


DASHBOARD_MESSAGES = 10


def dashboard(user: User, *, now: datetime | None = None) -> Dashboard:
    """The instructor's own courses (staff see their own here too) with places taken and left,
    waitlist length and sessions, grouped; a constant number of queries."""
    now = now or timezone.now()
    courses = (
        with_availability(Course.objects.filter(instructor=user))
        .annotate(
            waitlist_length=waitlist_length_subquery(),
            last_session_at=Max("sessions__starts_at", filter=Q(sessions__status=Session.Status.SCHEDULED)),
        )
        .select_related("venue")
        .prefetch_related(Prefetch("sessions", queryset=Session.objects.order_by("starts_at")))
        .order_by("first_session_at", "pk")
    )
    grouped = Dashboard()
    for course in courses:
        scheduled = [s for s in course.sessions.all() if s.status == Session.Status.SCHEDULED]
        course.sessions_held = sum(1 for s in scheduled if s.starts_at <= now)
        course.sessions_scheduled = len(scheduled)
        course.next_session = next((s for s in scheduled if s.starts_at > now), None)
        if course.status == Course.Status.DRAFT:
            grouped.drafts.append(course)
        elif course.status == Course.Status.CANCELLED or not scheduled or scheduled[-1].ends_at <= now:
            grouped.past.append(course)
        elif scheduled[0].starts_at > now:
            grouped.upcoming.append(course)
        else:
            grouped.running.append(course)
    grouped.past.reverse()
    grouped.messages = list(
        CourseMessage.objects.filter(course__instructor=user)
        .select_related("course")
        .order_by("-sent_at", "-pk")[:DASHBOARD_MESSAGES]
    )
    return grouped


def local_date(moment: datetime, course: Course) -> date:
    return moment.astimezone(course.zone).date()


@dataclass
class RosterRow:
    """One family on a course as the instructor sees it (a deleted family has no baby or parent), with
    the sessions it was marked present at."""

    booking: Booking
    age_weeks: int | None
    notes: str
    present: int = 0

    @property
    def is_deleted(self) -> bool:
        return self.booking.baby_id is None or self.booking.parent_id is None


def _row(booking: Booking, on: date | None) -> RosterRow:
    baby = booking.baby
    age = baby.age_in_weeks(on) if baby is not None and on is not None else None
    # Notes reach the instructor only with the parent's consent.
    notes = baby.notes if baby is not None and baby.notes_consent else ""
    return RosterRow(booking=booking, age_weeks=age, notes=notes)


@dataclass
class Roster:
    course: Course
    sessions: list[Session]
    age_session: Session | None
    families: list[RosterRow]
    offered: list[RosterRow]
    waitlist: list[RosterRow]
    marks: dict[tuple[int, int], str]
    held: int = 0
    # Places held while the family pays online (pay-online courses).
    paying: list[RosterRow] = field(default_factory=list)

    def mark(self, booking: Booking, session: Session) -> str:
        return self.marks.get((booking.pk, session.pk), "")


def _roster_bookings(course: Course) -> QuerySet[Booking]:
    return (
        with_waitlist_position(Booking.objects.live().filter(course=course))
        .select_related("baby", "parent", "payment")
        .order_by("created_at", "pk")
    )


def roster(course: Course, *, now: datetime | None = None) -> Roster:
    """Families on a course: confirmed, offered, and the waitlist in order, each baby's age in weeks on
    the date of the next session (the last one, once the course is over), and the register marks."""
    now = now or timezone.now()
    sessions = list(course.sessions.order_by("starts_at"))
    scheduled = [s for s in sessions if s.status == Session.Status.SCHEDULED]
    age_session = next((s for s in scheduled if s.ends_at > now), scheduled[-1] if scheduled else None)
    on = local_date(age_session.starts_at, course) if age_session else None
    families, offered, waitlist, paying = [], [], [], []
    for booking in _roster_bookings(course):
        row = _row(booking, on)
        if booking.status == Booking.Status.CONFIRMED:
            families.append(row)
        elif booking.status == Booking.Status.OFFERED:
            offered.append(row)
        elif booking.status == Booking.Status.PENDING_PAYMENT:
            paying.append(row)
        else:
            waitlist.append(row)
    waitlist.sort(key=lambda row: row.booking.position_on_waitlist)
    marks = {
        (booking_id, session_id): status
        for booking_id, session_id, status in Attendance.objects.filter(session__course=course).values_list(
            "booking_id", "session_id", "status"
        )
    }
    counted = {s.pk for s in scheduled}
    for row in families:
        row.present = sum(
            1
            for session_id in counted
            if marks.get((row.booking.pk, session_id)) == Attendance.Status.PRESENT
        )
    return Roster(
        course=course,
        sessions=sessions,
        age_session=age_session,
        families=families,
        offered=offered,
        waitlist=waitlist,
        marks=marks,
        held=sum(1 for s in scheduled if s.starts_at <= now),
        paying=paying,
    )


@dataclass(frozen=True)
class RegisterLine:
    row: RosterRow
    status: str


def register(session: Session) -> list[RegisterLine]:
    """The families with a confirmed place on the session's course, each baby's age in weeks on that
    session's date, and the mark recorded for this session (empty when none yet)."""
    course = session.course
    on = local_date(session.starts_at, course)
    marks = dict(Attendance.objects.filter(session=session).values_list("booking_id", "status"))
    bookings = (
        Booking.objects.filter(course=course, status=Booking.Status.CONFIRMED)
        .select_related("baby", "parent")
        .order_by("created_at", "pk")
    )
    return [RegisterLine(row=_row(booking, on), status=marks.get(booking.pk, "")) for booking in bookings]


COURSE_ACTIONS_SHOWN = 20


def course_actions(course: Course) -> list[CourseAction]:
    """The latest changes a coordinator made to the course on its instructor's behalf."""
    return list(course.actions.select_related("actor").order_by("-at", "-pk")[:COURSE_ACTIONS_SHOWN])


def course_messages(course: Course) -> list[CourseMessage]:
    return list(course.messages.select_related("sender").order_by("-sent_at", "-pk"))
