"""Money in admin, read-only: payments, refunds, receipts and credit notes, and the Stripe events seen.

Payments and refunds are listed with filters and search, and exported as CSV with the list's current
filters (a button on each list). Staff holding payments.refund_payment refund a card payment (an action
that asks first) or send a failed refund again; every change goes through payments.services.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from config.admin import ReadOnlyAdminMixin
from payments.exports import (
    PAYMENT_COLUMNS,
    REFUND_COLUMNS,
    csv_lines,
    payments_for_export,
    refunds_for_export,
)
from payments.models import Payment, Receipt, Refund, StripeEvent
from payments.money import format_money
from payments.services import PaymentError, refundable_amount, request_refund, retry_refund

CSV_CHANGE_LIST = "payments/admin/change_list_csv.html"


class CsvExportMixin:
    """A CSV of the list as it is filtered and searched now, from a button beside the list's title."""

    change_list_template = CSV_CHANGE_LIST
    csv_columns: list = []
    csv_name = ""

    def csv_rows(self, queryset):
        raise NotImplementedError

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "csv/",
                self.admin_site.admin_view(self.csv_view),
                name=f"{opts.app_label}_{opts.model_name}_csv",
            ),
            *super().get_urls(),
        ]

    def csv_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        rows = self.csv_rows(changelist.queryset).iterator(chunk_size=500)
        response = StreamingHttpResponse(
            csv_lines(self.csv_columns, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"{self.csv_name}-{timezone.localdate().isoformat()}.csv"
        )
        response["Cache-Control"] = "private, no-store"
        return response


class RefundInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Refund
    extra = 0
    fields = (
        "created_at",
        "shown_amount",
        "reason",
        "status",
        "attempts",
        "provider_refund_id",
        "last_error",
    )
    readonly_fields = fields
    show_change_link = True

    @admin.display(description=gettext_lazy("amount"))
    def shown_amount(self, refund: Refund) -> str:
        return format_money(refund.amount, refund.payment.currency)


class ReceiptInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Receipt
    fk_name = "payment"
    extra = 0
    fields = ("number", "kind", "issued_at", "shown_amount", "reason", "pdf_link")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("amount"))
    def shown_amount(self, receipt: Receipt) -> str:
        return format_money(receipt.amount, receipt.currency)

    @admin.display(description=gettext_lazy("PDF"))
    def pdf_link(self, receipt: Receipt) -> str:
        return pdf_link(receipt)


def pdf_link(receipt: Receipt) -> str:
    # The same download the payer has; it lets staff holding payments.view_receipt through.
    return format_html(
        '<a href="{}">{}</a>', reverse("payments:receipt_pdf", args=[receipt.pk]), receipt.filename
    )


@admin.register(Payment)
class PaymentAdmin(CsvExportMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "description", "payer", "shown_amount", "method", "status", "succeeded_at")
    list_filter = ("status", "method", "purpose", "currency", "created_at", "succeeded_at")
    search_fields = (
        "description",
        "payer__email",
        "payer__full_name",
        "intent_id",
        "charge_id",
        "=receipts__number",
    )
    date_hierarchy = "created_at"
    list_select_related = ("payer",)
    inlines = [ReceiptInline, RefundInline]
    actions = ["refund_in_full"]
    csv_columns = PAYMENT_COLUMNS
    csv_name = "payments"
    fields = (
        "purpose",
        "description",
        "payer",
        "shown_amount",
        "method",
        "status",
        "pay_by",
        "intent_id",
        "intent_status",
        "charge_id",
        "attempts",
        "last_error",
        "recorded_by",
        "created_at",
        "succeeded_at",
        "canceled_at",
    )
    readonly_fields = fields

    def csv_rows(self, queryset):
        return payments_for_export(queryset)

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def shown_amount(self, payment: Payment) -> str:
        return format_money(payment.amount, payment.currency)

    def has_refund_permission(self, request) -> bool:
        return request.user.has_perm("payments.refund_payment")

    @admin.action(
        description=gettext_lazy("Refund the selected card payments in full"), permissions=["refund"]
    )
    def refund_in_full(self, request, queryset):
        """Asks first (money goes back to the card), then requests each refund through the service; the
        worker sends it to Stripe and the payer is emailed the credit note once it is made."""
        if request.POST.get("post") != "yes":
            payments = [(payment, refundable_amount(payment)) for payment in queryset.select_related("payer")]
            return TemplateResponse(
                request,
                "payments/admin/refund_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Refund these payments?"),
                    "payments": [
                        (payment, format_money(left, payment.currency)) for payment, left in payments
                    ],
                    "opts": self.model._meta,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                    "action": "refund_in_full",
                },
            )
        requested = 0
        for payment in queryset:
            try:
                request_refund(payment, reason=Refund.Reason.BY_STAFF, requested_by=request.user)
            except PaymentError as error:
                self.message_user(request, f"{payment}: {error}", messages.WARNING)
            else:
                requested += 1
        if requested:
            self.message_user(
                request,
                ngettext(
                    "%(count)d refund requested; it is sent to Stripe in a moment.",
                    "%(count)d refunds requested; they are sent to Stripe in a moment.",
                    requested,
                )
                % {"count": requested},
                messages.SUCCESS,
            )
        return None


class RefundCurrencyFilter(admin.SimpleListFilter):
    title = gettext_lazy("currency")
    parameter_name = "currency"

    def lookups(self, request, model_admin):
        currencies = Payment.objects.filter(refunds__isnull=False).values_list("currency", flat=True)
        return [(code, code) for code in sorted(set(currencies))]

    def queryset(self, request, queryset):
        return queryset.filter(payment__currency=self.value()) if self.value() else queryset


@admin.register(Refund)
class RefundAdmin(CsvExportMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "payment", "shown_amount", "reason", "status", "attempts", "succeeded_at")
    list_filter = (
        "status",
        "reason",
        ("payment__method", admin.ChoicesFieldListFilter),
        ("payment__purpose", admin.ChoicesFieldListFilter),
        RefundCurrencyFilter,
        "created_at",
        "succeeded_at",
    )
    search_fields = (
        "payment__description",
        "payment__payer__email",
        "payment__intent_id",
        "provider_refund_id",
        "=credit_note__number",
        "=payment__receipts__number",
    )
    date_hierarchy = "created_at"
    list_select_related = ("payment",)
    actions = ["send_again"]
    csv_columns = REFUND_COLUMNS
    csv_name = "refunds"
    fields = (
        "payment",
        "shown_amount",
        "reason",
        "status",
        "attempts",
        "last_error",
        "provider_refund_id",
        "requested_by",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "succeeded_at",
    )
    readonly_fields = fields

    def csv_rows(self, queryset):
        return refunds_for_export(queryset)

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def shown_amount(self, refund: Refund) -> str:
        return format_money(refund.amount, refund.payment.currency)

    def has_refund_permission(self, request) -> bool:
        return request.user.has_perm("payments.refund_payment")

    @admin.action(description=gettext_lazy("Send failed refunds again"), permissions=["refund"])
    def send_again(self, request, queryset) -> None:
        sent = 0
        for refund in queryset.select_related("payment"):
            try:
                retry_refund(refund)
            except PaymentError as error:
                self.message_user(request, f"{refund}: {error}", messages.WARNING)
            else:
                sent += 1
        if sent:
            self.message_user(
                request,
                ngettext("%(count)d refund queued again.", "%(count)d refunds queued again.", sent)
                % {"count": sent},
                messages.SUCCESS,
            )


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Issued documents, never changed: what they say is what was sent."""

    list_display = (
        "number",
        "kind",
        "issued_at",
        "payer_name",
        "description",
        "shown_amount",
        "method",
        "reason",
    )
    list_filter = ("kind", "method", "currency", "reason", "issued_at")
    search_fields = ("=number", "payer_email", "payer_name", "description", "payment__intent_id")
    date_hierarchy = "issued_at"
    ordering = ("-issued_at", "-pk")
    fields = (
        "number",
        "kind",
        "issued_at",
        "pdf_link",
        "payment",
        "refund",
        "credits",
        "reason",
        "payer_name",
        "payer_email",
        "description",
        "shown_amount",
        "method",
        "paid_at",
        "language",
        "association_name",
        "association_address",
        "association_tax_id",
        "association_email",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def shown_amount(self, receipt: Receipt) -> str:
        return format_money(receipt.amount, receipt.currency)

    @admin.display(description=gettext_lazy("PDF"))
    def pdf_link(self, receipt: Receipt) -> str:
        return pdf_link(receipt)


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("received_at", "type", "event_id", "payment")
    list_filter = ("type",)
    search_fields = ("event_id",)
    list_select_related = ("payment",)
    fields = ("event_id", "type", "payment", "received_at")
    readonly_fields = fields
