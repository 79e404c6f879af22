"""The course builder and the changes an instructor makes to a course: details, topics, publishing,
moving or cancelling a session, cancelling the course."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from classes.models import Booking, Course, Session
from classes.services import (
    CourseError,
    SessionPlan,
    cancel_course,
    cancel_session,
    edit_session_topics,
    move_session,
)
from classes.takings import course_takings
from instructors.forms import CourseBuilderForm, CourseForm, MoveSessionForm, SessionTopicsForm
from instructors.selectors import (
    course_actions,
    get_own_course_or_404,
    get_own_session_or_404,
    own_venues,
    teaching_rights,
)
from instructors.services import PublishingError, build_course, edit_course, publish_course
from instructors.views.access import teaching_required


def _manage(course: Course):
    return redirect("instructors:course_manage", pk=course.pk)


def _show_practicum(user, course: Course | None = None) -> bool:
    return teaching_rights(user).practicum or (course is not None and course.is_practicum)


@require_http_methods(["GET", "POST"])
@teaching_required
def course_create(request):
    rights = teaching_rights(request.user)
    initial = {
        "time_zone": request.user.time_zone,
        "language": request.user.preferred_language,
        "is_practicum": rights.practicum_only,
    }
    venues = list(own_venues(request.user))
    if not venues:
        initial["venue"] = "new"
        initial["new_venue_time_zone"] = request.user.time_zone
    form = CourseBuilderForm(
        request.POST or None, initial=initial, venues=venues, show_practicum=rights.practicum
    )
    if request.method == "POST" and form.is_valid():
        try:
            course = build_course(
                request.user,
                plan=SessionPlan(
                    first_local=form.first_local(),
                    weeks=form.cleaned_data["weeks"],
                    duration_minutes=form.cleaned_data["duration_minutes"],
                ),
                new_venue=form.new_venue(),
                **form.course_fields(),
            )
        except CourseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Your draft course is ready. Check the sessions and their topics, then publish it."),
            )
            return _manage(course)
    return render(request, "instructors/course_form.html", {"form": form, "course": None, "rights": rights})


@require_safe
@teaching_required
def course_manage(request, pk: int):
    course = get_own_course_or_404(request.user, pk)
    sessions = list(course.sessions.order_by("starts_at"))
    return render(
        request,
        "instructors/course_manage.html",
        {
            "course": course,
            "sessions": sessions,
            "topics_form": SessionTopicsForm(sessions=sessions),
            "rights": teaching_rights(course.instructor),
            "now": timezone.now(),
            "course_actions": course_actions(course),
            # What the families paid, for the course's instructor or a coordinator (get_own_course_or_404).
            "takings": course_takings(course) if course.price else None,
        },
    )


@require_http_methods(["GET", "POST"])
@teaching_required
def course_edit(request, pk: int):
    course = get_own_course_or_404(request.user, pk)
    if course.status == Course.Status.CANCELLED:
        messages.error(request, _("This course is cancelled and can no longer change."))
        return _manage(course)
    locked = course.bookings.live().exists()
    form = CourseForm(
        request.POST or None,
        initial=CourseForm.initial_for(course),
        venues=list(own_venues(course.instructor)),
        show_practicum=_show_practicum(course.instructor, course),
        locked=locked,
    )
    if request.method == "POST" and form.is_valid():
        try:
            edit_course(course, actor=request.user, new_venue=form.new_venue(), **form.course_fields())
        except CourseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The course details are saved."))
            return _manage(course)
    return render(request, "instructors/course_form.html", {"form": form, "course": course, "locked": locked})


@require_POST
@teaching_required
def session_topics(request, pk: int):
    course = get_own_course_or_404(request.user, pk)
    sessions = list(course.sessions.order_by("starts_at"))
    form = SessionTopicsForm(request.POST, sessions=sessions)
    if form.is_valid():
        try:
            edit_session_topics(course, actor=request.user, topics=form.topics())
        except CourseError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The week topics are saved."))
            return _manage(course)
    return render(
        request,
        "instructors/course_manage.html",
        {
            "course": course,
            "sessions": sessions,
            "topics_form": form,
            "rights": teaching_rights(course.instructor),
            "now": timezone.now(),
        },
    )


@require_POST
@teaching_required
def course_publish(request, pk: int):
    course = get_own_course_or_404(request.user, pk)
    try:
        publish_course(course, actor=request.user)
    except PublishingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("“%(course)s” is published: families can book it now.") % {"course": course}
        )
    return _manage(course)


@require_http_methods(["GET", "POST"])
@teaching_required
def course_cancel(request, pk: int):
    """A confirmation page (GET changes nothing); the button on it cancels the course."""
    course = get_own_course_or_404(request.user, pk)
    if request.method == "POST":
        try:
            cancel_course(course, actor=request.user)
        except CourseError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("“%(course)s” is cancelled. Every family on it has been emailed.") % {"course": course},
            )
        return _manage(course)
    live = course.bookings.live()
    return render(
        request,
        "instructors/course_cancel.html",
        {
            "course": course,
            "confirmed": live.filter(status=Booking.Status.CONFIRMED).count(),
            "waiting": live.exclude(status=Booking.Status.CONFIRMED).count(),
            "paid": live.filter(is_paid=True).count(),
        },
    )


def _session_page(request, session: Session, template: str, **context):
    course = get_own_course_or_404(request.user, session.course_id)
    families = Booking.objects.filter(course=course).holding_a_place().count()
    return render(request, template, {"course": course, "session": session, "families": families, **context})


@require_http_methods(["GET", "POST"])
@teaching_required
def session_move(request, pk: int):
    session = get_own_session_or_404(request.user, pk)
    form = MoveSessionForm(
        request.POST or None, initial=MoveSessionForm.initial_for(session), zone=session.course.zone
    )
    if request.method == "POST" and form.is_valid():
        try:
            move_session(session, actor=request.user, starts_at=form.starts_at())
        except CourseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Week %(week)s is moved. Every family with a place has been emailed the new time.")
                % {"week": session.week_number},
            )
            return _manage(session.course)
    return _session_page(request, session, "instructors/session_move.html", form=form)


@require_http_methods(["GET", "POST"])
@teaching_required
def session_cancel(request, pk: int):
    """A confirmation page (GET changes nothing); the button on it cancels the session."""
    session = get_own_session_or_404(request.user, pk)
    if request.method == "POST":
        try:
            cancel_session(session, actor=request.user)
        except CourseError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Week %(week)s is cancelled. Every family with a place has been emailed.")
                % {"week": session.week_number},
            )
        return _manage(session.course)
    return _session_page(request, session, "instructors/session_cancel.html")
