"""Run it again: an instructor's own course, as a new draft with new dates."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from classes.services import CourseError
from instructors.forms import RepeatCourseForm
from instructors.selectors import get_own_course_or_404
from instructors.services import repeat_course
from instructors.views.access import teaching_required


@require_http_methods(["GET", "POST"])
@teaching_required
def course_repeat(request, pk: int):
    course = get_own_course_or_404(request.user, pk)
    # A new run is the instructor's own course: a coordinator who may act on this one does not start
    # courses in someone else's name.
    if course.instructor_id != request.user.pk:
        raise Http404
    sessions = list(course.sessions.order_by("week_number"))
    if not sessions:
        raise Http404
    form = RepeatCourseForm(
        request.POST or None,
        initial=RepeatCourseForm.initial_for(sessions, zone=course.zone, today=timezone.localdate()),
    )
    if request.method == "POST" and form.is_valid():
        try:
            repeated = repeat_course(course, actor=request.user, first_date=form.cleaned_data["first_date"])
        except CourseError as error:
            form.add_error("first_date", str(error))
        else:
            messages.success(
                request, _("Your new draft is ready. Check the sessions and their topics, then publish it.")
            )
            return redirect("instructors:course_manage", pk=repeated.pk)
    first = sessions[0]
    return render(
        request,
        "instructors/course_repeat.html",
        {
            "course": course,
            "form": form,
            "weeks": len(sessions),
            "local_start": first.starts_at.astimezone(course.zone),
            "duration": first.duration_minutes,
        },
    )
