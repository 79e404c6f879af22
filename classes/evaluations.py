"""Families' evaluations of a course: who is asked, the signed link they answer by, and what the
instructor may see of the answers (docs/domain.md, Evaluations). Reads only; the writes are in
classes.services.evaluations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
)
from django.urls import reverse
from django.utils import timezone

from classes.models import RATING_FIELDS, Attendance, Booking, Course, Evaluation, Session

EVALUATION_SALT = "classes.evaluation"


def evaluation_token(booking: Booking) -> str:
    """A signed token naming this booking: whoever holds it may answer for that family, and only that."""
    return signing.dumps({"booking": booking.pk}, salt=EVALUATION_SALT)


@dataclass(frozen=True)
class TokenReading:
    """What a token says: the booking it names, or why it names none (``expired`` or not)."""

    booking_id: int | None
    expired: bool = False


def read_evaluation_token(token: str) -> TokenReading:
    try:
        payload = signing.loads(
            token, salt=EVALUATION_SALT, max_age=timedelta(days=settings.EVALUATION_LINK_DAYS)
        )
    except signing.SignatureExpired:
        return TokenReading(booking_id=None, expired=True)
    except signing.BadSignature:
        return TokenReading(booking_id=None)
    if not isinstance(payload, dict) or not isinstance(payload.get("booking"), int):
        return TokenReading(booking_id=None)
    return TokenReading(booking_id=payload["booking"])


def evaluation_link(booking: Booking) -> tuple[str, str]:
    """The address the request email links to, and the token in it."""
    token = evaluation_token(booking)
    return settings.SITE_URL + reverse("classes:evaluation_by_link", kwargs={"token": token}), token


class _SessionEndsAt(Func):
    """A session's start plus its duration in minutes, in SQL. SQLite (`make run`) has no interval type
    and Django's duration arithmetic refuses integer × interval there, so each database gets its own."""

    output_field = DateTimeField()

    def __init__(self) -> None:
        super().__init__(F("starts_at"), F("duration_minutes"))

    def _parts(self, compiler):
        starts, start_params = compiler.compile(self.source_expressions[0])
        minutes, minute_params = compiler.compile(self.source_expressions[1])
        return starts, minutes, (*start_params, *minute_params)

    def as_sql(self, compiler, connection, **extra_context):
        starts, minutes, params = self._parts(compiler)
        return f"({starts} + make_interval(mins => {minutes}))", params

    def as_sqlite(self, compiler, connection, **extra_context):
        starts, minutes, params = self._parts(compiler)
        return f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', {starts}, '+' || {minutes} || ' minutes')", params


def _session_ends_at() -> Func:
    return _SessionEndsAt()


def evaluable_bookings(*, now: datetime | None = None) -> QuerySet[Booking]:
    """Bookings whose family is asked for an evaluation and may give one (docs/domain.md, Evaluations).

    The place was confirmed on a course that ran (published, not cancelled) and whose every scheduled
    session has ended. A family the register shows absent every time it was taken did not come and is not
    asked; one never marked either way is, since many instructors take no register.
    """
    now = now or timezone.now()
    scheduled = Session.objects.filter(course=OuterRef("course_id"), status=Session.Status.SCHEDULED)
    still_running = scheduled.alias(ends_at=_session_ends_at()).filter(ends_at__gt=now)
    marked = Attendance.objects.filter(booking=OuterRef("pk"))
    return (
        Booking.objects.filter(
            status=Booking.Status.CONFIRMED,
            parent__isnull=False,
            course__status=Course.Status.PUBLISHED,
        )
        .filter(Exists(scheduled), ~Exists(still_running))
        .exclude(Exists(marked) & ~Exists(marked.filter(status=Attendance.Status.PRESENT)))
    )


def may_evaluate(booking: Booking, *, now: datetime | None = None) -> bool:
    return evaluable_bookings(now=now).filter(pk=booking.pk).exists()


@dataclass(frozen=True)
class ParentEvaluations:
    """Which of a parent's bookings My bookings offers to evaluate, and which it thanks for one."""

    open: frozenset[int]
    answered: frozenset[int]


def evaluations_of_parent(parent, *, now: datetime | None = None) -> ParentEvaluations:
    """Two queries, whatever the number of bookings."""
    answered = frozenset(
        Evaluation.objects.filter(booking__parent=parent).values_list("booking_id", flat=True)
    )
    open_ = frozenset(evaluable_bookings(now=now).filter(parent=parent).values_list("pk", flat=True))
    return ParentEvaluations(open=open_ - answered, answered=answered)


@dataclass(frozen=True)
class RatingAverage:
    field: str
    label: str
    average: float


@dataclass(frozen=True)
class PracticeShare:
    value: str
    label: str
    count: int
    percent: int


@dataclass
class EvaluationSummary:
    """What an instructor sees of a course's evaluations: how many answered, and, from the threshold on,
    anonymous aggregates only. Below it, nothing but the counts (``shown`` is False)."""

    answered: int
    asked: int
    threshold: int
    averages: list[RatingAverage] = field(default_factory=list)
    home_practice: list[PracticeShare] = field(default_factory=list)
    gained: list[str] = field(default_factory=list)
    to_improve: list[str] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.answered >= self.threshold


def _comments(texts: list[str]) -> list[str]:
    """Non-empty comments in alphabetical order: neither when they came nor which comments sat on one form
    (the two lists are sorted apart) can tell the instructor whose they are."""
    return sorted((text.strip() for text in texts if text.strip()), key=str.casefold)


def course_evaluation_summary(course: Course, *, now: datetime | None = None) -> EvaluationSummary:
    """The course's evaluations as its instructor may see them (EVALUATION_MIN_ANSWERS); three queries."""
    evaluations = Evaluation.objects.filter(booking__course=course)
    practice = Evaluation.HomePractice
    totals = evaluations.aggregate(
        answered=Count("pk"),
        **{f"avg_{name}": Avg(name) for name in RATING_FIELDS},
        **{
            f"practice_{choice.value}": Count("pk", filter=Q(home_practice=choice.value))
            for choice in practice
        },
    )
    asked = evaluable_bookings(now=now).filter(course=course).count()
    summary = EvaluationSummary(
        answered=totals["answered"],
        # A family that answered and then had its place detached (a deleted account) still answered.
        asked=max(asked, totals["answered"]),
        threshold=settings.EVALUATION_MIN_ANSWERS,
    )
    if not summary.shown:
        return summary
    summary.averages = [
        RatingAverage(
            name, str(Evaluation._meta.get_field(name).verbose_name), round(totals[f"avg_{name}"], 1)
        )
        for name in RATING_FIELDS
    ]
    summary.home_practice = [
        PracticeShare(
            choice.value,
            str(choice.label),
            totals[f"practice_{choice.value}"],
            round(100 * totals[f"practice_{choice.value}"] / summary.answered),
        )
        for choice in practice
    ]
    texts = list(evaluations.values_list("gained", "to_improve"))
    summary.gained = _comments([gained for gained, _improve in texts])
    summary.to_improve = _comments([improve for _gained, improve in texts])
    return summary
