"""Who is coming: the roster, its CSV export, the register per session and printable for the course,
the paid mark, and messages to families."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from classes.models import Attendance, Booking, Course, Session
from classes.services import CourseError, message_families, set_paid, take_register
from classes.services.teaching import check_register_open
from classes.takings import cancelled_session_refunds
from instructors import selectors
from instructors.forms import MessageForm, PaidForm, RegisterForm, SessionRefundForm
from instructors.selectors import get_own_booking_or_404, get_own_course_or_404, get_own_session_or_404
from instructors.views.access import teaching_required
from instructors.views.spreadsheets import cell as _cell
from payments.models import Payment


def family_name(booking: Booking) -> str:
    return booking.baby.first_name if booking.baby else _("Deleted family")


def refund_form(
    session: Session, booking: Booking | None, *, currency: str, most: int | None, data=None, initial=None
):
    """The form giving back part of a card payment for a cancelled session: to one family, or to every
    family (``booking`` None). Ids name the session and the family, as a roster holds many of them."""
    if booking is None:
        label = _("Amount for each family (%(currency)s)") % {"currency": currency}
        auto_id = f"id_refund_{session.pk}_all_%s"
    else:
        label = _("Refund to %(family)s (%(currency)s)") % {
            "family": family_name(booking),
            "currency": currency,
        }
        auto_id = f"id_refund_{session.pk}_{booking.pk}_%s"
    return SessionRefundForm(
        data, initial=initial, currency=currency, label=label, most=most, auto_id=auto_id
    )


def render_roster(request, course: Course, *, bound: dict | None = None):
    """The roster page; ``bound`` holds a refund form posted with errors, under (session id, booking id or
    None for every family), shown in its place with the errors next to the field."""
    bound = bound or {}
    course_roster = selectors.roster(course)
    sections = []
    for block in cancelled_session_refunds(course, course_roster.sessions):
        session, currency = block.session, block.currency
        rows = []
        for line in block.lines:
            form = bound.get((session.pk, line.booking.pk))
            if form is None and line in block.waiting:
                share = min(block.share, line.left)
                form = refund_form(
                    session,
                    line.booking,
                    currency=currency,
                    most=line.left,
                    initial=SessionRefundForm.initial_for(share, currency),
                )
            rows.append((line, form))
        every = bound.get((session.pk, None))
        if every is None and block.waiting:
            every = refund_form(
                session,
                None,
                currency=currency,
                most=None,
                initial=SessionRefundForm.initial_for(block.share, currency),
            )
        sections.append((block, rows, every))
    return render(
        request,
        "instructors/roster.html",
        {"course": course, "roster": course_roster, "refund_sections": sections},
    )


@require_safe
@teaching_required
def roster(request, pk: int):
    return render_roster(request, get_own_course_or_404(request.user, pk))


def _paid(booking: Booking) -> str:
    """How the family paid, for the spreadsheet: the payment's method, or no."""
    if booking.payment is not None and booking.payment.status == booking.payment.Status.SUCCEEDED:
        return booking.payment.get_method_display()
    return _("yes") if booking.is_paid else _("no")


@require_safe
@teaching_required
def roster_csv(request, pk: int):
    """The roster as a spreadsheet: one row per family, with the register marks per session."""
    course = get_own_course_or_404(request.user, pk)
    course_roster = selectors.roster(course)
    sessions = [s for s in course_roster.sessions if s.status == Session.Status.SCHEDULED]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"roster-{course.slug or 'course'}-{course.pk}.csv"
    )
    # A byte-order mark, so that spreadsheet apps read accents in names correctly.
    response.write("\ufeff")
    writer = csv.writer(response)
    age_date = (
        course_roster.age_session.starts_at.astimezone(course.zone).date()
        if course_roster.age_session
        else None
    )
    writer.writerow(
        [
            _("Status"),
            _("Waitlist position"),
            _("Baby"),
            _("Age in weeks on %(date)s") % {"date": age_date.isoformat() if age_date else "—"},
            _("Parent"),
            _("Email"),
            _("Shared notes"),
            _("Paid"),
            *(
                _("Week %(week)s (%(date)s)")
                % {"week": s.week_number, "date": s.starts_at.astimezone(course.zone).date().isoformat()}
                for s in sessions
            ),
        ]
    )
    labels = dict(Attendance.Status.choices)
    for row in [*course_roster.families, *course_roster.offered, *course_roster.waitlist]:
        booking = row.booking
        writer.writerow(
            _cell(value)
            for value in (
                booking.get_status_display(),
                booking.position_on_waitlist or "",
                family_name(booking),
                row.age_weeks if row.age_weeks is not None else "",
                booking.parent.get_full_name() if booking.parent else "",
                booking.parent.email if booking.parent else "",
                row.notes,
                _paid(booking),
                *(labels.get(course_roster.mark(booking, s), "") for s in sessions),
            )
        )
    return response


@require_safe
@teaching_required
def register_print(request, pk: int):
    course = get_own_course_or_404(request.user, pk)
    course_roster = selectors.roster(course)
    sessions = [s for s in course_roster.sessions if s.status == Session.Status.SCHEDULED]
    rows = [(row, [course_roster.mark(row.booking, s) for s in sessions]) for row in course_roster.families]
    return render(
        request,
        "instructors/register_print.html",
        {"course": course, "roster": course_roster, "sessions": sessions, "rows": rows},
    )


def _register_closed(session: Session) -> str:
    """Why the session's register cannot be taken now (not started yet, cancelled), or "" when it can."""
    try:
        check_register_open(session)
    except CourseError as error:
        return str(error)
    return ""


@require_http_methods(["GET", "POST"])
@teaching_required
def session_register(request, pk: int):
    """The register of one session: open once the session has started; before that (or for a cancelled
    session) the page says why, and a post is refused by take_register."""
    session = get_own_session_or_404(request.user, pk)
    course = get_own_course_or_404(request.user, session.course_id)
    lines = selectors.register(session)
    form = RegisterForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            take_register(session, actor=request.user, marks=form.marks())
        except CourseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The register for week %(week)s is saved.") % {"week": session.week_number}
            )
            return redirect("instructors:session_register", pk=session.pk)
    sessions = list(course.sessions.filter(status=Session.Status.SCHEDULED).order_by("starts_at"))
    index = next((i for i, s in enumerate(sessions) if s.pk == session.pk), None)
    return render(
        request,
        "instructors/session_register.html",
        {
            "course": course,
            "session": session,
            "register_closed": _register_closed(session),
            "form": form,
            "lines": list(
                zip(lines, [form[f"booking_{line.row.booking.pk}"] for line in lines], strict=True)
            ),
            "previous": sessions[index - 1] if index else None,
            "next": sessions[index + 1] if index is not None and index + 1 < len(sessions) else None,
        },
    )


@require_POST
@teaching_required
def booking_paid(request, pk: int):
    """The paid mark of a family paying at the course: paid in cash or by transfer (a payment recorded),
    or Undo (that payment voided)."""
    booking = get_own_booking_or_404(request.user, pk)
    form = PaidForm(request.POST)
    if form.is_valid():
        try:
            booking = set_paid(
                booking,
                actor=request.user,
                paid=form.cleaned_data["paid"],
                method=form.cleaned_data["method"] or Payment.Method.CASH,
            )
        except CourseError as error:
            messages.error(request, str(error))
        else:
            name = family_name(booking)
            if booking.is_paid:
                messages.success(request, _("%(baby)s’s family is marked as paid.") % {"baby": name})
            else:
                messages.success(request, _("%(baby)s’s family is marked as not paid.") % {"baby": name})
    else:
        messages.error(request, _("Choose cash or bank transfer."))
    return redirect("instructors:roster", pk=booking.course_id)


@require_http_methods(["GET", "POST"])
@teaching_required
def course_messages(request, pk: int):
    course = get_own_course_or_404(request.user, pk)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = message_families(course, actor=request.user, **form.cleaned_data)
        except CourseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                ngettext(
                    "Your message is on its way to %(count)s family.",
                    "Your message is on its way to %(count)s families.",
                    sent.recipients,
                )
                % {"count": sent.recipients},
            )
            return redirect("instructors:course_messages", pk=course.pk)
    confirmed = Booking.objects.filter(course=course, status=Booking.Status.CONFIRMED).count()
    return render(
        request,
        "instructors/course_messages.html",
        {"course": course, "form": form, "sent": selectors.course_messages(course), "confirmed": confirmed},
    )
