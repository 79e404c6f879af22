from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from classes import services
from classes.emails import offer_version, read_offer_token
from classes.models import Booking
from classes.selectors import course_for_page, upcoming_courses
from classes.services import BookingError


def catalog(request):
    return render(request, "classes/course_list.html", {"courses": upcoming_courses()})


def course_detail(request, pk: int, slug: str):
    course = course_for_page(pk)
    if course is None:
        raise Http404
    if slug != course.slug:
        return redirect(course, permanent=True)
    return render(request, "classes/course_detail.html", {"course": course})


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
    if request.method == "POST" and is_open:
        accept = request.POST.get("choice") == "accept"
        try:
            services.respond_to_offer(booking, accept=accept, offer_version=version)
        except BookingError as error:
            messages.error(request, str(error))
        else:
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
