"""Running a course again: the one thing to choose is when the new run starts."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from classes.forms import date_field
from classes.models import Session


class RepeatCourseForm(forms.Form):
    first_date = date_field(
        _("Date of the first session"),
        help_text=_("The sessions follow weekly from this date, at the same local time as before."),
    )

    @staticmethod
    def initial_for(sessions: list[Session], *, zone, today: date) -> dict:
        """A week after the last session, on the first session's weekday; never before tomorrow, so a
        course from last year is offered again from next week."""
        first = sessions[0].starts_at.astimezone(zone).date()
        earliest = max(
            sessions[-1].starts_at.astimezone(zone).date() + timedelta(weeks=1), today + timedelta(days=1)
        )
        return {"first_date": earliest + timedelta(days=(first.weekday() - earliest.weekday()) % 7)}
