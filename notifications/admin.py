"""The outbox in admin: every email as it went out, read-only, with the credentials it carried masked;
failed rows can be retried. A deferred email shows "not rendered yet" until its worker renders it."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.admin import ReadOnlyAdminMixin
from notifications.models import EmailAttachment, Heartbeat, OutgoingEmail
from notifications.services import mask_secrets, retry_email

NOT_RENDERED = _("(not rendered yet)")
NOT_RENDERED_BODY = _(
    "Not rendered yet: the worker that delivers it renders it, in the recipient's language, just before "
    "sending it."
)


class EmailAttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = EmailAttachment
    fields = ("filename", "content_type", "download")
    readonly_fields = fields
    extra = 0

    def has_view_permission(self, request, obj=None) -> bool:
        # An attachment is part of the email: whoever may read the email sees what was attached.
        return request.user.has_perm("notifications.view_outgoingemail")

    @admin.display(description=_("file"))
    def download(self, attachment: EmailAttachment) -> str:
        if not attachment.file:
            return "—"
        # Through the view that checks who is asking: the file has no public address of its own.
        url = reverse("notifications:attachment_download", args=[attachment.pk])
        return format_html('<a href="{}" download="{}">{}</a>', url, attachment.filename, _("Download"))


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "to_email",
        "shown_subject",
        "template",
        "language",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("status", "template", "language")
    search_fields = ("to_email", "key", "subject")
    date_hierarchy = "created_at"
    inlines = [EmailAttachmentInline]
    actions = ["retry_sending"]
    fieldsets = (
        (None, {"fields": ("to_email", "user", "shown_subject", "template", "language", "key")}),
        (
            _("Delivery"),
            {
                "fields": (
                    "status",
                    "attempts",
                    "last_error",
                    "created_at",
                    "next_attempt_at",
                    "rendered_at",
                    "claimed_at",
                    "sent_at",
                    "body_purged_at",
                )
            },
        ),
        (_("What was sent"), {"fields": ("text_body", "html_body")}),
    )
    readonly_fields = (
        "to_email",
        "user",
        "shown_subject",
        "template",
        "language",
        "key",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "rendered_at",
        "claimed_at",
        "sent_at",
        "body_purged_at",
        "text_body",
        "html_body",
    )

    def get_queryset(self, request):
        # The credentials an email carries are never loaded here, so no page of this admin can show them.
        queryset = super().get_queryset(request).defer("secrets")
        # The list never shows the bodies, which can be tens of kilobytes a row.
        if request.resolver_match and request.resolver_match.url_name.endswith("_changelist"):
            queryset = queryset.defer("body_text", "body_html")
        return queryset

    def has_retry_permission(self, request) -> bool:
        # The admin itself is view-only (has_change_permission is False); putting a row back in line is
        # for whoever holds the model's change permission.
        return request.user.has_perm("notifications.change_outgoingemail")

    @admin.display(description=_("subject"), ordering="subject")
    def shown_subject(self, email: OutgoingEmail) -> str:
        if email.awaits_rendering:
            return NOT_RENDERED
        return mask_secrets(email.subject)

    @admin.display(description=_("text body"))
    def text_body(self, email: OutgoingEmail) -> str:
        if email.awaits_rendering:
            return NOT_RENDERED_BODY
        if email.body_purged_at and not email.body_text:
            return _("Purged after the retention period.")
        return format_html(
            '<pre style="white-space: pre-wrap; margin: 0">{}</pre>', mask_secrets(email.body_text)
        )

    @admin.display(description=_("HTML body"))
    def html_body(self, email: OutgoingEmail) -> str:
        if email.awaits_rendering:
            return NOT_RENDERED_BODY
        if not email.body_html:
            return _("Purged after the retention period.") if email.body_purged_at else "—"
        # srcdoc gets the escaped HTML; an empty sandbox runs no script and gets a unique origin.
        return format_html(
            '<iframe sandbox="" srcdoc="{}" title="{}" '
            'style="width: 100%; min-width: 40em; height: 32em; border: 1px solid #ccc"></iframe>',
            mask_secrets(email.body_html),
            _("HTML body"),
        )

    @admin.action(description=_("Retry sending"), permissions=["retry"])
    def retry_sending(self, request, queryset) -> None:
        requeued = skipped = 0
        for email in queryset.only("pk", "status"):
            if retry_email(email):
                requeued += 1
            else:
                skipped += 1
        if requeued:
            self.message_user(
                request,
                ngettext("%(count)d email re-queued.", "%(count)d emails re-queued.", requeued)
                % {"count": requeued},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d email skipped: it is being sent or was sent already.",
                    "%(count)d emails skipped: they are being sent or were sent already.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "at")
    readonly_fields = ("name", "at")
