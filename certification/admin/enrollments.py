"""Enrollments in admin: trainers record outcomes, certification admins decide applications and issue."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.admin import person_column
from certification.admin.common import ISSUE_CERTIFICATE, is_certification_admin
from certification.models import Enrollment
from certification.selectors import (
    FamilyTally,
    missing_requirements,
    practicum_state,
    practicum_tallies,
)
from certification.services import (
    CertificationError,
    accept_enrollment,
    decline_enrollment,
    issue_certificate,
    record_training_fee_transfer,
    record_training_outcome,
    undo_training_fee_transfer,
)
from config.admin import ServiceSaveAdminMixin
from payments.money import format_money

OUTCOME_FIELDS = ("training_attended", "exam_score", "fee_paid")
FEE_PAID_HELP = _(
    "Tick when the training fee has arrived by bank transfer: a transfer payment is recorded. A fee paid "
    "online is ticked by the payment itself; untick only a transfer recorded by mistake."
)


class EnrollmentChangeList(ChangeList):
    """The enrollment list, with the practicum families of every row on the page counted at once: the
    Families and Eligible columns read them instead of counting row by row."""

    def get_results(self, request) -> None:
        super().get_results(request)
        # Evaluating result_list fills its cache, so the rows the page renders are these very objects.
        enrollments = list(self.result_list)
        tallies = practicum_tallies(enrollments)
        for enrollment in enrollments:
            enrollment.practicum_tally = tallies[enrollment.pk]


def tally_of(enrollment: Enrollment) -> FamilyTally:
    """The families the list counted for the whole page, or (on a change page) a count of its own."""
    tally = getattr(enrollment, "practicum_tally", None)
    if tally is None:
        tally = enrollment.practicum_tally = practicum_tallies([enrollment])[enrollment.pk]
    return tally


def families_of(enrollment: Enrollment) -> int:
    return tally_of(enrollment).counted


@admin.register(Enrollment)
class EnrollmentAdmin(ServiceSaveAdminMixin, admin.ModelAdmin):
    # Short columns, Eligible first among them: a laptop screen shows it beside the requirements.
    list_display = (
        person_column("trainee", _("trainee")),
        "training_title",
        "status",
        "eligible",
        "attended",
        "exam",
        "fee",
        "families",
        "evaluations",
        "deadline",
    )
    list_filter = (("training", admin.RelatedOnlyFieldListFilter), "status", "training_attended", "fee_paid")
    search_fields = ("trainee__email", "trainee__full_name", "training__title")
    list_select_related = ("trainee", "training", "certificate", "fee_payment")
    autocomplete_fields = ("trainee", "training")
    actions = ["accept_applications", "decline_applications", "issue_certificates"]
    fieldsets = (
        (None, {"fields": ("trainee", "training", "status", "applied_at", "decided_at", "deadline")}),
        (_("Application"), {"fields": ("background", "experience", "motivation")}),
        (
            _("Outcome"),
            {
                "fields": (
                    "training_attended",
                    "exam_score",
                    "fee_paid",
                    "fee_payment_summary",
                    "practicum_families",
                    "requirements",
                )
            },
        ),
    )

    def get_queryset(self, request):
        queryset = (
            super().get_queryset(request).select_related("trainee", "training", "certificate", "fee_payment")
        )
        if is_certification_admin(request):
            return queryset
        # Trainers see the enrollments of the trainings they lead, and nothing else.
        return queryset.filter(training__trainer=request.user)

    def get_changelist(self, request, **kwargs):
        return EnrollmentChangeList

    def get_readonly_fields(self, request, obj=None):
        readonly = [
            "status",
            "applied_at",
            "decided_at",
            "deadline",
            "fee_payment_summary",
            "practicum_families",
            "requirements",
        ]
        if obj is not None:
            readonly.extend(["trainee", "training"])
            if obj.status == Enrollment.Status.CERTIFIED:
                # The certificate was issued on these; they are history now.
                readonly.extend(OUTCOME_FIELDS)
        if not is_certification_admin(request):
            readonly.extend(["background", "experience", "motivation", "fee_paid"])
        return list(dict.fromkeys(readonly))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "fee_paid" in form.base_fields:
            form.base_fields["fee_paid"].help_text = FEE_PAID_HELP
        return form

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        outcome = {field: form.cleaned_data[field] for field in OUTCOME_FIELDS if field in form.changed_data}
        direct = [field for field in form.changed_data if field not in OUTCOME_FIELDS]
        if outcome.get("exam_score", 0) is None:
            # record_training_outcome reads None as "unchanged"; clearing a mistyped score is a plain edit.
            del outcome["exam_score"]
            direct.append("exam_score")
        # The fee is a payment: ticking it records a bank transfer, unticking takes that transfer back.
        fee_paid = outcome.pop("fee_paid", None)
        if direct:
            obj.save(update_fields=direct)
        try:
            if outcome:
                record_training_outcome(obj, actor=request.user, **outcome)
            if fee_paid is True:
                record_training_fee_transfer(obj, recorded_by=request.user)
            elif fee_paid is False:
                undo_training_fee_transfer(obj, by=request.user)
        except CertificationError as error:
            self.refuse_save(request, str(error))

    def has_issue_certificate_permission(self, request) -> bool:
        return request.user.has_perm(ISSUE_CERTIFICATE)

    @admin.display(description=_("training"), ordering="training__starts_on")
    def training_title(self, enrollment: Enrollment) -> str:
        return enrollment.training.title

    @admin.display(description=_("attended"), boolean=True, ordering="training_attended")
    def attended(self, enrollment: Enrollment) -> bool:
        return enrollment.training_attended

    @admin.display(description=_("exam"), ordering="exam_score")
    def exam(self, enrollment: Enrollment) -> str:
        return "—" if enrollment.exam_score is None else f"{enrollment.exam_score}%"

    @admin.display(description=_("fee"), boolean=True, ordering="fee_paid")
    def fee(self, enrollment: Enrollment) -> bool:
        return enrollment.fee_settled

    @admin.display(description=_("fee payment"))
    def fee_payment_summary(self, enrollment: Enrollment) -> str:
        if enrollment.pk is None:
            return "—"
        if not enrollment.training.fee:
            return _("No fee for this training.")
        payment = enrollment.fee_payment
        if payment is None:
            return _("Paid (recorded before fees were payments).") if enrollment.fee_paid else "—"
        parts = [
            format_money(payment.amount, payment.currency),
            payment.get_method_display(),
            payment.get_status_display(),
        ]
        if payment.succeeded_at:
            parts.append(date_format(timezone.localtime(payment.succeeded_at), "DATE_FORMAT"))
        return " · ".join(str(part) for part in parts)

    @admin.display(description=_("families"))
    def families(self, enrollment: Enrollment) -> str:
        return f"{families_of(enrollment)} / {settings.CERTIFICATION_PRACTICUM_FAMILIES}"

    @admin.display(description=_("evaluations"))
    def evaluations(self, enrollment: Enrollment) -> int:
        """Evaluations received from the families who completed the practicum courses."""
        return tally_of(enrollment).evaluated

    @admin.display(description=_("practicum families"))
    def practicum_families(self, enrollment: Enrollment) -> str:
        if enrollment.pk is None:
            return "—"
        return practicum_state(tally_of(enrollment))

    @admin.display(description=_("eligible"), boolean=True)
    def eligible(self, enrollment: Enrollment) -> bool:
        return not missing_requirements(enrollment, families=families_of(enrollment))

    @admin.display(description=_("still missing"))
    def requirements(self, enrollment: Enrollment) -> str:
        if enrollment.pk is None:
            return "—"
        missing = missing_requirements(enrollment)
        if not missing:
            return _("Nothing: a certificate can be issued.")
        return format_html_join("", "<p>{}</p>", ((reason,) for reason in missing))

    def _decide_each(self, request, queryset, decide, done_message) -> None:
        """Run one enrollment service per selected row; report refusals row by row, then the count done."""
        done = 0
        for enrollment in queryset:
            try:
                decide(enrollment, actor=request.user)
            except CertificationError as error:
                self.message_user(request, f"{enrollment}: {error}", messages.WARNING)
            else:
                done += 1
        level = messages.SUCCESS if done else messages.INFO
        self.message_user(request, done_message % {"count": done}, level)

    @admin.action(description=_("Accept application"), permissions=["change"])
    def accept_applications(self, request, queryset) -> None:
        self._decide_each(
            request,
            queryset,
            accept_enrollment,
            ngettext_lazy("%(count)d application accepted.", "%(count)d applications accepted.", "count"),
        )

    @admin.action(description=_("Decline application"), permissions=["change"])
    def decline_applications(self, request, queryset) -> None:
        self._decide_each(
            request,
            queryset,
            decline_enrollment,
            ngettext_lazy("%(count)d application declined.", "%(count)d applications declined.", "count"),
        )

    @admin.action(description=_("Issue certificate"), permissions=["issue_certificate"])
    def issue_certificates(self, request, queryset) -> None:
        issued = refused = 0
        for enrollment in queryset:
            try:
                certificate = issue_certificate(enrollment, actor=request.user)
            except CertificationError as error:
                refused += 1
                self.message_user(
                    request,
                    _("Not issued for %(enrollment)s: %(reason)s")
                    % {"enrollment": enrollment, "reason": error},
                    messages.WARNING,
                )
            else:
                issued += 1
                self.message_user(
                    request,
                    _("Certificate %(number)s issued to %(name)s.")
                    % {"number": certificate.number, "name": certificate.name_on_certificate},
                    messages.SUCCESS,
                )
        self.message_user(
            request,
            _("%(issued)d issued, %(refused)d not eligible.") % {"issued": issued, "refused": refused},
            messages.INFO,
        )
