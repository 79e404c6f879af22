"""What families thought of a course, as its instructor may see it: anonymous aggregates only, and only
once enough families answered (docs/domain.md, Evaluations)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from classes.evaluations import course_evaluation_summary
from instructors.selectors import get_own_course_or_404
from instructors.views.access import teaching_required


@require_safe
@teaching_required
def course_evaluations(request, pk: int):
    course = get_own_course_or_404(request.user, pk)
    return render(
        request,
        "instructors/course_evaluations.html",
        {"course": course, "summary": course_evaluation_summary(course)},
    )
