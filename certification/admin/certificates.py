"""Certificates and their history in admin: read-only, with each lifecycle step (re-send, renew, correct
the name, revoke, reinstate) a button on the certificate's page that shows a form, then calls a service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import person_column
from certification.admin.common import MANAGE_CERTIFICATE
from certification.forms import CorrectNameForm, ReasonForm, RevokeForm
from certification.models import Certificate, CertificateEvent, CertificateStatus
from certification.selectors import published_courses_of
from certification.services import (
    CertificationError,
    correct_certificate_name,
    reinstate_certificate,
    renew_certificate,
    resend_certificate,
    revoke_certificate,
)
from certification.views import certificate_pdf_response
from config.admin import ReadOnlyAdminMixin


class CertificateEventInline(ReadOnlyAdminMixin, admin.TabularInline):
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
class CertificateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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

    def view_on_site(self, certificate: Certificate) -> str:
        # The public verification page.
        return certificate.get_absolute_url()

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
class CertificateEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("certificate", "kind", "actor", "at")
    list_filter = ("kind",)
    search_fields = ("certificate__number", "certificate__name_on_certificate", "actor__email")
    date_hierarchy = "at"
    list_select_related = ("certificate", "actor")
    fields = ("certificate", "kind", "at", "actor", "details")
    readonly_fields = fields
