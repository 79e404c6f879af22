"""Practicum families, counted from classes' attendance and evaluations (docs/domain.md, Certification):
the one place the rule lives; certification.selectors re-exports what pages and admin read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone

from certification.models import Enrollment
from classes.models import Attendance, Booking, Course, Evaluation, Session


def _practicum_window_courses(enrollments: Sequence[Enrollment]) -> list[list[Course]]:
    """For each enrollment, in order: the trainee's practicum courses whose first scheduled session falls
    between the end of the training and the enrollment's deadline, first to start first, with `first_at`
    and `session_count` (scheduled sessions); none without a deadline.

    One query for any number of enrollments (none when no enrollment has a deadline). The window is
    compared here rather than in SQL because each enrollment has its own; the first session's day is the
    one in the current time zone, as a `__date` lookup would take it.
    """
    dated = [enrollment for enrollment in enrollments if enrollment.deadline is not None]
    courses: list[Course] = []
    if dated:
        courses = list(
            Course.objects.filter(
                instructor_id__in={enrollment.trainee_id for enrollment in dated}, is_practicum=True
            )
            .annotate(
                first_at=Min("sessions__starts_at", filter=Q(sessions__status=Session.Status.SCHEDULED)),
                session_count=Count(
                    "sessions", filter=Q(sessions__status=Session.Status.SCHEDULED), distinct=True
                ),
            )
            .filter(first_at__isnull=False)
            .order_by("first_at", "pk")
        )
    return [
        [
            course
            for course in courses
            if course.instructor_id == enrollment.trainee_id
            and enrollment.training.ends_on <= timezone.localdate(course.first_at) <= enrollment.deadline
        ]
        if enrollment.deadline is not None
        else []
        for enrollment in enrollments
    ]


@dataclass(frozen=True)
class FamilyTally:
    """Practicum families: those who completed a course, those of them who sent its evaluation, and
    those who count (with CERTIFICATION_PRACTICUM_REQUIRES_EVALUATION, the evaluated ones)."""

    completed: int = 0
    evaluated: int = 0

    @property
    def counted(self) -> int:
        return self.evaluated if settings.CERTIFICATION_PRACTICUM_REQUIRES_EVALUATION else self.completed

    def __add__(self, other: FamilyTally) -> FamilyTally:
        return FamilyTally(self.completed + other.completed, self.evaluated + other.evaluated)


def _families_by_course(
    enrollments: Sequence[Enrollment], windows: Sequence[list[Course]]
) -> list[dict[int, FamilyTally]]:
    """For each enrollment, in order: the families each of its window's practicum courses (first to
    start first, as _practicum_window_courses gives them) counts for. One query for any number of
    enrollments, none when no window has a course.

    A family is a parent: two babies of one parent, or one parent on two courses, count once, for the
    first course they completed (and, for evaluations, the first they evaluated). The trainee's own
    bookings never count (book_course refuses them now; this keeps older ones out). A family that
    deleted its account has no parent any more and nobody can tell whose booking it was, so each of its
    completed bookings counts as one family, as it did before; its evaluation stays, without a name.
    """
    session_counts = {course.pk: course.session_count for courses in windows for course in courses}
    completed: dict[int, list[tuple[int | None, bool]]] = {course_id: [] for course_id in session_counts}
    if session_counts:
        bookings = (
            Booking.objects.filter(course_id__in=session_counts, status=Booking.Status.CONFIRMED)
            .annotate(
                present=Count(
                    "attendances",
                    filter=Q(attendances__status=Attendance.Status.PRESENT)
                    & Q(attendances__session__status=Session.Status.SCHEDULED),
                ),
                evaluated=Exists(Evaluation.objects.filter(booking=OuterRef("pk"))),
            )
            .order_by("pk")
            .values_list("course_id", "parent_id", "present", "evaluated")
        )
        minimum = settings.CERTIFICATION_MIN_ATTENDANCE_PERCENT
        for course_id, parent_id, present, evaluated in bookings:
            if session_counts[course_id] and present * 100 >= minimum * session_counts[course_id]:
                completed[course_id].append((parent_id, evaluated))
    families_by_enrollment = []
    for enrollment, courses in zip(enrollments, windows, strict=True):
        seen: dict[bool, set[int | None]] = {False: set(), True: set()}
        families = {}
        for course in courses:
            tally = {False: 0, True: 0}
            for parent_id, evaluated in completed[course.pk]:
                if parent_id == enrollment.trainee_id:
                    continue
                for evaluations_only in (False, True) if evaluated else (False,):
                    if parent_id is None or parent_id not in seen[evaluations_only]:
                        tally[evaluations_only] += 1
                        seen[evaluations_only].add(parent_id)
            families[course.pk] = FamilyTally(completed=tally[False], evaluated=tally[True])
        families_by_enrollment.append(families)
    return families_by_enrollment


def practicum_tallies(enrollments: Iterable[Enrollment]) -> dict[int, FamilyTally]:
    """Each enrollment's practicum families (FamilyTally), by enrollment id, in two queries for any
    number of enrollments (a page of them in admin). Each enrollment's training must be loaded
    (select_related), or reading it costs a query of its own."""
    enrollments = list(enrollments)
    windows = _practicum_window_courses(enrollments)
    return {
        enrollment.pk: sum(families.values(), FamilyTally())
        for enrollment, families in zip(enrollments, _families_by_course(enrollments, windows), strict=True)
    }


def practicum_families_counts(enrollments: Iterable[Enrollment]) -> dict[int, int]:
    """practicum_families_count of each enrollment, by enrollment id (see practicum_tallies)."""
    return {pk: tally.counted for pk, tally in practicum_tallies(enrollments).items()}


def practicum_families_count(enrollment: Enrollment) -> int:
    """Families who attended enough of a practicum course the trainee taught, and sent its evaluation.

    A family counts when it attended at least CERTIFICATION_MIN_ATTENDANCE_PERCENT of the scheduled
    sessions of a practicum course whose first session falls between the end of the training and the
    enrollment's deadline, and (CERTIFICATION_PRACTICUM_REQUIRES_EVALUATION) evaluated that course. Each
    parent counts once however many babies or courses, and never the trainee themselves. Families of
    parents who deleted their account still count. Two queries; for many enrollments,
    practicum_families_counts counts them all in two.
    """
    return practicum_tallies([enrollment])[enrollment.pk].counted


@dataclass(frozen=True)
class PracticumCourse:
    """A practicum course that counts toward an enrollment, with the families it counts for."""

    course: Course
    families: int
    tally: FamilyTally = field(default_factory=FamilyTally)


def practicum_courses(enrollment: Enrollment) -> list[PracticumCourse]:
    """The practicum courses inside the enrollment's window, first session first, each with the families
    counted by the rule of practicum_families_count (their sum is that count: a family that completed
    two courses counts for the first). Two queries when the enrollment's training is loaded; none
    without a deadline."""
    [courses] = _practicum_window_courses([enrollment])
    if not courses:
        return []
    [families] = _families_by_course([enrollment], [courses])
    return [
        PracticumCourse(course=course, families=families[course.pk].counted, tally=families[course.pk])
        for course in courses
    ]
