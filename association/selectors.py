"""The figures of the association dashboard, each aggregated in SQL (GROUP BY on truncated dates), so a
figure costs the same few queries for ten courses or ten thousand.

Weeks and months are those of the site's time zone (settings.TIME_ZONE): the dashboard is the
association's, not one course's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.models import Certificate, Enrollment
from certification.selectors import practicum_families_counts, practicum_stage_enrollments
from classes.models import Booking, Course
from notifications.models import OutgoingEmail

WEEKS_BACK = 12
WEEKS_AHEAD = 8
DEMAND_WEEKS_BACK = 12
DEMAND_WEEKS_AHEAD = 26
EXPIRY_MONTHS = 12
FAILED_WEEKS = 12
TRAINEES_SHOWN = 30


def _local_day(moment: datetime | date) -> date:
    """A truncated date as the day it starts in the site's zone (Postgres gives an aware datetime,
    SQLite may too)."""
    if isinstance(moment, datetime):
        return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return moment


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


@dataclass(frozen=True)
class WeekOfCourses:
    week: date  # the Monday
    courses: int
    places: int
    taken: int
    new_bookings: int

    @property
    def fill_percent(self) -> int | None:
        return round(self.taken * 100 / self.places) if self.places else None


def bookings_by_week(*, today: date | None = None) -> list[WeekOfCourses]:
    """Per week of a course's first session, from WEEKS_BACK weeks ago to WEEKS_AHEAD ahead: published
    courses, the places they offer, the places taken (confirmed, or offered and unanswered) and so the
    fill rate; beside it, the places confirmed during that week (new bookings). Three queries."""
    today = today or timezone.localdate()
    first = _week_start(today) - timedelta(weeks=WEEKS_BACK)
    weeks = [first + timedelta(weeks=index) for index in range(WEEKS_BACK + WEEKS_AHEAD + 1)]
    start, end = _midnight(weeks[0]), _midnight(weeks[-1] + timedelta(weeks=1))
    courses = (
        Course.objects.published()
        .filter(first_session_at__gte=start, first_session_at__lt=end)
        .annotate(week=TruncWeek("first_session_at"))
        .values("week")
        .annotate(courses=Count("id"), places=Sum("capacity"))
        .order_by()
    )
    # Counted apart from the capacities: summing capacity over a join to bookings would count each
    # course's places once per booking.
    taken = (
        Booking.objects.holding_a_place()
        .filter(
            course__status=Course.Status.PUBLISHED,
            course__first_session_at__gte=start,
            course__first_session_at__lt=end,
        )
        .annotate(week=TruncWeek("course__first_session_at"))
        .values("week")
        .annotate(taken=Count("id"))
        .order_by()
    )
    confirmed = (
        Booking.objects.filter(confirmed_at__gte=start, confirmed_at__lt=end)
        .annotate(week=TruncWeek("confirmed_at"))
        .values("week")
        .annotate(confirmed=Count("id"))
        .order_by()
    )
    by_week: dict[date, dict[str, int]] = {week: {} for week in weeks}
    for rows in (courses, taken, confirmed):
        for row in rows:
            day = _week_start(_local_day(row.pop("week")))
            if day in by_week:
                by_week[day].update(row)
    return [
        WeekOfCourses(
            week=week,
            courses=figures.get("courses", 0),
            places=figures.get("places") or 0,
            taken=figures.get("taken", 0),
            new_bookings=figures.get("confirmed", 0),
        )
        for week, figures in by_week.items()
    ]


@dataclass(frozen=True)
class CityDemand:
    city: str  # empty for online courses
    country: str
    courses: int
    places: int
    taken: int
    waiting: int

    @property
    def waiting_per_place(self) -> float:
        return self.waiting / self.places if self.places else float(self.waiting)


def demand_by_city(*, now: datetime | None = None) -> list[CityDemand]:
    """Per town (online courses together): published courses whose first session is between
    DEMAND_WEEKS_BACK weeks ago and DEMAND_WEEKS_AHEAD ahead, the places they offer and take, and the
    families waiting for one (waitlisted or offered) — where demand outstrips places, the association
    has instructors to train. Most families waiting first. Two queries."""
    now = now or timezone.now()
    start, end = now - timedelta(weeks=DEMAND_WEEKS_BACK), now + timedelta(weeks=DEMAND_WEEKS_AHEAD)
    places = (
        Course.objects.published()
        .filter(first_session_at__gte=start, first_session_at__lt=end)
        .values("venue__city", "venue__country")
        .annotate(
            courses=Count("id"),
            places=Sum("capacity"),
        )
        .order_by()
    )
    bookings = (
        Booking.objects.filter(
            course__status=Course.Status.PUBLISHED,
            course__first_session_at__gte=start,
            course__first_session_at__lt=end,
        )
        .exclude(status=Booking.Status.CANCELLED)
        .values("course__venue__city", "course__venue__country")
        .annotate(
            taken=Count("id", filter=Q(status__in=[Booking.Status.CONFIRMED, Booking.Status.OFFERED])),
            waiting=Count("id", filter=Q(status__in=[Booking.Status.WAITLISTED, Booking.Status.OFFERED])),
        )
        .order_by()
    )
    cities: dict[tuple[str, str], dict[str, int]] = {}
    for row in places:
        key = (row["venue__city"] or "", str(row["venue__country"] or ""))
        cities.setdefault(key, {}).update(courses=row["courses"], places=row["places"] or 0)
    for row in bookings:
        key = (row["course__venue__city"] or "", str(row["course__venue__country"] or ""))
        cities.setdefault(key, {}).update(taken=row["taken"], waiting=row["waiting"])
    demand = [
        CityDemand(
            city=city,
            country=country,
            courses=figures.get("courses", 0),
            places=figures.get("places", 0),
            taken=figures.get("taken", 0),
            waiting=figures.get("waiting", 0),
        )
        for (city, country), figures in cities.items()
    ]
    return sorted(demand, key=lambda row: (-row.waiting, -row.waiting_per_place, row.city, row.country))


@dataclass(frozen=True)
class MonthOfExpiries:
    month: date  # the first of the month
    certificates: int


def certificates_expiring_by_month(*, now: datetime | None = None) -> list[MonthOfExpiries]:
    """Certificates valid now whose validity ends in each of the next EXPIRY_MONTHS months (this one
    first). One query."""
    now = now or timezone.now()
    months = [_add_months(timezone.localdate(now), index) for index in range(EXPIRY_MONTHS)]
    end = _midnight(_add_months(months[-1], 1))
    rows = (
        Certificate.objects.valid_at(now)
        .filter(valid_until__lt=end)
        .annotate(month=TruncMonth("valid_until"))
        .values("month")
        .annotate(certificates=Count("id"))
        .order_by()
    )
    counts = {_local_day(row["month"]).replace(day=1): row["certificates"] for row in rows}
    return [MonthOfExpiries(month=month, certificates=counts.get(month, 0)) for month in months]


@dataclass(frozen=True)
class TraineeProgress:
    enrollment: Enrollment
    families: int
    required: int

    @property
    def name(self) -> str:
        return self.enrollment.trainee.full_name or self.enrollment.trainee.email


@dataclass(frozen=True)
class PracticumProgress:
    trainees: list[TraineeProgress]
    total: int  # trainees in the practicum stage, of whom the first TRAINEES_SHOWN are listed


def practicum_progress() -> PracticumProgress:
    """Trainees in the practicum stage, nearest deadline first (the first TRAINEES_SHOWN), with the
    families counted toward their practicum (certification.selectors.practicum_families_counts). Four
    queries for any number of trainees."""
    stage = practicum_stage_enrollments()
    enrollments = list(
        stage.select_related("trainee", "training").order_by("deadline", "pk")[:TRAINEES_SHOWN]
    )
    families = practicum_families_counts(enrollments)
    required = settings.CERTIFICATION_PRACTICUM_FAMILIES
    return PracticumProgress(
        trainees=[
            TraineeProgress(enrollment=enrollment, families=families[enrollment.pk], required=required)
            for enrollment in enrollments
        ],
        total=len(enrollments) if len(enrollments) < TRAINEES_SHOWN else stage.count(),
    )


@dataclass(frozen=True)
class WeekOfFailures:
    week: date
    failed: int


@dataclass(frozen=True)
class FailedEmails:
    weeks: list[WeekOfFailures]
    total: int  # failed emails of any age


def failed_emails(*, today: date | None = None) -> FailedEmails:
    """Emails that failed for good, per week they were written, over the last FAILED_WEEKS weeks, and
    how many have failed in all. Two queries."""
    today = today or timezone.localdate()
    first = _week_start(today) - timedelta(weeks=FAILED_WEEKS - 1)
    weeks = [first + timedelta(weeks=index) for index in range(FAILED_WEEKS)]
    failed = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.FAILED)
    rows = (
        failed.filter(created_at__gte=_midnight(first))
        .annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(failed=Count("id"))
        .order_by()
    )
    counts = {_week_start(_local_day(row["week"])): row["failed"] for row in rows}
    return FailedEmails(
        weeks=[WeekOfFailures(week=week, failed=counts.get(week, 0)) for week in weeks],
        total=failed.count(),
    )


def city_label(row: CityDemand) -> str:
    if not row.city:
        return _("Online")
    return f"{row.city} ({row.country})" if row.country else row.city
