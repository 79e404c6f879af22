"""Trainings, enrollments and certificates in admin, where trainers record outcomes and admins issue.

Enrollment statuses and certificates change only through certification.services (docs/architecture.md): the
admin actions here call them, and the fields they own are read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.admin import person_column
from accounts.models import TRAINERS_GROUP, User
from certification.forms import CorrectNameForm, ReasonForm, RevokeForm
from certification.models import (
    Certificate,
    CertificateEvent,
    CertificateStatus,
    Enrollment,
    TrainingCourse,
    TrainingModule,
)
from certification.selectors import missing_requirements, practicum_families_count, published_courses_of
from certification.services import (
    CertificationError,
    accept_enrollment,
    correct_certificate_name,
    decline_enrollment,
    issue_certificate,
    record_training_outcome,
    reinstate_certificate,
    renew_certificate,
    resend_certificate,
    revoke_certificate,
)
from certification.views import certificate_pdf_response

OUTCOME_FIELDS = ("training_attended", "exam_score", "fee_paid")


ISSUE_CERTIFICATE = "certification.issue_certificate"
MANAGE_CERTIFICATE = "certification.manage_certificate"


def is_certification_admin(request) -> bool:
    """Who issues certificates (the Certification admins group holds the permission) also sees every
    training and enrollment; a trainer without it sees only the trainings they lead. Being staff, or a
    member of a group by name, grants nothing by itself: permissions do."""
    return request.user.is_active and request.user.has_perm(ISSUE_CERTIFICATE)


class TrainingCourseForm(forms.ModelForm):
    modules = forms.MultipleChoiceField(
        label=_("Modules covered"), choices=TrainingModule.choices, widget=forms.CheckboxSelectMultiple
    )

    def clean_modules(self) -> list[str]:
        chosen = set(self.cleaned_data["modules"])
        return [module.value for module in TrainingModule if module.value in chosen]


@admin.register(TrainingCourse)
class TrainingCourseAdmin(admin.ModelAdmin):
    form = TrainingCourseForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "title",
        person_column("trainer", _("trainer")),
        "starts_on",
        "ends_on",
        "format",
        "capacity",
        "enrolled",
        "applications",
        "is_published",
    )
    list_filter = ("format", "language", "is_published")
    search_fields = ("title", "trainer__email", "trainer__full_name")
    date_hierarchy = "starts_on"
    list_select_related = ("trainer",)
    readonly_fields = ("created_at",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Trainers come from the Trainers group; a plain list of them, not every account (and no
        # autocomplete, which would need permission to browse users).
        if db_field.name == "trainer":
            kwargs["queryset"] = (
                User.objects.filter(Q(groups__name=TRAINERS_GROUP) | Q(is_superuser=True), is_active=True)
                .distinct()
                .order_by("full_name", "email")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        trainings = super().get_queryset(request)
        if not is_certification_admin(request):
            # Trainers see the trainings they lead, and nothing else.
            trainings = trainings.filter(trainer=request.user)
        return trainings.annotate(
            enrolled_count=Count(
                "enrollments",
                filter=Q(enrollments__status__in=[Enrollment.Status.ACCEPTED, Enrollment.Status.CERTIFIED]),
            ),
            applications_count=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.APPLIED)),
        )

    @admin.display(description=_("enrolled"), ordering="enrolled_count")
    def enrolled(self, training: TrainingCourse) -> int:
        return training.enrolled_count

    @admin.display(description=_("waiting for a decision"), ordering="applications_count")
    def applications(self, training: TrainingCourse) -> int:
        return training.applications_count


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
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
        "deadline",
    )
    list_filter = (("training", admin.RelatedOnlyFieldListFilter), "status", "training_attended", "fee_paid")
    search_fields = ("trainee__email", "trainee__full_name", "training__title")
    list_select_related = ("trainee", "training", "certificate")
    autocomplete_fields = ("trainee", "training")
    actions = ["accept_applications", "decline_applications", "issue_certificates"]
    fieldsets = (
        (None, {"fields": ("trainee", "training", "status", "applied_at", "decided_at", "deadline")}),
        (_("Application"), {"fields": ("background", "experience", "motivation")}),
        (
            _("Outcome"),
            {"fields": ("training_attended", "exam_score", "fee_paid", "practicum_families", "requirements")},
        ),
    )

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("trainee", "training", "certificate")
        if is_certification_admin(request):
            return queryset
        # Trainers see the enrollments of the trainings they lead, and nothing else.
        return queryset.filter(training__trainer=request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["status", "applied_at", "decided_at", "deadline", "practicum_families", "requirements"]
        if obj is not None:
            readonly.extend(["trainee", "training"])
            if obj.status == Enrollment.Status.CERTIFIED:
                # The certificate was issued on these; they are history now.
                readonly.extend(OUTCOME_FIELDS)
        if not is_certification_admin(request):
            readonly.extend(["background", "experience", "motivation", "fee_paid"])
        return list(dict.fromkeys(readonly))

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
        if direct:
            obj.save(update_fields=direct)
        if outcome:
            try:
                record_training_outcome(obj, actor=request.user, **outcome)
            except CertificationError as error:
                request._enrollment_refused = True
                self.message_user(request, str(error), messages.ERROR)

    def log_change(self, request, obj, message):
        if getattr(request, "_enrollment_refused", False):
            return None
        return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        # A refused outcome (the row was busy) stays on the page with the message, not "changed successfully".
        if getattr(request, "_enrollment_refused", False):
            return HttpResponseRedirect(request.get_full_path())
        return super().response_change(request, obj)

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
        return enrollment.fee_paid

    @admin.display(description=_("families"))
    def families(self, enrollment: Enrollment) -> str:
        # Two queries a row; fine for admin list pages of a few dozen enrollments.
        return f"{practicum_families_count(enrollment)} / {settings.CERTIFICATION_PRACTICUM_FAMILIES}"

    @admin.display(description=_("practicum families"))
    def practicum_families(self, enrollment: Enrollment) -> int:
        return practicum_families_count(enrollment)

    @admin.display(description=_("eligible"), boolean=True)
    def eligible(self, enrollment: Enrollment) -> bool:
        return not missing_requirements(enrollment)

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


class ViewOnlyAdminMixin:
    """Certificates and their history are written by services only, and never deleted."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CertificateEventInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = CertificateEvent
    fields = ("kind", "at", "actor", "details")
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class IssuedYearFilter(admin.SimpleListFilter):
    title = _("issued in")
    parameter_name = "issued_year"

    def lookups(self, request, model_admin):
        years = Certificate.objects.dates("issued_at", "year", order="DESC")
        return [(str(year.year), str(year.year)) for year in years]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(issued_at__year=int(self.value()))
        return queryset


class CertificateStatusFilter(admin.SimpleListFilter):
    """The computed status (Certificate.status_at) as a query, evaluated now."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return CertificateStatus.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == CertificateStatus.REVOKED:
            return queryset.revoked_at_(now)
        if self.value() == CertificateStatus.EXPIRED:
            return queryset.expired_at(now)
        if self.value() == CertificateStatus.VALID:
            return queryset.valid_at(now)
        return queryset


@dataclass(frozen=True)
class Lifecycle:
    """One lifecycle step staff take on a certificate from its admin page: a form, then a service."""

    slug: str
    label: str
    form: type[forms.Form]
    perform: Callable
    done: str
    intro: str = ""


def _resend(certificate, request, data):
    return resend_certificate(certificate, actor=request.user)


def _renew(certificate, request, data):
    return renew_certificate(certificate, actor=request.user, reason=data["reason"])


def _correct(certificate, request, data):
    return correct_certificate_name(certificate, actor=request.user, name=data["name"], reason=data["reason"])


def _revoke(certificate, request, data):
    return revoke_certificate(
        certificate, actor=request.user, reason=data["reason"], public_statement=data["public_statement"]
    )


def _reinstate(certificate, request, data):
    return reinstate_certificate(certificate, actor=request.user, reason=data["reason"])


LIFECYCLE = {
    step.slug: step
    for step in (
        Lifecycle(
            "resend",
            _("Re-send the certificate email"),
            forms.Form,
            _resend,
            _("The certificate email with its PDF is queued again."),
            _("The holder receives the certificate email again, with the current PDF attached."),
        ),
        Lifecycle(
            "renew",
            _("Renew"),
            ReasonForm,
            _renew,
            _(
                "Certificate renewed: it is now valid until %(valid_until)s. "
                "A new PDF is emailed to the holder."
            ),
            _(
                "Renewing extends the certificate by the validity period, from its end date or from today "
                "if it has lapsed. The number and verification URL stay the same; a new PDF is emailed."
            ),
        ),
        Lifecycle(
            "correct-name",
            _("Correct the name"),
            CorrectNameForm,
            _correct,
            _("Name corrected. The number and verification URL stay the same; the PDF is rendered again."),
            _(
                "The certificate keeps its number and verification URL; "
                "a new PDF with the corrected name is made."
            ),
        ),
        Lifecycle(
            "revoke",
            _("Revoke"),
            RevokeForm,
            _revoke,
            _(
                "Certificate revoked. The verification page now shows it as revoked, "
                "with the public statement."
            ),
            _(
                "The verification page shows REVOKED at once, with the public statement. "
                "The internal reason is seen by staff only. The holder is emailed the public statement."
            ),
        ),
        Lifecycle(
            "reinstate",
            _("Reinstate"),
            ReasonForm,
            _reinstate,
            _("Certificate reinstated: it is valid again until its end date."),
            _("Reinstating lifts the revocation; the certificate is valid again until its end date."),
        ),
    )
}


def lifecycle_steps_for(certificate: Certificate) -> list[str]:
    """The steps that make sense for the certificate's status now."""
    status = certificate.status
    if status == CertificateStatus.REVOKED:
        return ["reinstate", "correct-name"]
    if status == CertificateStatus.EXPIRED:
        return ["renew", "correct-name", "revoke"]
    return ["resend", "renew", "correct-name", "revoke"]


@admin.register(Certificate)
class CertificateAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Read-only fields; every change is a button on the certificate's page (a form, then a service)."""

    change_form_template = "certification/admin/certificate_change_form.html"
    list_display = (
        "number",
        "name_on_certificate",
        person_column("holder", _("holder")),
        "issued_at",
        "valid_until",
        "status",
    )
    list_filter = (CertificateStatusFilter, IssuedYearFilter)
    search_fields = ("number", "name_on_certificate", "holder__email", "holder__full_name")
    list_select_related = ("holder",)
    inlines = [CertificateEventInline]
    actions = ["resend_certificates"]
    fields = (
        "number",
        "status",
        "name_on_certificate",
        "holder",
        "enrollment",
        "language",
        "issued_at",
        "valid_until",
        "revoked_at",
        "revocation_reason",
        "public_statement",
        "published_courses",
        "token",
        "pdf_download",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        # A select_related here replaces list_select_related, so it names the holder too.
        return (
            super()
            .get_queryset(request)
            .select_related("holder", "enrollment__training", "enrollment__trainee")
        )

    def has_manage_certificate_permission(self, request) -> bool:
        return request.user.has_perm(MANAGE_CERTIFICATE)

    def view_on_site(self, certificate: Certificate) -> str | None:
        # The public verification page, once its URL exists.
        try:
            return certificate.get_absolute_url()
        except NoReverseMatch:
            return None

    @admin.display(description=_("status"))
    def status(self, certificate: Certificate) -> str:
        return certificate.status.label

    @admin.display(description=_("holder's published courses"))
    def published_courses(self, certificate: Certificate) -> str:
        """What keeps running after a lapse or revocation unless staff cancel it (docs/domain.md,
        Certification)."""
        courses = published_courses_of(certificate.holder)
        if not courses:
            return gettext("None")
        return format_html_join(
            "",
            '<p><a href="{}">{}</a></p>',
            ((reverse("admin:classes_course_change", args=[course.pk]), course.title) for course in courses),
        )

    def get_urls(self):
        own = [
            path(
                f"<int:pk>/{slug}/",
                self.admin_site.admin_view(self.lifecycle_view),
                {"slug": slug},
                name=f"certification_certificate_{slug.replace('-', '_')}",
            )
            for slug in LIFECYCLE
        ]
        own.append(
            path(
                "<int:pk>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="certification_certificate_pdf",
            )
        )
        return own + super().get_urls()

    def pdf_view(self, request, pk: int):
        """The certificate's PDF for staff who may view certificates; a revoked one has none (404)."""
        if not request.user.has_perm("certification.view_certificate"):
            raise PermissionDenied
        certificate = get_object_or_404(self.get_queryset(request), pk=pk)
        return certificate_pdf_response(certificate)

    @admin.display(description=_("PDF"))
    def pdf_download(self, certificate: Certificate) -> str:
        # The stored file has no public URL (private storage): the link goes through pdf_view.
        if certificate.status == CertificateStatus.REVOKED:
            return gettext("None: the PDF of a revoked certificate is deleted.")
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:certification_certificate_pdf", args=[certificate.pk]),
            f"{certificate.number}.pdf",
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        certificate = self.get_object(request, object_id)
        if certificate is not None and self.has_manage_certificate_permission(request):
            extra_context["lifecycle_steps"] = [
                (
                    LIFECYCLE[slug].label,
                    reverse(
                        f"admin:certification_certificate_{slug.replace('-', '_')}", args=[certificate.pk]
                    ),
                )
                for slug in lifecycle_steps_for(certificate)
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def lifecycle_view(self, request, pk: int, slug: str):
        """The intermediate page of one lifecycle step: GET shows the form, POST calls the service."""
        if not self.has_manage_certificate_permission(request):
            raise PermissionDenied
        step = LIFECYCLE[slug]
        certificate = get_object_or_404(self.get_queryset(request), pk=pk)
        initial = {"name": certificate.name_on_certificate} if slug == "correct-name" else None
        form = step.form(request.POST if request.method == "POST" else None, initial=initial)
        change_url = reverse("admin:certification_certificate_change", args=[certificate.pk])
        if request.method == "POST" and form.is_valid():
            try:
                certificate = step.perform(certificate, request, form.cleaned_data)
            except CertificationError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(
                    request,
                    step.done % {"valid_until": certificate.valid_until.date().isoformat()},
                    messages.SUCCESS,
                )
                if slug == "revoke":
                    self._report_running_courses(request, certificate)
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": format_html("{} · {}", step.label, certificate.number),
            "step": step,
            "certificate": certificate,
            "form": form,
            "change_url": change_url,
            "courses": list(published_courses_of(certificate.holder)) if slug == "revoke" else None,
        }
        return TemplateResponse(request, "certification/admin/certificate_lifecycle.html", context)

    def _report_running_courses(self, request, certificate: Certificate) -> None:
        courses = list(published_courses_of(certificate.holder))
        if courses:
            self.message_user(
                request,
                ngettext(
                    "The holder still has %(count)d published course, which keeps running unless you cancel "
                    "it: %(titles)s.",
                    "The holder still has %(count)d published courses, which keep running unless you cancel "
                    "them: %(titles)s.",
                    len(courses),
                )
                % {"count": len(courses), "titles": "; ".join(course.title for course in courses)},
                messages.WARNING,
            )

    @admin.action(description=_("Re-send the certificate email"), permissions=["manage_certificate"])
    def resend_certificates(self, request, queryset) -> None:
        resent = 0
        for certificate in queryset:
            try:
                resend_certificate(certificate, actor=request.user)
            except CertificationError as error:
                self.message_user(request, f"{certificate.number}: {error}", messages.WARNING)
            else:
                resent += 1
        self.message_user(
            request,
            ngettext("%(count)d certificate email queued.", "%(count)d certificate emails queued.", resent)
            % {"count": resent},
            messages.SUCCESS if resent else messages.INFO,
        )


@admin.register(CertificateEvent)
class CertificateEventAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("certificate", "kind", "actor", "at")
    list_filter = ("kind",)
    search_fields = ("certificate__number", "certificate__name_on_certificate", "actor__email")
    date_hierarchy = "at"
    list_select_related = ("certificate", "actor")
    fields = ("certificate", "kind", "at", "actor", "details")
    readonly_fields = fields
