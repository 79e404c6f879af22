from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.selectors import has_verified_email
from classes import services
from classes.calendar import course_calendar
from classes.emails import offer_token, offer_version, read_offer_token
from classes.evaluations import evaluations_of_parent
from classes.forms import BabyForm, BookingForm
from classes.models import Baby, Booking, Course, Session
from classes.page_cache import SharedPage
from classes.rules import LATE, booking_panel, cancellation_window, may_cancel_online, next_change, refund_due
from classes.selectors import (
    bookings_of_parent,
    cancellation_deadline_of,
    course_for_page,
)
from classes.services import BookingError


def today_for(user) -> date:
    """Today where the person is, so a baby born this morning in Sydney is not "in the future"."""
    zone = getattr(user, "time_zone", "") if user.is_authenticated else ""
    return timezone.localdate(timezone=ZoneInfo(zone)) if zone else timezone.localdate()


def _safe_next(request) -> str:
    """Where to go back to: a path on this site, or nothing. (redirect() would take any other word for
    the name of a view, and fail on it.)"""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


def course_detail(request, pk: int, slug: str):
    # Kept under the course's path alone (pk as a number, so "/classes/007-…" is not a page of its own):
    # a query string never makes another page, and a wrong slug redirects before anything is kept, so
    # only a course's own slug ever has an entry. The course is kept beside the page, so a signed-in
    # parent's booking panel is rendered from it without reading it again.
    page_cache = SharedPage(request, reverse("classes:course_detail", kwargs={"pk": pk, "slug": slug}))
    now = timezone.now()

    def personal(course: Course) -> dict:
        return {"course": course, **booking_panel(course, request.user, now=now).as_context()}

    if cached := page_cache.cached(personal):
        return cached
    course = course_for_page(pk)
    if course is None:
        raise Http404
    if slug != course.slug:
        return redirect(course, permanent=True)
    return page_cache.render(
        "classes/course_detail.html",
        {"course": course},
        personal=personal,
        payload=course,
        fresh_until=lambda: next_change(course, now=now),
    )


@require_POST
@login_required
def book(request, pk: int):
    """Book the chosen baby on the course, or put them on its waitlist when it is full."""
    course = get_object_or_404(Course.objects.exclude(status=Course.Status.DRAFT), pk=pk)
    if not has_verified_email(request.user):
        messages.error(
            request,
            _(
                "Please confirm your email address before booking: use the link we emailed you, "
                "or ask for a new one."
            ),
        )
        return redirect(course)
    form = BookingForm(request.POST)
    if not form.is_valid():
        # Said next to the choice of baby on the course page, as every form's errors are.
        shown = course_for_page(course.pk)
        return render(
            request,
            "classes/course_detail.html",
            {
                "course": shown,
                **booking_panel(shown, request.user, now=timezone.now()).as_context(),
                "booking_error": _("Choose which baby to book for."),
            },
        )
    baby = get_object_or_404(Baby, pk=form.cleaned_data["baby"], parent=request.user)
    try:
        booking = services.book_course(course, parent=request.user, baby=baby)
    except BookingError as error:
        messages.error(request, str(error))
        return redirect(course)
    names = {"baby": baby.first_name, "course": course.title}
    if booking.status == Booking.Status.PENDING_PAYMENT:
        messages.info(
            request,
            _("We are holding a place for %(baby)s on “%(course)s” while you pay: it is yours once paid.")
            % names,
        )
        return redirect("payments:pay", pk=booking.payment_id)
    if booking.status == Booking.Status.CONFIRMED:
        messages.success(
            request,
            _(
                "Booked! %(baby)s has a place on “%(course)s”. "
                "We have emailed you the details and a calendar file."
            )
            % names,
        )
    else:
        names["position"] = booking.position_on_waitlist
        if form.cleaned_data["expected"] == "book":
            message = _(
                "Sorry: the last place was taken while you were looking. "
                "%(baby)s is on the waitlist instead, number %(position)s. "
                "We will email you as soon as a place frees up."
            )
        else:
            message = _(
                "The course is full, so %(baby)s is on the waitlist: you are number %(position)s. "
                "We will email you as soon as a place frees up."
            )
        messages.warning(request, message % names)
    return redirect("classes:my_bookings")


@require_http_methods(["GET", "POST"])
def offer_respond(request, token: str):
    """The page an offer email links to: shows the choice; only a POST (a button) changes anything,
    because mail scanners follow links. No sign-in needed: the signed token is the key."""
    parsed = read_offer_token(token)
    booking = None
    if parsed is not None:
        booking = Booking.objects.select_related("course", "baby", "parent").filter(pk=parsed[0]).first()
    if booking is None:
        raise Http404
    _booking_id, version = parsed
    is_open = (
        booking.status == Booking.Status.OFFERED
        and offer_version(booking) == version
        and booking.offer_expires_at > timezone.now()
    )
    choice = request.POST.get("choice")
    if request.method == "POST" and is_open and choice not in ("accept", "decline"):
        # Only the page's two buttons answer an offer: a post without either changes nothing.
        messages.error(request, _("Choose whether to accept or decline the place."))
        return redirect("classes:offer_respond", token=token)
    if request.method == "POST" and is_open:
        accept = choice == "accept"
        try:
            booking = services.respond_to_offer(booking, accept=accept, offer_version=version)
        except BookingError as error:
            messages.error(request, str(error))
        else:
            if booking.status == Booking.Status.PENDING_PAYMENT:
                messages.info(request, _("The place is held for you while you pay: it is yours once paid."))
                return redirect("payments:pay", pk=booking.payment_id)
            if accept:
                messages.success(request, _("The place is yours. See you at the first session!"))
            else:
                messages.info(request, _("You declined the place; it goes to the next family."))
        return redirect("classes:offer_respond", token=token)
    if request.method == "POST":
        messages.error(request, _("This offer is no longer open."))
    return render(
        request, "classes/offer_respond.html", {"booking": booking, "is_open": is_open, "token": token}
    )


@dataclass(frozen=True)
class BookingCard:
    """A booking as My bookings shows it, with what the parent can do about it now."""

    booking: Booking
    can_cancel: bool
    cancel_deadline: datetime | None
    cancel_late: bool  # past the cutoff, on a course that lets families cancel late
    offer_token: str
    next_session: Session | None


def _cards(bookings: list[Booking], *, now: datetime) -> list[BookingCard]:
    cards = []
    for booking in bookings:
        cards.append(
            BookingCard(
                booking=booking,
                can_cancel=may_cancel_online(booking, now=now),
                cancel_deadline=cancellation_deadline_of(booking.course),
                cancel_late=cancellation_window(booking.course, now=now) == LATE,
                offer_token=offer_token(booking) if booking.status == Booking.Status.OFFERED else "",
                next_session=next(
                    (
                        session
                        for session in booking.course.sessions.all()
                        if session.status == Session.Status.SCHEDULED and session.ends_at > now
                    ),
                    None,
                ),
            )
        )
    return cards


@login_required
def my_bookings(request):
    now = timezone.now()
    grouped = bookings_of_parent(request.user, now=now)
    evaluations = evaluations_of_parent(request.user, now=now)
    return render(
        request,
        "classes/booking_list.html",
        {
            "evaluation_open": evaluations.open,
            "evaluation_answered": evaluations.answered,
            "upcoming": _cards(grouped.upcoming, now=now),
            "waiting": _cards(grouped.waiting, now=now),
            "past": _cards(grouped.past, now=now),
            "has_bookings": bool(grouped),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def booking_cancel(request, pk: int):
    """Cancel a place, leave the waitlist or decline an offer: whichever the booking is. The GET asks once
    more, naming the baby and the course and saying whether the place goes to a family waiting; only the
    POST (its button) changes anything."""
    booking = get_object_or_404(
        Booking.objects.select_related("baby", "course", "course__instructor", "payment"),
        pk=pk,
        parent=request.user,
    )
    status = booking.status
    if request.method == "GET":
        if status == Booking.Status.CANCELLED:
            messages.info(request, _("This booking is already cancelled."))
            return redirect("classes:my_bookings")
        now = timezone.now()
        frees_a_place = status in (Booking.Status.CONFIRMED, Booking.Status.OFFERED)
        return render(
            request,
            "classes/booking_cancel.html",
            {
                "booking": booking,
                "course": booking.course,
                "can_cancel": may_cancel_online(booking, now=now),
                "cancel_late": status == Booking.Status.CONFIRMED
                and cancellation_window(booking.course, now=now) == LATE,
                "refund": refund_due(booking, now=now),
                "frees_a_place": frees_a_place,
                "someone_waiting": frees_a_place
                and booking.course.bookings.filter(status=Booking.Status.WAITLISTED).exists(),
                "waitlist_open": frees_a_place
                and services.offer_deadline(booking.course, now=now) is not None,
            },
        )
    try:
        services.cancel_booking(booking, by=request.user)
    except BookingError as error:
        messages.error(request, str(error))
        return redirect("classes:my_bookings")
    names = {"baby": booking.baby.first_name if booking.baby_id else "", "course": booking.course.title}
    if status == Booking.Status.WAITLISTED:
        messages.success(request, _("%(baby)s has left the waitlist for “%(course)s”.") % names)
    elif status == Booking.Status.PENDING_PAYMENT:
        messages.success(request, _("You let the place on “%(course)s” go; nothing was charged.") % names)
    elif status == Booking.Status.OFFERED:
        messages.success(
            request, _("You declined the place on “%(course)s”; it goes to the next family.") % names
        )
    else:
        messages.success(
            request,
            _("Your booking for %(baby)s on “%(course)s” is cancelled. We have emailed you a confirmation.")
            % names,
        )
    return redirect("classes:my_bookings")


@login_required
def booking_calendar(request, pk: int):
    """The booking's sessions as an .ics file; the meeting link only for a confirmed place."""
    booking = get_object_or_404(
        Booking.objects.select_related("course", "course__venue"), pk=pk, parent=request.user
    )
    course = booking.course
    sessions = list(course.sessions.order_by("starts_at"))
    content = course_calendar(course, sessions, include_link=booking.status == Booking.Status.CONFIRMED)
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{course.slug or 'course'}.ics"
    )
    return response


@login_required
def baby_list(request):
    today = today_for(request.user)
    babies = [
        (baby, baby.age_in_weeks(today)) for baby in request.user.babies.order_by("date_of_birth", "pk")
    ]
    return render(request, "classes/baby_list.html", {"babies": babies})


@login_required
@require_http_methods(["GET", "POST"])
def baby_add(request):
    next_url = _safe_next(request)
    form = BabyForm(request.POST or None, today=today_for(request.user))
    if request.method == "POST" and form.is_valid():
        baby = services.create_baby(request.user, **form.cleaned_data)
        messages.success(request, _("%(baby)s is added.") % {"baby": baby.first_name})
        return redirect(next_url or "classes:baby_list")
    return render(request, "classes/baby_form.html", {"form": form, "next": next_url, "baby": None})


@login_required
@require_http_methods(["GET", "POST"])
def baby_edit(request, pk: int):
    baby = get_object_or_404(Baby, pk=pk, parent=request.user)
    next_url = _safe_next(request)
    form = BabyForm(
        request.POST or None,
        today=today_for(request.user),
        initial={
            "first_name": baby.first_name,
            "date_of_birth": baby.date_of_birth,
            "notes": baby.notes,
            "notes_consent": baby.notes_consent,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            baby = services.update_baby(baby, **form.cleaned_data)
        except BookingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(baby)s’s details are saved.") % {"baby": baby.first_name})
            return redirect(next_url or "classes:baby_list")
    return render(request, "classes/baby_form.html", {"form": form, "next": next_url, "baby": baby})
