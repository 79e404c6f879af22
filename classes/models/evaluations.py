"""What a family thought of a course, told after its last session (docs/domain.md, Evaluations)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.models.bookings import Booking

# Free text is read by the instructor beside everybody else's: a few sentences, not a letter.
EVALUATION_TEXT_MAX_LENGTH = 1500
RATING_FIELDS = ("teaching_rating", "confidence_rating", "group_rating", "recommend_rating")


def _rating(label: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, validators=[MinValueValidator(1), MaxValueValidator(5)])


class HomePractice(models.TextChoices):
    """How often the family massages the baby at home since the course."""

    DAILY = "daily", _("Every day or nearly")
    WEEKLY = "weekly", _("A few times a week")
    SOMETIMES = "sometimes", _("Now and then")
    NOT_YET = "not_yet", _("Not yet")


class Evaluation(models.Model):
    """One family's evaluation of one course: one per booking, and nobody's name in it.

    It points at the booking only so that it is answered once and counted for the right course: after a
    parent deletes their account the booking has no parent, and the evaluation stays without a name.
    """

    HomePractice = HomePractice

    booking = models.OneToOneField(
        Booking, verbose_name=_("booking"), on_delete=models.PROTECT, related_name="evaluation"
    )
    gained = models.CharField(
        _("what you and your baby got from it"), max_length=EVALUATION_TEXT_MAX_LENGTH, blank=True
    )
    to_improve = models.CharField(_("what to improve"), max_length=EVALUATION_TEXT_MAX_LENGTH, blank=True)
    home_practice = models.CharField(_("massage at home"), max_length=10, choices=HomePractice.choices)
    teaching_rating = _rating(_("the instructor's teaching"))
    confidence_rating = _rating(_("confidence to massage the baby"))
    group_rating = _rating(_("the group and the place"))
    recommend_rating = _rating(_("would recommend the course"))
    language = models.CharField(_("answered in"), max_length=10)
    submitted_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-submitted_at"]
        constraints = [
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{field}__gte": 1, f"{field}__lte": 5}), name=f"evaluation_{field}_1_to_5"
                )
                for field in RATING_FIELDS
            ),
            models.CheckConstraint(
                condition=Q(home_practice__in=HomePractice.values),
                name="evaluation_home_practice_known",
            ),
        ]

    def __str__(self) -> str:
        return _("Evaluation of %(course)s") % {"course": self.booking.course}
