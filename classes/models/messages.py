"""Messages instructors send to the families of a course."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.models.courses import Course


class CourseMessage(models.Model):
    """A message an instructor sent to the confirmed families of a course; the dashboard lists them."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(_("message"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    recipients = models.PositiveSmallIntegerField(_("families emailed"), default=0)

    class Meta:
        verbose_name = _("message to families")
        verbose_name_plural = _("messages to families")
        ordering = ["-sent_at"]
        # The dashboard and the course's message page read the latest messages of a course.
        indexes = [models.Index(fields=["course", "sent_at"], name="course_message_sent_idx")]

    def __str__(self) -> str:
        return f"{self.course}: {self.subject}"
