"""A family's evaluation of a course: from the emailed link, signed out, or from My bookings.

The link's GET only shows the form; only a POST stores anything, because mail scanners follow links.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from classes.evaluations import may_evaluate, read_evaluation_token
from classes.forms import EvaluationForm
from classes.models import Booking, Evaluation
from classes.services.evaluations import EvaluationError, submit_evaluation


def _evaluation_page(request, booking: Booking):
    """The form while it is open, the thanks once answered; the same for the link and My bookings."""
    answered = Evaluation.objects.filter(booking=booking).first()
    is_open = answered is None and may_evaluate(booking)
    form = EvaluationForm(request.POST if request.method == "POST" and is_open else None)
    if request.method == "POST":
        if answered is not None:
            # A second press, or the link opened again: the first answer stands and nothing is added.
            messages.info(request, _("We already have your evaluation of this course. Thank you!"))
            return redirect(request.path)
        if not is_open:
            messages.error(request, _("This course cannot be evaluated."))
            return redirect(request.path)
        if form.is_valid():
            try:
                submit_evaluation(
                    booking,
                    home_practice=form.cleaned_data["home_practice"],
                    ratings=form.ratings(),
                    gained=form.cleaned_data["gained"],
                    to_improve=form.cleaned_data["to_improve"],
                    language=translation.get_language() or settings.LANGUAGE_CODE,
                )
            except EvaluationError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Thank you! Your evaluation is received."))
            return redirect(request.path)
    return render(
        request,
        "classes/evaluation_form.html",
        {
            "booking": booking,
            "course": booking.course,
            "form": form,
            "is_open": is_open,
            "answered": answered,
            "min_answers": settings.EVALUATION_MIN_ANSWERS,
        },
    )


@require_http_methods(["GET", "POST"])
def evaluation_by_link(request, token: str):
    """The page the evaluation email links to; no sign-in needed: the signed token names the booking,
    and nothing posted can name another one."""
    reading = read_evaluation_token(token)
    booking = None
    if reading.booking_id is not None:
        booking = (
            Booking.objects.select_related("course", "course__venue", "parent")
            .filter(pk=reading.booking_id)
            .first()
        )
    if booking is None:
        return render(
            request,
            "classes/evaluation_link_invalid.html",
            {"expired": reading.expired},
            status=410 if reading.expired else 404,
        )
    if (
        not request.user.is_authenticated
        and booking.parent is not None
        and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
    ):
        # The email went out in the parent's language; the page follows it unless they chose another.
        translation.activate(booking.parent.preferred_language)
        request.LANGUAGE_CODE = booking.parent.preferred_language
    return _evaluation_page(request, booking)


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_mine(request, pk: int):
    """The same page from My bookings; someone else's booking is a 404."""
    booking = get_object_or_404(
        Booking.objects.select_related("course", "course__venue", "parent"), pk=pk, parent=request.user
    )
    return _evaluation_page(request, booking)
