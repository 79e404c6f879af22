"""What someone who does not teach a course did to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.models.courses import Course


class CourseAction(models.Model):
    """What someone who does not teach a course did to it (a course coordinator acting on the instructor's
    behalf): who, when, what. The course's instructor sees these beside their course."""

    class Kind(models.TextChoices):
        EDITED = "edited", _("Details changed")
        TOPICS_EDITED = "topics_edited", _("Week topics changed")
        PUBLISHED = "published", _("Published")
        SESSION_MOVED = "session_moved", _("Session moved")
        SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
        COURSE_CANCELLED = "course_cancelled", _("Course cancelled")
        REGISTER_TAKEN = "register_taken", _("Register taken")
        PAID_MARKED = "paid_marked", _("Paid mark changed")
        SESSION_REFUNDED = "session_refunded", _("Refund for a cancelled session")
        MESSAGE_SENT = "message_sent", _("Message sent to families")

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="actions"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    details = models.TextField(_("details"), blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("action on someone else's course")
        verbose_name_plural = _("actions on someone else's courses")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["course", "at"], name="course_action_course_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.course}"
