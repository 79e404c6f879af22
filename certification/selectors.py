"""Reads for certification: eligibility, a trainee's progress (practicum families are counted in
certification.practicum), certificate status."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from certification.fees import fee_payable_online, paid_fee_payment, training_fee_price
from certification.models import Certificate, CertificateEvent, Enrollment, TrainingCourse, TrainingModule

# The practicum's counting rule lives in its own module; pages, admin and privacy read it from here.
from certification.practicum import (  # noqa: F401
    FamilyTally,
    PracticumCourse,
    practicum_courses,
    practicum_families_count,
    practicum_families_counts,
    practicum_tallies,
)
from classes.models import Course
from payments.models import Payment
from payments.selectors import receipt_links_prefetch

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
    if not enrollment.fee_settled:
        missing.append(
            _("The training fee (%(price)s) is not paid.")
            % {"price": training_fee_price(enrollment.training)}
        )
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
    tally: FamilyTally = field(default_factory=FamilyTally)
    # The training fee: its price, whether the pay button shows, and the payment that paid it (receipts).
    fee_price: str = ""
    can_pay_fee: bool = False
    fee_payment: Payment | None = None

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0

    @property
    def requirements_met(self) -> bool:
        return all(requirement.done for requirement in self.requirements)

    @property
    def is_open(self) -> bool:
        return self.enrollment.status in (Enrollment.Status.APPLIED, Enrollment.Status.ACCEPTED)


def practicum_state(tally: FamilyTally) -> str:
    """The practicum families in words: those counted and, when evaluations are needed, why others are not."""
    required = settings.CERTIFICATION_PRACTICUM_FAMILIES
    state = _("%(count)s of %(required)s families completed.") % {
        "count": tally.counted,
        "required": required,
    }
    if settings.CERTIFICATION_PRACTICUM_REQUIRES_EVALUATION:
        state += " " + _(
            "%(attended)s attended enough sessions, %(evaluations)s evaluations received: a family counts "
            "once it has sent its evaluation."
        ) % {"attended": tally.completed, "evaluations": tally.evaluated}
    return state


def _requirements(enrollment: Enrollment, tally: FamilyTally) -> list[Requirement]:
    families = tally.counted
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
            practicum_state(tally),
        ),
        Requirement("exam", _("Written exam"), score is not None and score >= pass_mark, exam_state),
        Requirement("fee", _("Training fee paid"), enrollment.fee_settled, _fee_state(enrollment)),
    ]


def _fee_state(enrollment: Enrollment) -> str:
    if not enrollment.training.fee:
        return _("No fee for this training.")
    if not enrollment.fee_paid:
        return _("Not paid yet: %(price)s.") % {"price": training_fee_price(enrollment.training)}
    payment = paid_fee_payment(enrollment)
    if payment is None:
        return _("Paid.")
    day = _date(timezone.localtime(payment.succeeded_at).date())
    if payment.is_online:
        return _("Paid online on %(date)s.") % {"date": day}
    return _("Paid by bank transfer on %(date)s.") % {"date": day}


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
    waiting = progress.tally.completed - progress.tally.evaluated
    if missing_families > 0 and waiting > 0 and settings.CERTIFICATION_PRACTICUM_REQUIRES_EVALUATION:
        steps.append(
            ngettext(
                "%(count)s family who completed your practicum course has not sent its evaluation yet: it "
                "was emailed a link after the last session, and counts once it answers.",
                "%(count)s families who completed your practicum course have not sent their evaluation yet: "
                "they were emailed a link after the last session, and count once they answer.",
                waiting,
            )
            % {"count": waiting}
        )
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
    if not enrollment.fee_settled:
        if progress.can_pay_fee:
            steps.append(
                _(
                    "Pay the training fee (%(price)s) online below, or by bank transfer as your trainer "
                    "explained."
                )
                % {"price": progress.fee_price}
            )
        else:
            steps.append(
                _("Pay the training fee (%(price)s) as your trainer explained.")
                % {"price": progress.fee_price}
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
        .select_related("training", "training__trainer", "training__venue", "certificate", "fee_payment")
        .prefetch_related(receipt_links_prefetch("fee_payment__"))
        .order_by("-applied_at")
    )
    progresses = []
    for enrollment in enrollments:
        tally = practicum_tallies([enrollment])[enrollment.pk]
        progress = Progress(
            enrollment=enrollment,
            families=tally.counted,
            tally=tally,
            days_left=(enrollment.deadline - today).days if enrollment.deadline else None,
            certificate=getattr(enrollment, "certificate", None),
            fee_price=training_fee_price(enrollment.training),
            can_pay_fee=fee_payable_online(enrollment),
            fee_payment=paid_fee_payment(enrollment),
        )
        progress.requirements = _requirements(enrollment, tally)
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
