from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.admin import ReadOnlyAdminMixin
from payments.models import Payment, Refund, StripeEvent
from payments.money import format_money
from payments.services import PaymentError, retry_refund


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

    @admin.display(description=_("amount"))
    def shown_amount(self, refund: Refund) -> str:
        return format_money(refund.amount, refund.payment.currency)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "description", "payer", "shown_amount", "method", "status", "succeeded_at")
    list_filter = ("status", "method", "purpose", "currency")
    search_fields = ("description", "payer__email", "payer__full_name", "intent_id", "charge_id")
    date_hierarchy = "created_at"
    list_select_related = ("payer",)
    inlines = [RefundInline]
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

    @admin.display(description=_("amount"), ordering="amount")
    def shown_amount(self, payment: Payment) -> str:
        return format_money(payment.amount, payment.currency)


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "payment", "shown_amount", "reason", "status", "attempts", "succeeded_at")
    list_filter = ("status", "reason")
    search_fields = ("payment__description", "payment__payer__email", "provider_refund_id")
    date_hierarchy = "created_at"
    list_select_related = ("payment",)
    actions = ["send_again"]
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

    @admin.display(description=_("amount"), ordering="amount")
    def shown_amount(self, refund: Refund) -> str:
        return format_money(refund.amount, refund.payment.currency)

    def has_refund_permission(self, request) -> bool:
        return request.user.has_perm("payments.refund_payment")

    @admin.action(description=_("Send failed refunds again"), permissions=["refund"])
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


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("received_at", "type", "event_id", "payment")
    list_filter = ("type",)
    search_fields = ("event_id",)
    list_select_related = ("payment",)
    fields = ("event_id", "type", "payment", "received_at")
    readonly_fields = fields
