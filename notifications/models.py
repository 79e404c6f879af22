from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from notifications.storage import private_storage


class OutgoingEmail(models.Model):
    """One email the system sends, kept as it went out.

    Most are rendered when the event happens. A *deferred* one is written with the event as a render spec
    (``renderer`` and ``render_args``) and empty bodies, and rendered by the delivery worker just before it
    is sent (``rendered_at`` is then set): see notifications.services.queue_deferred_email.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    key = models.CharField(
        _("idempotency key"),
        max_length=255,
        unique=True,
        help_text=_("Names the event and its version; the same key is never queued twice."),
    )
    to_email = models.EmailField(_("to"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outgoing_emails",
    )
    template = models.CharField(_("template"), max_length=100)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body_text = models.TextField(_("text body"), blank=True)
    body_html = models.TextField(_("HTML body"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    body_purged_at = models.DateTimeField(_("body purged"), null=True, blank=True)
    # Credentials an email carries (a sign-in or offer link's token) are stored apart from the bodies, which
    # hold a placeholder in their place: staff reading the outbox never see them, delivery puts them back,
    # and they are erased once the email is sent.
    secrets = models.JSONField(_("secrets"), default=list, blank=True, editable=False)
    # A deferred email: the dotted path of the function (in the app that knows the event) that gives the
    # template its context and attachments, and the arguments that pin the event as it happened.
    renderer = models.CharField(_("renderer"), max_length=200, blank=True, editable=False)
    render_args = models.JSONField(_("render arguments"), default=dict, blank=True, editable=False)
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at"]
        indexes = [
            # The sweeper looks for queued rows due for (another) attempt and for rows stuck in sending.
            models.Index(fields=["status", "next_attempt_at"], name="outbox_status_due_idx"),
            # Admin search and a user's "emails sent to me" export.
            models.Index(fields=["to_email"], name="outbox_to_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(attempts__gte=0), name="outbox_attempts_non_negative"),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="outbox_sent_has_sent_at",
            ),
        ]

    def __str__(self) -> str:
        subject = self.subject if not self.awaits_rendering else gettext("(not rendered yet)")
        return f"{subject} → {self.to_email} ({self.get_status_display()})"

    @property
    def awaits_rendering(self) -> bool:
        return bool(self.renderer) and self.rendered_at is None


def attachment_upload_to(instance: EmailAttachment, filename: str) -> str:
    return f"outbox/{instance.email_id}/{filename}"


class EmailAttachment(models.Model):
    email = models.ForeignKey(
        OutgoingEmail, verbose_name=_("email"), on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    file = models.FileField(
        _("file"), upload_to=attachment_upload_to, storage=private_storage, max_length=300
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class Heartbeat(models.Model):
    """The last time a periodic process (Celery beat) proved it was alive; read by /healthz."""

    name = models.CharField(_("name"), max_length=50, primary_key=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"
