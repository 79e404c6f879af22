"""Trainings, enrollments and certificates in admin, where trainers record outcomes and admins issue.

Enrollment statuses and certificates change only through certification.services (PRODUCT.md §7): the
admin actions here call them, and the fields they own are read-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Q
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import person_column
from accounts.models import CERTIFICATION_ADMINS_GROUP, TRAINERS_GROUP, User
from certification.models import (
    Certificate,
    CertificateEvent,
    CertificateStatus,
    Enrollment,
    TrainingCourse,
    TrainingModule,
)
from certification.selectors import missing_requirements, practicum_families_count
from certification.services import (
    CertificationError,
    accept_enrollment,
    issue_certificate,
    record_training_outcome,
)

OUTCOME_FIELDS = ("training_attended", "exam_score", "fee_paid")


def is_certification_admin(request) -> bool:
    """Superusers and the Certification admins group see every enrollment and issue certificates."""
    if not hasattr(request, "_is_certification_admin"):
        user = request.user
        request._is_certification_admin = user.is_active and (
            user.is_superuser or user.groups.filter(name=CERTIFICATION_ADMINS_GROUP).exists()
        )
    return request._is_certification_admin


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
        return (
            super()
            .get_queryset(request)
            .annotate(
                enrolled_count=Count(
                    "enrollments",
                    filter=Q(
                        enrollments__status__in=[Enrollment.Status.ACCEPTED, Enrollment.Status.CERTIFIED]
                    ),
                ),
                applications_count=Count(
                    "enrollments", filter=Q(enrollments__status=Enrollment.Status.APPLIED)
                ),
            )
        )

    @admin.display(description=_("enrolled"), ordering="enrolled_count")
    def enrolled(self, training: TrainingCourse) -> int:
        return training.enrolled_count

    @admin.display(description=_("waiting for a decision"), ordering="applications_count")
    def applications(self, training: TrainingCourse) -> int:
        return training.applications_count


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = (
        person_column("trainee", _("trainee")),
        "training",
        "status",
        "training_attended",
        "exam_score",
        "fee_paid",
        "practicum_families",
        "deadline",
        "eligible",
    )
    list_filter = (("training", admin.RelatedOnlyFieldListFilter), "status", "training_attended", "fee_paid")
    search_fields = ("trainee__email", "trainee__full_name", "training__title")
    list_select_related = ("trainee", "training", "certificate")
    autocomplete_fields = ("trainee", "training")
    actions = ["accept_applications", "issue_certificates"]
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
            record_training_outcome(obj, actor=request.user, **outcome)

    def has_issue_certificate_permission(self, request) -> bool:
        return is_certification_admin(request)

    @admin.display(description=_("practicum families"))
    def practicum_families(self, enrollment: Enrollment) -> int:
        # Two queries a row; fine for admin list pages of a few dozen enrollments.
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

    @admin.action(description=_("Accept application"), permissions=["change"])
    def accept_applications(self, request, queryset) -> None:
        accepted = 0
        for enrollment in queryset:
            try:
                accept_enrollment(enrollment, actor=request.user)
            except CertificationError as error:
                self.message_user(request, f"{enrollment}: {error}", messages.WARNING)
            else:
                accepted += 1
        self.message_user(
            request,
            ngettext("%(count)d application accepted.", "%(count)d applications accepted.", accepted)
            % {"count": accepted},
            messages.SUCCESS if accepted else messages.INFO,
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
        revoked = Q(revoked_at__lte=now)
        if self.value() == CertificateStatus.REVOKED:
            return queryset.filter(revoked)
        if self.value() == CertificateStatus.EXPIRED:
            return queryset.exclude(revoked).filter(valid_until__lte=now)
        if self.value() == CertificateStatus.VALID:
            return queryset.exclude(revoked).filter(valid_until__gt=now)
        return queryset


@admin.register(Certificate)
class CertificateAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
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
        "token",
        "pdf",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        # A select_related here replaces list_select_related, so it names the holder too.
        return (
            super()
            .get_queryset(request)
            .select_related("holder", "enrollment__training", "enrollment__trainee")
        )

    def view_on_site(self, certificate: Certificate) -> str | None:
        # The public verification page, once its URL exists.
        try:
            return certificate.get_absolute_url()
        except NoReverseMatch:
            return None

    @admin.display(description=_("status"))
    def status(self, certificate: Certificate) -> str:
        return certificate.status.label


@admin.register(CertificateEvent)
class CertificateEventAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("certificate", "kind", "actor", "at")
    list_filter = ("kind",)
    search_fields = ("certificate__number", "certificate__name_on_certificate", "actor__email")
    date_hierarchy = "at"
    list_select_related = ("certificate", "actor")
    fields = ("certificate", "kind", "at", "actor", "details")
    readonly_fields = fields
