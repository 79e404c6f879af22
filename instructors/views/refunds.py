"""Giving families back part of their card payment when a session of their course was cancelled, from
the roster: one family at a time, or every family that paid by card the same amount."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from classes.services import CourseError, refund_cancelled_session, refund_cancelled_session_to_all
from instructors.selectors import get_own_booking_or_404, get_own_course_or_404, get_own_session_or_404
from instructors.views.access import teaching_required
from instructors.views.families import family_name, refund_form, render_roster
from payments.money import format_money


def _back_to_roster(session):
    return redirect(
        reverse("instructors:roster", kwargs={"pk": session.course_id}) + f"#refunds-{session.pk}"
    )


@require_POST
@teaching_required
def session_refund(request, pk: int, booking: int):
    """Refund one family for a cancelled session; a refused amount is shown next to its field."""
    session = get_own_session_or_404(request.user, pk)
    course = get_own_course_or_404(request.user, session.course_id)
    family = get_own_booking_or_404(request.user, booking)
    form = refund_form(session, family, currency=course.currency, most=None, data=request.POST)
    if form.is_valid():
        try:
            refund_cancelled_session(family, session=session, amount=form.minor_amount(), actor=request.user)
        except CourseError as error:
            if error.field != "amount":
                messages.error(request, str(error))
                return _back_to_roster(session)
            form.add_error("amount", str(error))
        else:
            messages.success(
                request,
                _(
                    "%(amount)s goes back to %(baby)s’s family for week %(week)s; "
                    "they are emailed once it is made."
                )
                % {
                    "amount": format_money(form.minor_amount(), course.currency),
                    "baby": family_name(family),
                    "week": session.week_number,
                },
            )
            return _back_to_roster(session)
    return render_roster(request, course, bound={(session.pk, family.pk): form})


@require_POST
@teaching_required
def session_refund_all(request, pk: int):
    """Refund every family that paid by card, and has had nothing back for this session, the same amount."""
    session = get_own_session_or_404(request.user, pk)
    course = get_own_course_or_404(request.user, session.course_id)
    form = refund_form(session, None, currency=course.currency, most=None, data=request.POST)
    if form.is_valid():
        try:
            refunds = refund_cancelled_session_to_all(session, amount=form.minor_amount(), actor=request.user)
        except CourseError as error:
            if error.field != "amount":
                messages.error(request, str(error))
                return _back_to_roster(session)
            form.add_error("amount", str(error))
        else:
            messages.success(
                request,
                ngettext(
                    "%(amount)s goes back to %(count)s family for week %(week)s; "
                    "they are emailed once it is made.",
                    "%(amount)s goes back to each of %(count)s families for week %(week)s; "
                    "each is emailed once it is made.",
                    len(refunds),
                )
                % {
                    "amount": format_money(form.minor_amount(), course.currency),
                    "count": len(refunds),
                    "week": session.week_number,
                },
            )
            return _back_to_roster(session)
    return render_roster(request, course, bound={(session.pk, None): form})
