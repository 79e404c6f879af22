"""Reads for certification: eligibility, practicum counted from attendance, certificate status."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from certification.models import Certificate, CertificateEvent, Enrollment, TrainingCourse, TrainingModule
from classes.models import Attendance, Booking, Course, Session

# Applications waiting for a decision hold a place, as offered waitlist places do for courses; a certified
# enrollment was an accepted one.
PLACE_HOLDING_STATUSES = (Enrollment.Status.APPLIED, Enrollment.Status.ACCEPTED, Enrollment.Status.CERTIFIED)


def upcoming_trainings() -> QuerySet[TrainingCourse]:
    """Published trainings that have not started, with `places_left`, soonest first."""
    today = timezone.localdate()
    return (
        TrainingCourse.objects.filter(is_published=True, starts_on__gt=today)
        .select_related("trainer", "venue")
        .annotate(taken=Count("enrollments", filter=Q(enrollments__status__in=PLACE_HOLDING_STATUSES)))
        .order_by("starts_on", "pk")
    )


def module_labels(training: TrainingCourse) -> list[str]:
    """The modules a training covers, in the curriculum's order, in the current language."""
    chosen = set(training.modules or [])
    return [str(module.label) for module in TrainingModule if module.value in chosen]


def enrolled_training_ids(user: User) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(Enrollment.objects.filter(trainee=user).values_list("training_id", flat=True))


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


def _families_by_course(
    enrollments: Sequence[Enrollment], windows: Sequence[list[Course]]
) -> list[dict[int, int]]:
    """For each enrollment, in order: how many families each of its window's practicum courses (first to
    start first, as _practicum_window_courses gives them) counts for. One query for any number of
    enrollments, none when no window has a course.

    A family is a parent: two babies of one parent, or one parent on two courses, count once, for the
    first course they completed. The trainee's own bookings never count (book_course refuses them now;
    this keeps older ones out). A family that deleted its account has no parent any more and nobody can
    tell whose booking it was, so each of its completed bookings counts as one family, as it did before.
    """
    session_counts = {course.pk: course.session_count for courses in windows for course in courses}
    completed: dict[int, list[int | None]] = {course_id: [] for course_id in session_counts}
    if session_counts:
        bookings = (
            Booking.objects.filter(course_id__in=session_counts, status=Booking.Status.CONFIRMED)
            .annotate(
                present=Count(
                    "attendances",
                    filter=Q(attendances__status=Attendance.Status.PRESENT)
                    & Q(attendances__session__status=Session.Status.SCHEDULED),
                )
            )
            .order_by("pk")
            .values_list("course_id", "parent_id", "present")
        )
        minimum = settings.CERTIFICATION_MIN_ATTENDANCE_PERCENT
        for course_id, parent_id, present in bookings:
            if session_counts[course_id] and present * 100 >= minimum * session_counts[course_id]:
                completed[course_id].append(parent_id)
    families_by_enrollment = []
    for enrollment, courses in zip(enrollments, windows, strict=True):
        counted: set[int | None] = set()
        families = {course.pk: 0 for course in courses}
        for course in courses:
            for parent_id in completed[course.pk]:
                if parent_id == enrollment.trainee_id:
                    continue
                if parent_id is None or parent_id not in counted:
                    families[course.pk] += 1
                    counted.add(parent_id)
        families_by_enrollment.append(families)
    return families_by_enrollment


def practicum_families_counts(enrollments: Iterable[Enrollment]) -> dict[int, int]:
    """practicum_families_count of each enrollment, by enrollment id, in two queries for any number of
    enrollments (a page of them in admin). Each enrollment's training must be loaded (select_related),
    or reading it costs a query of its own."""
    enrollments = list(enrollments)
    windows = _practicum_window_courses(enrollments)
    return {
        enrollment.pk: sum(families.values())
        for enrollment, families in zip(enrollments, _families_by_course(enrollments, windows), strict=True)
    }


def practicum_families_count(enrollment: Enrollment) -> int:
    """Families who attended enough of a practicum course the trainee taught.

    A family counts when it attended at least CERTIFICATION_MIN_ATTENDANCE_PERCENT of the scheduled
    sessions of a practicum course whose first session falls between the end of the training and the
    enrollment's deadline. Each parent counts once however many babies or courses, and never the trainee
    themselves. Families of parents who deleted their account still count. Two queries; for many
    enrollments, practicum_families_counts counts them all in two.
    """
    return practicum_families_counts([enrollment])[enrollment.pk]


def missing_requirements(enrollment: Enrollment, *, families: int | None = None) -> list[str]:
    """What still stands between this enrollment and a certificate, in words; empty when eligible.

    `families` is the enrollment's practicum_families_count when the caller has it already (a list that
    counted a page of enrollments at once); without it, it is counted here.
    """
    missing = []
    if enrollment.status != Enrollment.Status.ACCEPTED:
        missing.append(
            _("The application is not accepted (status: %(status)s).")
            % {"status": enrollment.get_status_display()}
        )
    if hasattr(enrollment, "certificate"):
        missing.append(_("A certificate was already issued for this enrollment."))
    if not enrollment.training_attended:
        missing.append(_("Training attendance is not recorded."))
    if enrollment.exam_score is None:
        missing.append(_("No exam score is recorded."))
    elif enrollment.exam_score < settings.CERTIFICATION_PASS_MARK:
        missing.append(
            _("Exam score %(score)s%% is below the pass mark of %(mark)s%%.")
            % {"score": enrollment.exam_score, "mark": settings.CERTIFICATION_PASS_MARK}
        )
    if not enrollment.fee_paid:
        missing.append(_("The certification fee is not paid."))
    if families is None:
        families = practicum_families_count(enrollment)
    if families < settings.CERTIFICATION_PRACTICUM_FAMILIES:
        missing.append(
            _("Practicum: %(count)s of %(required)s families completed.")
            % {"count": families, "required": settings.CERTIFICATION_PRACTICUM_FAMILIES}
        )
    return missing


def current_certificate(user: User) -> Certificate | None:
    """The holder's most recently issued certificate, whatever its status."""
    return Certificate.objects.filter(holder=user).order_by("-issued_at").first()


def has_active_certificate(user: User) -> bool:
    """Whether the person holds a certificate that is valid now (Certificate.status, as a query)."""
    return Certificate.objects.filter(holder=user).active().exists()


def practicum_stage_enrollments() -> QuerySet[Enrollment]:
    """Enrollments that let a trainee teach practicum courses today: accepted, training attended and
    over, deadline not passed, no certificate yet."""
    today = timezone.localdate()
    return Enrollment.objects.filter(
        status=Enrollment.Status.ACCEPTED,
        training_attended=True,
        training__ends_on__lte=today,
        deadline__gte=today,
        certificate__isnull=True,
    )


def practicum_enrollment(user: User) -> Enrollment | None:
    """The trainee's enrollment in the practicum stage, if any (see practicum_stage_enrollments)."""
    return practicum_stage_enrollments().filter(trainee=user).select_related("training").first()


def published_courses_of(holder: User) -> QuerySet[Course]:
    """The holder's published courses, which keep running after a revocation unless staff cancel them
    (docs/domain.md, Certification)."""
    return Course.objects.filter(instructor=holder, status=Course.Status.PUBLISHED).order_by("title", "pk")


def certificate_for_token(token: str) -> Certificate | None:
    return Certificate.objects.select_related("holder").filter(token=token).first()


def _name_words(text: str) -> list[str]:
    """Words for comparing names: accents stripped, case folded, hyphens as spaces."""
    decomposed = unicodedata.normalize("NFKD", text.replace("-", " "))
    plain = "".join(character for character in decomposed if not unicodedata.combining(character))
    return plain.casefold().split()


def surname_matches(name_on_certificate: str, surname: str) -> bool:
    """Whether `surname` is the holder's surname: one or more whole words after the first name, in order
    ("García" and "García Márquez" both match "Lucía García Márquez"); accents and case do not matter."""
    wanted = _name_words(surname)
    words = _name_words(name_on_certificate)
    candidates = words[1:] if len(words) > 1 else words
    if not wanted:
        return False
    return any(candidates[start : start + len(wanted)] == wanted for start in range(len(candidates)))


def find_certificate(number: str, surname: str) -> Certificate | None:
    """The certificate with this number whose holder has this surname; None for any mismatch."""
    certificate = certificate_for_number(number)
    if certificate is None or not surname_matches(certificate.name_on_certificate, surname):
        return None
    return certificate


def certificate_for_number(number: str) -> Certificate | None:
    normalized = "".join(number.split()).upper()
    return Certificate.objects.select_related("holder").filter(number=normalized).first()


@dataclass(frozen=True)
class Requirement:
    """One line of a trainee's checklist: what it is, whether it is met, and its state in words."""

    key: str
    label: str
    done: bool
    state: str


@dataclass
class Progress:
    """Where one enrollment stands on the path to certification, and what the trainee does next."""

    enrollment: Enrollment
    requirements: list[Requirement] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)
    families: int = 0
    days_left: int | None = None
    certificate: Certificate | None = None

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0

    @property
    def requirements_met(self) -> bool:
        return all(requirement.done for requirement in self.requirements)

    @property
    def is_open(self) -> bool:
        return self.enrollment.status in (Enrollment.Status.APPLIED, Enrollment.Status.ACCEPTED)


def _requirements(enrollment: Enrollment, families: int) -> list[Requirement]:
    required = settings.CERTIFICATION_PRACTICUM_FAMILIES
    pass_mark = settings.CERTIFICATION_PASS_MARK
    score = enrollment.exam_score
    if score is None:
        exam_state = _("No score yet; you need %(mark)s%%.") % {"mark": pass_mark}
    elif score >= pass_mark:
        exam_state = _("Passed: %(score)s%% (pass mark %(mark)s%%).") % {"score": score, "mark": pass_mark}
    else:
        exam_state = _("%(score)s%%, below the pass mark of %(mark)s%%.") % {
            "score": score,
            "mark": pass_mark,
        }
    accepted = enrollment.status in (Enrollment.Status.ACCEPTED, Enrollment.Status.CERTIFIED)
    return [
        Requirement(
            "application",
            _("Application accepted"),
            accepted,
            enrollment.get_status_display(),
        ),
        Requirement(
            "training",
            _("Training attended"),
            enrollment.training_attended,
            _("Recorded by your trainer.") if enrollment.training_attended else _("Not recorded yet."),
        ),
        Requirement(
            "practicum",
            _("Practicum families"),
            families >= required,
            _("%(count)s of %(required)s families completed.") % {"count": families, "required": required},
        ),
        Requirement("exam", _("Written exam"), score is not None and score >= pass_mark, exam_state),
        Requirement(
            "fee",
            _("Certification fee paid"),
            enrollment.fee_paid,
            _("Paid.") if enrollment.fee_paid else _("Not paid yet."),
        ),
    ]


def _next_steps(progress: Progress, *, today: date) -> list[str]:
    enrollment = progress.enrollment
    training = enrollment.training
    status = enrollment.status
    if status == Enrollment.Status.APPLIED:
        return [_("Wait for the trainer's decision on your application: we will email you.")]
    if status in (Enrollment.Status.DECLINED, Enrollment.Status.WITHDRAWN):
        return [_("This application is closed. You are welcome to apply for another training.")]
    if status == Enrollment.Status.CERTIFIED:
        return [_("You are certified. Keep your certificate current by renewing it before it expires.")]
    if progress.days_left is not None and progress.days_left < 0 and not progress.requirements_met:
        return [_("Your deadline has passed. Please contact your trainer about what happens next.")]
    steps = []
    if not enrollment.training_attended:
        if training.starts_on > today:
            steps.append(
                _("Attend the training from %(start)s to %(end)s.")
                % {"start": _date(training.starts_on), "end": _date(training.ends_on)}
            )
        else:
            steps.append(
                _("Your trainer has not recorded your attendance yet; ask them if this is a mistake.")
            )
    missing_families = settings.CERTIFICATION_PRACTICUM_FAMILIES - progress.families
    if missing_families > 0:
        deadline = _date(enrollment.deadline) if enrollment.deadline else "—"
        steps.append(
            _(
                "Teach a practicum course: %(count)s more families need to complete it, starting after "
                "the training and no later than %(deadline)s."
            )
            % {"count": missing_families, "deadline": deadline}
        )
    score = enrollment.exam_score
    if score is None:
        steps.append(_("Take the written exam; your trainer records the score."))
    elif score < settings.CERTIFICATION_PASS_MARK:
        steps.append(
            _("Retake the written exam: you need %(mark)s%%.") % {"mark": settings.CERTIFICATION_PASS_MARK}
        )
    if not enrollment.fee_paid:
        steps.append(
            _("Pay the certification fee (%(fee)s %(currency)s) as your trainer explained.")
            % {"fee": training.fee, "currency": training.currency}
        )
    if not steps:
        steps.append(_("Everything is done: the association will issue your certificate shortly."))
    return steps


def _date(day: date) -> str:
    return date_format(day, "DATE_FORMAT")


def trainee_progress(user: User, *, today: date | None = None) -> list[Progress]:
    """Each of the trainee's enrollments with its checklist, open ones first, then the newest."""
    today = today or timezone.localdate()
    enrollments = (
        Enrollment.objects.filter(trainee=user)
        .select_related("training", "training__trainer", "training__venue", "certificate")
        .order_by("-applied_at")
    )
    progresses = []
    for enrollment in enrollments:
        families = practicum_families_count(enrollment)
        progress = Progress(
            enrollment=enrollment,
            families=families,
            days_left=(enrollment.deadline - today).days if enrollment.deadline else None,
            certificate=getattr(enrollment, "certificate", None),
        )
        progress.requirements = _requirements(enrollment, families)
        progress.next_steps = _next_steps(progress, today=today)
        progresses.append(progress)
    return sorted(progresses, key=lambda progress: not progress.is_open)


@dataclass(frozen=True)
class HistoryLine:
    """An event as the holder sees it: what happened and when, never staff's internal notes."""

    at: datetime
    label: str
    note: str


def certificate_history(certificate: Certificate) -> list[HistoryLine]:
    """The holder's view of their certificate's events, newest first (emails sent are left out)."""
    lines = []
    events = certificate.events.exclude(kind=CertificateEvent.Kind.EMAILED).order_by("-at", "-pk")
    for event in events:
        note = ""
        if event.kind == CertificateEvent.Kind.NAME_CORRECTED:
            note = event.details.get("new_name", "")
        elif event.kind == CertificateEvent.Kind.RENEWED and event.details.get("valid_until"):
            until = datetime.fromisoformat(event.details["valid_until"])
            note = _("valid until %(date)s") % {"date": date_format(timezone.localtime(until), "DATE_FORMAT")}
        elif event.kind == CertificateEvent.Kind.REVOKED:
            note = event.details.get("public_statement", "")
        lines.append(HistoryLine(at=event.at, label=event.get_kind_display(), note=note))
    return lines


@dataclass(frozen=True)
class PracticumCourse:
    """A practicum course that counts toward an enrollment, with the families it counts for."""

    course: Course
    families: int


def practicum_courses(enrollment: Enrollment) -> list[PracticumCourse]:
    """The practicum courses inside the enrollment's window, first session first, each with the families
    counted by the rule of practicum_families_count (their sum is that count: a family that completed
    two courses counts for the first). Two queries when the enrollment's training is loaded; none
    without a deadline."""
    [courses] = _practicum_window_courses([enrollment])
    if not courses:
        return []
    [families] = _families_by_course([enrollment], [courses])
    return [PracticumCourse(course=course, families=families[course.pk]) for course in courses]
