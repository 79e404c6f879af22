"""The shape of the bench's data: the two sizes, what the cast owns at each, names and places, and the
helpers every part of the seed shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from django.core.exceptions import FieldDoesNotExist
from django.db.models import OuterRef, Subquery

from accounts.models import User
from classes.curriculum import curriculum_for_week, topic_title
from classes.models import Course, Session
from instructors.models import Background

PASSWORD = "bench-password-not-secret"
DOMAIN = "bench.example"
WEEKS = 5
FAMILIES_PER_COURSE = 10
FAMILIES_PER_PAST_COURSE = 8

# (city, country, time zone, teaching language)
CITIES = [
    ("Madrid", "ES", "Europe/Madrid", "es"),
    ("Barcelona", "ES", "Europe/Madrid", "es"),
    ("Sevilla", "ES", "Europe/Madrid", "es"),
    ("London", "GB", "Europe/London", "en"),
    ("Manchester", "GB", "Europe/London", "en"),
    ("Bristol", "GB", "Europe/London", "en"),
    ("Dublin", "IE", "Europe/Dublin", "en"),
    ("Paris", "FR", "Europe/Paris", "fr"),
    ("Lyon", "FR", "Europe/Paris", "fr"),
    ("Berlin", "DE", "Europe/Berlin", "de"),
    ("Munich", "DE", "Europe/Berlin", "de"),
    ("Stockholm", "SE", "Europe/Stockholm", "sv"),
    ("New York", "US", "America/New_York", "en"),
    ("Chicago", "US", "America/Chicago", "en"),
    ("Denver", "US", "America/Denver", "en"),
    ("Seattle", "US", "America/Los_Angeles", "en"),
    ("Toronto", "CA", "America/Toronto", "en"),
    ("Mexico City", "MX", "America/Mexico_City", "es"),
    ("Sydney", "AU", "Australia/Sydney", "en"),
    ("Auckland", "NZ", "Pacific/Auckland", "en"),
]
LANGUAGE_OF_CITY = {city: language for city, _country, _zone, language in CITIES}
FIRST_NAMES = ["Ana", "Ben", "Chloé", "Dara", "Eva", "Femi", "Greta", "Hugo", "Inés", "Jonas", "Kai", "Lena"]
SURNAMES = ["Alvarez", "Brown", "Costa", "Dubois", "Eriksson", "Fischer", "García", "Hughes", "Ito", "Jones"]
BACKGROUNDS = [choice.value for choice in Background]


@dataclass(frozen=True)
class CastShare:
    """What the cast owns: the same people at every size, with more of everything at the larger one."""

    parent_bookings: tuple[str, ...]
    parent_past_bookings: int
    instructor_courses: int
    instructor_families: int
    instructor_weeks: int
    practicum_families: int
    trainings: int
    applications_per_training: int


@dataclass(frozen=True)
class Size:
    name: str
    courses: int
    cast: CastShare

    @property
    def instructors(self) -> int:
        """Twice the courses: most certified instructors have no course running at any one time."""
        return 2 * self.courses

    @property
    def past_courses(self) -> int:
        return self.courses // 5

    @property
    def draft_courses(self) -> int:
        return self.courses // 20


SMALL_CAST = CastShare(
    parent_bookings=("confirmed", "waitlisted", "offered", "cancelled"),
    parent_past_bookings=1,
    instructor_courses=2,
    instructor_families=4,
    instructor_weeks=3,
    practicum_families=2,
    trainings=2,
    applications_per_training=3,
)
LARGE_CAST = CastShare(
    parent_bookings=(
        "confirmed",
        "confirmed",
        "confirmed",
        "waitlisted",
        "waitlisted",
        "offered",
        "cancelled",
        "cancelled",
    ),
    parent_past_bookings=3,
    instructor_courses=6,
    instructor_families=12,
    instructor_weeks=6,
    practicum_families=5,
    trainings=8,
    applications_per_training=10,
)


def sizes(factor: float = 1.0) -> dict[str, Size]:
    """The two sizes; `factor` (BENCH_SCALE, 1 by default) shrinks both for a quick run."""
    return {
        "1k": Size("1k", max(round(1_000 * factor), 40), SMALL_CAST),
        "10k": Size("10k", max(round(10_000 * factor), 100), LARGE_CAST),
    }


def email(local: str) -> str:
    return f"{local}@{DOMAIN}"


def person_name(number: int) -> str:
    return f"{FIRST_NAMES[number % len(FIRST_NAMES)]} {SURNAMES[(number // 7) % len(SURNAMES)]}"


def has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def set_first_session_at(course_ids=None) -> None:
    """Fill the maintained `Course.first_session_at` (the start of the first scheduled session, None when
    there is none) for rows the bench wrote in bulk, past the services that keep it. Read from the model
    at run time: on a checkout whose migrations do not have the field yet there is nothing to fill."""
    if not has_field(Course, "first_session_at"):
        return
    courses = Course.objects.all() if course_ids is None else Course.objects.filter(pk__in=list(course_ids))
    courses.update(
        first_session_at=Subquery(
            Session.objects.filter(course=OuterRef("pk"), status=Session.Status.SCHEDULED)
            .order_by("starts_at")
            .values("starts_at")[:1]
        )
    )


def weekly(zone: str, *, first: date, at: clock, weeks: int = WEEKS) -> list[datetime]:
    return [
        datetime.combine(first + timedelta(weeks=week), at, tzinfo=ZoneInfo(zone)) for week in range(weeks)
    ]


def sessions_for(course: Course, starts: list[datetime], *, cancelled_weeks=()) -> list[Session]:
    weeks = len(starts)
    return [
        Session(
            course=course,
            starts_at=start,
            week_number=week,
            curriculum=curriculum_for_week(weeks, week),
            topic=topic_title(curriculum_for_week(weeks, week)),
            status=Session.Status.CANCELLED if week in cancelled_weeks else Session.Status.SCHEDULED,
        )
        for week, start in enumerate(starts, 1)
    ]


@dataclass(frozen=True)
class Cast:
    parent: User
    instructor: User
    trainee: User
    staff: User
