"""`{% refund_policy course %}`: a pay-online course's refund policy in plain words, for the course page."""

from __future__ import annotations

from django import template

from classes.models import Course
from classes.selectors import cancellation_deadline_of

register = template.Library()


@register.inclusion_tag("classes/_refund_policy.html")
def refund_policy(course: Course) -> dict:
    return {"course": course, "cancel_by": cancellation_deadline_of(course)}
