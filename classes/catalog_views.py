"""The course catalog: filters, near-me search, pages kept in the shared cache, and course cards kept apart
(docs/architecture.md, Caching)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.core.paginator import Paginator
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe

from classes.catalog_cache import (
    CATALOG_FACETS_KEY,
    cache_fragments,
    cache_is_shared,
    cached_fragments,
    catalog_facets,
)
from classes.catalog_pages import WindowPaginator
from classes.forms import CatalogFilterForm
from classes.models import Course
from classes.page_cache import SharedPage, catalog_page_url, requested_page_number
from classes.selectors import (
    card_fingerprint,
    catalog_course_ids,
    courses_for_cards,
    online_alongside,
    with_distances,
)
from classes.views import today_for

CATALOG_PAGE_SIZE = 12
# Online courses shown beside the courses near a place.
ONLINE_ALONGSIDE = 4
# A kept card is found again only while nothing it shows has changed; this only bounds what is kept.
CARD_SECONDS = 24 * 3600


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
    # one round trip. A page found there is served at once: only a canonical URL ever had a page kept
    # under it, and whatever would make that URL stop being canonical (the choices changing with a course
    # published, cancelled or edited) bumps the catalog version, so the page is found only while the
    # filters still say what they said when it was kept.
    guess = SharedPage(request, request.get_full_path())
    kept_facets = guess.peek(CATALOG_FACETS_KEY).get(CATALOG_FACETS_KEY)
    if cached := guess.cached():
        return cached
    facets = catalog_facets(kept=kept_facets)
    form = CatalogFilterForm(
        request.GET,
        languages=facets["languages"],
        prefer_countries=facets["countries"],
        today=today_for(request.user),
    )
    form.is_valid()
    page_number = requested_page_number(request.GET.get("page"))
    url = catalog_page_url(form, page_number)
    page_cache = guess if url == guess.url else SharedPage(request, url)
    if page_cache is not guess and (cached := page_cache.cached()):
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
