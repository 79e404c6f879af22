"""Reads for classes: the catalog and course pages with a query count that does not grow with data."""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import ASin, Coalesce, Cos, Least, Power, Radians, Sin, Sqrt
from django.utils import timezone

from classes.models import Booking, Course, Session
from classes.places import DEFAULT_RADIUS_KM, EARTH_RADIUS_KM, Place, bounding_box, distance_km
from payments.selectors import receipt_links_prefetch

logger = logging.getLogger(__name__)

MANAGE_ANY_COURSE = "classes.manage_any_course"


def manages_any_course(user) -> bool:
    """Whether this person may act on courses they do not teach: the explicit permission (the Course
    coordinators group), never is_staff, which only opens Django admin."""
    return user.is_authenticated and user.is_active and user.has_perm(MANAGE_ANY_COURSE)


def manages_any_course_condition(user_ref) -> Q:
    """manages_any_course as a condition on the user `user_ref` points at (an OuterRef to the user's pk),
    for a query that asks it beside other things: active, and a superuser or holding the permission
    directly or through a group, as ModelBackend.has_perm decides."""
    app_label, codename = MANAGE_ANY_COURSE.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    user_model = get_user_model()
    through_groups = user_model.groups.through.objects.filter(
        **{user_model.groups.field.m2m_field_name(): user_ref}, group__permissions__in=permission
    )
    direct = user_model.user_permissions.through.objects.filter(
        **{user_model.user_permissions.field.m2m_field_name(): user_ref}, permission__in=permission
    )
    return Q(is_active=True) & (Q(is_superuser=True) | Exists(through_groups) | Exists(direct))


def may_manage_course(user, course: Course) -> bool:
    return (user.is_authenticated and user.pk == course.instructor_id) or manages_any_course(user)


def courses_managed_by(user) -> QuerySet[Course]:
    """The courses this person may manage on the teaching pages: their own, or all with the permission."""
    return Course.objects.all() if manages_any_course(user) else Course.objects.filter(instructor=user)


def places_taken_subquery():
    """Confirmed plus offered-but-unanswered places of the outer course (offers hold a place)."""
    return Coalesce(
        Subquery(
            Booking.objects.filter(course=OuterRef("pk"))
            .holding_a_place()
            .order_by()
            .values("course")
            .annotate(taken=Count("pk"))
            .values("taken")[:1]
        ),
        0,
    )


def waitlist_length_subquery():
    return Coalesce(
        Subquery(
            Booking.objects.filter(course=OuterRef("pk"), status=Booking.Status.WAITLISTED)
            .order_by()
            .values("course")
            .annotate(waiting=Count("pk"))
            .values("waiting")[:1]
        ),
        0,
    )


def with_availability(courses: QuerySet[Course]) -> QuerySet[Course]:
    """Annotate ``places_taken`` and ``places_left``, without grouping the courses (a GROUP BY over every
    selected column made a page of twelve courses cost more to plan than to run). The first session's
    start is the course's own ``first_session_at``."""
    return courses.annotate(
        places_taken=places_taken_subquery(),
        places_left=F("capacity") - places_taken_subquery(),
    )


def courses_for_cards(pks: Sequence[int]) -> list[Course]:
    """The courses with these ids, in this order, as course cards show them: with ``places_taken`` and
    ``places_left``, venue and instructor's profile (two queries for any number).

    The places are counted in a query of their own, grouped by course, rather than as the correlated
    subqueries of with_availability: Postgres spent several times longer planning that one query over
    four joined tables than running it."""
    courses = Course.objects.filter(pk__in=pks).select_related(
        "venue", "instructor", "instructor__instructor_profile"
    )
    taken = dict(
        Booking.objects.filter(course_id__in=pks)
        .holding_a_place()
        .order_by()
        .values("course_id")
        .annotate(taken=Count("pk"))
        .values_list("course_id", "taken")
    )
    by_pk = {}
    for course in courses:
        course.places_taken = taken.get(course.pk, 0)
        course.places_left = course.capacity - course.places_taken
        by_pk[course.pk] = course
    return [by_pk[pk] for pk in pks if pk in by_pk]


def online_alongside(filters: dict, *, limit: int) -> list[int]:
    """The first few online courses matching the catalog's other filters, for the list of courses near a
    place (online courses are near everyone); none when the parent asked for courses at a venue only."""
    if filters.get("format") == Course.Format.VENUE:
        return []
    others = {name: value for name, value in filters.items() if name not in ("near", "within", "format")}
    return list(catalog_course_ids(**others, format=Course.Format.ONLINE)[:limit])


def distance_from(place: Place, latitude: str, longitude: str) -> Func:
    """Kilometres from the place to the position in these two fields (haversine, in SQL; None where the
    position is unknown)."""
    latitude_0, longitude_0 = math.radians(place.latitude), math.radians(place.longitude)
    half_north = (Radians(F(latitude)) - Value(latitude_0)) / 2
    half_east = (Radians(F(longitude)) - Value(longitude_0)) / 2
    haversine = Power(Sin(half_north), 2) + Value(math.cos(latitude_0)) * Cos(Radians(F(latitude))) * Power(
        Sin(half_east), 2
    )
    # Rounding can take the haversine a hair past 1, where ASIN is undefined.
    return ExpressionWrapper(
        Value(2 * EARTH_RADIUS_KM) * ASin(Sqrt(Least(haversine, Value(1.0)))), output_field=FloatField()
    )


def with_distances(courses: list[Course], near: Place | None) -> list[Course]:
    """Set ``distance_km`` on each course at a venue with a position (None otherwise), for its card."""
    for course in courses:
        venue = course.venue
        known = near is not None and venue is not None and venue.latitude is not None
        course.distance_km = (
            distance_km(near.latitude, near.longitude, venue.latitude, venue.longitude) if known else None
        )
    return courses


def card_fingerprint(course: Course) -> str:
    """A digest of everything a course card (templates/includes/course_card.html) may show, for the key
    it is kept under: every column of the course and of its venue, the places left, and the instructor's
    names. Whole rows rather than the fields the card uses today, so a card that starts showing another
    field is never read from an older key."""
    parts = [getattr(course, field.attname) for field in Course._meta.concrete_fields]
    if course.venue is not None:
        parts += [getattr(course.venue, field.attname) for field in course.venue._meta.concrete_fields]
    instructor = course.instructor
    profile = getattr(instructor, "instructor_profile", None)
    parts += [course.places_left, instructor.full_name, profile.display_name if profile else None]
    parts.append(round(course.distance_km) if getattr(course, "distance_km", None) is not None else None)
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def upcoming_courses(*, limit: int | None = None) -> list[Course]:
    """Published courses whose first session is still ahead, soonest first (two queries: the ids on the
    catalog index, stopping after `limit`, then the cards)."""
    upcoming = catalog_course_ids()
    return courses_for_cards(list(upcoming[:limit] if limit else upcoming))


def course_for_page(pk: int) -> Course | None:
    """A published or cancelled course with its sessions, venue and instructor (drafts are not public),
    and ``waitlist_length``, the families waiting."""
    return (
        with_availability(Course.objects.exclude(status=Course.Status.DRAFT))
        .annotate(waitlist_length=waitlist_length_subquery())
        .select_related("venue", "instructor", "instructor__instructor_profile")
        .prefetch_related(Prefetch("sessions", queryset=Session.objects.order_by("starts_at")))
        .filter(pk=pk)
        .first()
    )


def waitlist_position(booking: Booking) -> int | None:
    """1 for the first family waiting, None for a booking that is not on the waitlist (FIFO, ties by id)."""
    if booking.status != Booking.Status.WAITLISTED:
        return None
    ahead = (
        Booking.objects.filter(course_id=booking.course_id, status=Booking.Status.WAITLISTED)
        .filter(
            Q(waitlisted_at__lt=booking.waitlisted_at)
            | Q(waitlisted_at=booking.waitlisted_at, pk__lt=booking.pk)
        )
        .count()
    )
    return ahead + 1


class LocalDate(Func):
    """The calendar date of an aware datetime in the time zone named by a column (the course's own zone).

    The booking rules count a baby's age on the local date of the first session, so the catalog does too.
    SQLite, used only for a first look with `make run`, has no time zone database and takes the UTC date.
    """

    output_field = DateField()

    def __init__(self, moment, zone, **extra) -> None:
        super().__init__(moment, zone, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        (moment, moment_params), (zone, zone_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return f"(({moment}) AT TIME ZONE ({zone}))::date", (*moment_params, *zone_params)

    def as_sqlite(self, compiler, connection, **extra):
        moment, moment_params = compiler.compile(self.get_source_expressions()[0])
        return f"date({moment})", moment_params


class DaysSince(Func):
    """Whole days from a fixed date to a date expression, as an integer."""

    output_field = IntegerField()

    def __init__(self, later, earlier: date, **extra) -> None:
        super().__init__(later, Value(earlier, output_field=DateField()), **extra)

    def as_postgresql(self, compiler, connection, **extra):
        (later, later_params), (earlier, earlier_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return f"(({later}) - ({earlier}))", (*later_params, *earlier_params)

    def as_sqlite(self, compiler, connection, **extra):
        (later, later_params), (earlier, earlier_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)", (*later_params, *earlier_params)


# Every local date falls within a day of the same date in UTC (time zones run from UTC-12 to UTC+14), so
# a range of local dates bounds the instants it can contain, and the catalog index can start and stop there.
LOCAL_DATE_MARGIN = timedelta(days=1)


def _utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def catalog_course_ids(
    *,
    city: str = "",
    format: str = "",
    language: str = "",
    starts_from: date | None = None,
    starts_to: date | None = None,
    baby_born: date | None = None,
    near: Place | None = None,
    within: int = DEFAULT_RADIUS_KM,
) -> QuerySet[Course, int]:
    """Ids of the published courses whose first session is ahead, soonest first (ties by id), narrowed by
    the catalog's filters: a lazy queryset the view's paginator counts and slices in SQL, so only the page
    shown is read; ``courses_for_cards`` then reads its courses.

    It reads the course's own ``first_session_at`` on the catalog indexes (Course.Meta.indexes): the page is
    an index scan in the catalog's order that stops after the page, never a sort of the whole catalog.

    A city matches venues in it and, unless the parent asked for courses at a venue only, online courses
    too (they are near everyone). Dates are the first session's date in the course's own time zone. A
    baby's date of birth keeps the courses whose age range fits the baby at the first session, counted as
    ``classes.services.book_course`` counts it: whole weeks on the local date of the first session.

    Near a place, only courses at venues within `within` km, nearest first (then soonest): the venues are
    cut first by a box of latitudes and longitudes on their position index, and only the courses at those
    have a distance computed, so the page costs what the place's courses cost, not the catalog. Online
    courses are near everyone: the catalog lists them beside these (``online_alongside``).
    """
    courses = (
        Course.objects.published()
        .filter(first_session_at__gt=timezone.now())
        .alias(first_session_date=LocalDate(F("first_session_at"), F("time_zone")))
        .order_by("first_session_at", "pk")
    )
    if format:
        courses = courses.filter(format=format)
    if city:
        in_city = Q(venue__city__icontains=city)
        courses = courses.filter(
            in_city if format == Course.Format.VENUE else in_city | Q(format=Course.Format.ONLINE)
        )
    if near is not None:
        # The venues in the box first (their position index), then only their courses get a distance.
        south, north, west, east = bounding_box(near, within)
        courses = (
            courses.filter(venue__latitude__range=(south, north), venue__longitude__range=(west, east))
            .alias(distance=distance_from(near, "venue__latitude", "venue__longitude"))
            .filter(distance__lte=within)
            .order_by("distance", "first_session_at", "pk")
        )
    if language:
        courses = courses.filter(language=language)
    # The local date decides; the bound on the instant only lets the index skip what cannot match.
    if starts_from:
        courses = courses.filter(
            first_session_at__gte=_utc_midnight(starts_from) - LOCAL_DATE_MARGIN,
            first_session_date__gte=starts_from,
        )
    if starts_to:
        courses = courses.filter(
            first_session_at__lt=_utc_midnight(starts_to + timedelta(days=1)) + LOCAL_DATE_MARGIN,
            first_session_date__lte=starts_to,
        )
    if baby_born:
        courses = courses.alias(baby_age_days=DaysSince(F("first_session_date"), baby_born)).filter(
            baby_age_days__gte=F("min_age_weeks") * 7,
            baby_age_days__lt=(F("max_age_weeks") + 1) * 7,
        )
    return courses.values_list("pk", flat=True)


def waitlist_ahead_subquery():
    """Families waiting on the outer booking's course who joined before it (FIFO, ties by id)."""
    return Coalesce(
        Subquery(
            Booking.objects.filter(course=OuterRef("course"), status=Booking.Status.WAITLISTED)
            .filter(
                Q(waitlisted_at__lt=OuterRef("waitlisted_at"))
                | Q(waitlisted_at=OuterRef("waitlisted_at"), pk__lt=OuterRef("pk"))
            )
            .order_by()
            .values("course")
            .annotate(ahead=Count("pk"))
            .values("ahead")[:1]
        ),
        0,
    )


def with_waitlist_position(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Annotate ``position_on_waitlist`` (1 for the first family waiting; None when not waitlisted) in the
    same query, the rule of ``waitlist_position`` for many bookings at once."""
    return bookings.annotate(
        position_on_waitlist=Case(
            When(status=Booking.Status.WAITLISTED, then=waitlist_ahead_subquery() + 1),
            default=None,
            output_field=IntegerField(),
        )
    )


def live_bookings_on(course: Course, parent) -> list[Booking]:
    """The parent's bookings on a course that are not cancelled (one per baby), with waitlist positions.

    Positions are counted (a second query, whatever the number of bookings) only when a booking is on
    the waitlist: most course pages a parent opens show a place, or nothing, and the count is what costs."""
    bookings = Booking.objects.live().filter(course=course, parent=parent).select_related("baby")
    found = list(bookings.order_by("created_at", "pk"))
    if any(booking.status == Booking.Status.WAITLISTED for booking in found):
        return list(with_waitlist_position(bookings).order_by("created_at", "pk"))
    for booking in found:
        booking.position_on_waitlist = None
    return found


@dataclass
class ParentBookings:
    """A parent's bookings as My bookings shows them."""

    upcoming: list[Booking] = field(default_factory=list)
    waiting: list[Booking] = field(default_factory=list)
    past: list[Booking] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.upcoming or self.waiting or self.past)


def cancellation_deadline_from(first_start: datetime | None, cutoff_hours: int) -> datetime | None:
    """The one rule: a parent may cancel a confirmed place until the cutoff before the first session."""
    return None if first_start is None else first_start - timedelta(hours=cutoff_hours)


def cancellation_deadline_of(course: Course) -> datetime | None:
    """The cancellation deadline of a course, from its own ``first_session_at``, so a list of bookings
    costs no query per booking."""
    return cancellation_deadline_from(course.first_session_at, course.cancellation_cutoff_hours)


def course_is_over(course: Course, *, now: datetime) -> bool:
    """Every scheduled session has ended (reads prefetched sessions)."""
    scheduled = [s for s in course.sessions.all() if s.status == Session.Status.SCHEDULED]
    return not scheduled or max(s.ends_at for s in scheduled) <= now


def bookings_of_parent(parent, *, now: datetime | None = None) -> ParentBookings:
    """The parent's bookings in three groups, in a constant number of queries.

    Each booking carries ``position_on_waitlist``, its payment's receipts and credit notes, and its course
    its ``first_session_at`` and its sessions, prefetched in order.
    """
    now = now or timezone.now()
    bookings = (
        with_waitlist_position(Booking.objects.filter(parent=parent))
        .select_related(
            "baby",
            "payment",
            "course",
            "course__venue",
            "course__instructor",
            "course__instructor__instructor_profile",
        )
        .prefetch_related(
            Prefetch("course__sessions", queryset=Session.objects.order_by("starts_at")),
            receipt_links_prefetch("payment__"),
        )
        .order_by("created_at", "pk")
    )
    grouped = ParentBookings()
    for booking in bookings:
        course = booking.course
        if booking.status == Booking.Status.CANCELLED or course_is_over(course, now=now):
            grouped.past.append(booking)
        elif booking.status in (Booking.Status.CONFIRMED, Booking.Status.PENDING_PAYMENT):
            grouped.upcoming.append(booking)
        else:
            grouped.waiting.append(booking)
    grouped.upcoming.sort(key=lambda b: (b.course.first_session_at, b.pk))
    grouped.past.reverse()
    return grouped
