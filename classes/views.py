from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.selectors import has_verified_email
from classes import services
from classes.calendar import course_calendar
from classes.catalog_cache import (
    CATALOG_FACETS_KEY,
    cache_fragments,
    cache_is_shared,
    cached_fragments,
    catalog_facets,
)
from classes.catalog_pages import WindowPaginator
from classes.emails import offer_token, offer_version, read_offer_token
from classes.evaluations import evaluations_of_parent
from classes.forms import BabyForm, BookingForm, CatalogFilterForm
from classes.models import Baby, Booking, Course, Session
from classes.page_cache import SharedPage, catalog_page_url, requested_page_number
from classes.rules import LATE, booking_panel, cancellation_window, may_cancel_online, next_change, refund_due
from classes.selectors import (
    bookings_of_parent,
    cancellation_deadline_of,
    card_fingerprint,
    catalog_course_ids,
    course_for_page,
    courses_for_cards,
    online_alongside,
    with_distances,
)
from classes.services import BookingError

CATALOG_PAGE_SIZE = 12
# Online courses shown beside the courses near a place.
ONLINE_ALONGSIDE = 4
# A kept card is found again only while nothing it shows has changed; this only bounds what is kept.
CARD_SECONDS = 24 * 3600


def _today(user) -> date:
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


def _course_cards(courses: list[Course]) -> list[str]:
    """The courses' cards as HTML, in order. A card is the same for everyone reading the page in one
    language, so the cards are kept in the shared cache and read in one round trip: a signed-in person's
    catalog page, or the first after any booking, does not render twelve cards each time. A card is kept
    under a digest of everything it is drawn from (classes.selectors.card_fingerprint), not under the
    catalog version, so a booking on one course leaves the other cards kept; places left stay exact,
    since they are part of the digest."""
    card = get_template("includes/course_card.html")
    if not cache_is_shared():
        return [card.render({"course": course}) for course in courses]
    language = translation.get_language()
    keys = [f"classes:course-card:{language}:{card_fingerprint(course)}" for course in courses]
    cards = cached_fragments(keys)
    missing = {
        key: card.render({"course": course})
        for key, course in zip(keys, courses, strict=True)
        if key not in cards
    }
    if missing:
        cache_fragments(missing, seconds=CARD_SECONDS)
        cards.update(missing)
    return [mark_safe(cards[key]) for key in keys]


def _catalog_filters(form: CatalogFilterForm, *, filtered: bool, url: str | None) -> str:
    """The filter form as HTML. A form for a canonical catalog URL (the filters as the site offers them,
    nothing typed) is the same for everyone in one language, so it is kept in the shared cache: on the
    first page after a booking it is most of what is left to render."""
    template = get_template("classes/_catalog_filters.html")
    context = {"form": form, "filtered": filtered}
    if url is None or not cache_is_shared():
        return template.render(context)
    choices = "|".join(code for code, _label in form.fields["language"].choices)
    digest = hashlib.blake2b(f"{url}|{choices}".encode(), digest_size=16).hexdigest()
    key = f"classes:catalog-filters:{translation.get_language()}:{digest}"
    html = cached_fragments([key]).get(key)
    if html is None:
        html = template.render(context)
        cache_fragments({key: html}, seconds=CARD_SECONDS)
    return mark_safe(html)


def _soonest_start(course_ids, online: list[Course], *, soonest: datetime | None) -> datetime | None:
    """When the page would change by the clock alone: the soonest first session of what it lists (on any
    page), ``soonest`` when the page's query already read it."""
    starts = [course.first_session_at for course in online]
    if soonest is None:
        soonest = course_ids.order_by("first_session_at").values_list("first_session_at", flat=True).first()
    starts.append(soonest)
    return min((start for start in starts if start is not None), default=None)


def _online_only_url(request) -> str:
    """This catalog search with online courses only (the place set aside)."""
    query = request.GET.copy()
    for name in ("near", "within", "page"):
        query.pop(name, None)
    query["format"] = Course.Format.ONLINE
    return f"{reverse('classes:catalog')}?{query.urlencode()}"


def catalog(request):
    # A page is kept under its canonical URL only, known once the filters are validated against their
    # choices (catalog_facets, kept in the cache too). The URL as asked is most often the canonical one
    # (the site's own links and the filter form's), so the page kept under it is read with the choices in
    # one round trip, and served once the filters confirm that URL: no query, one round trip.
    guess = SharedPage(request, request.get_full_path())
    facets = catalog_facets(kept=guess.peek(CATALOG_FACETS_KEY).get(CATALOG_FACETS_KEY))
    form = CatalogFilterForm(
        request.GET,
        languages=facets["languages"],
        prefer_countries=facets["countries"],
        today=_today(request.user),
    )
    form.is_valid()
    page_number = requested_page_number(request.GET.get("page"))
    url = catalog_page_url(form, page_number)
    page_cache = guess if url == guess.url else SharedPage(request, url)
    if cached := page_cache.cached():
        return cached
    filters = form.filters()
    near = filters.get("near")
    if near is not None and filters.get("format") == Course.Format.ONLINE:
        # Online only: a place changes nothing, online courses are near everyone.
        filters = {name: value for name, value in filters.items() if name not in ("near", "within")}
        near = None
    course_ids = catalog_course_ids(**filters)
    if near is None:
        # Counted and sliced in SQL on the catalog indexes: a page costs the same for any size of catalog.
        page = Paginator(course_ids, CATALOG_PAGE_SIZE).get_page(page_number)
        located, online_ids, soonest = list(page.object_list), [], None
    else:
        # Nearest first: the page, the count and the soonest start in one query (classes.catalog_pages).
        paginator = WindowPaginator(course_ids, CATALOG_PAGE_SIZE)
        page = paginator.get_page(page_number)
        located, online_ids = list(page.object_list), online_alongside(filters, limit=ONLINE_ALONGSIDE)
        soonest = paginator.soonest
    # The cards of both lists in one read.
    cards = courses_for_cards([*located, *online_ids])
    page.object_list = with_distances(cards[: len(located)], near)
    online = cards[len(located) :]
    return page_cache.render(
        "classes/course_list.html",
        {
            "form": form,
            "page": page,
            "courses": page.object_list,
            "cards": _course_cards(page.object_list),
            "online_cards": _course_cards(online),
            "online_url": _online_only_url(request) if online else "",
            "filters": _catalog_filters(form, filtered=bool(filters), url=page_cache.url),
            "filtered": bool(filters),
        },
        # Soonest first: the first course of the catalog (on any page) is the next to start, and so to drop
        # off the list, moving every page.
        fresh_until=lambda: _soonest_start(course_ids, online, soonest=soonest),
        # A page number past the last (or below 1) shows the last page: kept only under its own number.
        keep=page.number == page_number,
    )


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
    today = _today(request.user)
    babies = [
        (baby, baby.age_in_weeks(today)) for baby in request.user.babies.order_by("date_of_birth", "pk")
    ]
    return render(request, "classes/baby_list.html", {"babies": babies})


@login_required
@require_http_methods(["GET", "POST"])
def baby_add(request):
    next_url = _safe_next(request)
    form = BabyForm(request.POST or None, today=_today(request.user))
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
        today=_today(request.user),
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
