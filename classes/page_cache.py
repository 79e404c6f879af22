"""The catalog and course pages kept in the shared cache: whole for signed-out visitors, and for
signed-in people with the parts that are theirs alone left as holes, filled for each request.

A visitor chooses the URL, so a key taken from it as sent would let anyone fill the cache with junk
(``/classes/?x=<random>``, a page number past the last, a town typed letter by letter). A page is kept
under its canonical URL instead: the path the view has checked and only the query parameters the page
knows, each with a value the site itself offers, written one way. Anything else is rendered as usual
and never kept.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.context import make_context
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.html import escape

from classes.catalog_cache import (
    cache_for_catalog_version,
    cache_is_shared,
    cached_for_catalog_version,
    cached_fragments,
)
from classes.forms import CatalogFilterForm
from classes.templatetags.personal import PUNCH_HOLES, PersonalNode, hole_marker

# The longest a signed-out visitor's catalog or course page is kept. Changes that matter bump the catalog
# version at once (classes.catalog_cache.bump_catalog_version); this bounds what a missed bump could cost.
VISITOR_PAGE_SECONDS = 60

# Catalog filters whose values are the choices of a select (three formats, the languages courses are taught
# in): a page filtered by them is kept. The town and the dates are typed by the visitor, so their values
# have no bound, and a page filtered by one is rendered each time: one visitor's town is rarely another's,
# so keeping it would cost more than it saves.
KEPT_CATALOG_FILTERS = ("format", "language")
# A place is typed, but it is kept once it names a place of the gazetteer, spelt as the site spells it
# ("Valencia, Spain" for one of several Valencias): some 34,000 places, four radii each, bound the keys.
KEPT_PLACE_FILTERS = ("near", "within")


def _csrf_placeholder() -> str:
    # Derived from SECRET_KEY, so every process agrees on it and no course title can contain it.
    return "csrf-" + salted_hmac("classes.visitor-page", "csrf-placeholder").hexdigest()


def requested_page_number(raw: str | None) -> int:
    """The page number asked for, read as Paginator.get_page reads it (anything but a whole number is page
    1), so that every spelling of a number ("2", "02", " 2") names the same page."""
    try:
        return int(raw)
    except (TypeError, ValueError):
        return 1


def catalog_page_url(form: CatalogFilterForm, page_number: int) -> str | None:
    """The canonical URL of the catalog page this form and page number show, or None when the page is not
    to be kept: a filter with an error, a town or a date filled in (even with blanks only), or a value the
    form would show otherwise than the canonical page shows it, since the form is rendered as sent.

    Unknown parameters are left out, so they never make a page of their own. Whether the page number is
    one the catalog has is known only once the courses are counted: the view keeps the page only then.
    """
    if not form.is_valid():
        return None
    query = {}
    place = getattr(form, "place", None)
    canonical_place = {
        "near": place.query_preferring(form.prefer_countries) if place else "",
        "within": str(form.cleaned_data.get("within")) if place else "",
    }
    for name in form.fields:
        sent = form.data.get(name) or ""
        if name in KEPT_PLACE_FILTERS:
            if sent != canonical_place[name]:
                return None
            if sent:
                query[name] = sent
            continue
        if name not in KEPT_CATALOG_FILTERS:
            if sent:
                return None
            continue
        value = form.cleaned_data[name]
        if sent != value:
            return None
        if value:
            query[name] = value
    if page_number != 1:
        query["page"] = str(page_number)
    url = reverse("classes:catalog")
    return f"{url}?{urlencode(query)}" if query else url


class SharedPage:
    """A catalog or course page kept in the shared cache under its canonical URL (see catalog_page_url; a
    course page's is its own path, with no query), for everyone who sees it alike.

    Signed-out visitors with the same language, time zone and canonical URL see the same page, except for
    the CSRF token of the language switcher: it is rendered with a placeholder that each response replaces
    with the visitor's own token. Signed-in people with the same menu (request.navigation, config/
    navigation.py) see the same page too, except for the parts the template marks `{% personal %}` (their
    bookings on the course, say): those are kept as holes and rendered for each request from the context
    `personal` returns, given what the view kept beside the page (`payload`, the course). The page is
    rendered as if the canonical URL had been asked for, so the links it carries (the pages of the
    catalog, where the language switcher returns to) are the same whoever asked first.

    Anyone with a message to show, anything but GET and a URL of None get the page rendered as usual. A
    kept page is served only while the catalog version it was rendered under is current, and every change
    to what these pages show bumps that version after commit, so places left are never stale;
    `fresh_until` ends it when the page would change by the clock alone (a course starting, its waitlist
    closing).
    """

    def __init__(self, request: HttpRequest, url: str | None) -> None:
        self.request = request
        self.url = url
        self.key = self.version = None
        self.payload = None
        self._peeked = None
        if url is None or request.method != "GET" or messages.get_messages(request):
            return
        self.signed_in = request.user.is_authenticated
        if self.signed_in:
            navigation = getattr(request, "navigation", None)
            if navigation is None:
                return
            audience, prefix = navigation.variant, "classes:shared-page:"
        else:
            audience, prefix = "visitor", "classes:visitor-page:"
        parts = [audience, translation.get_language(), timezone.get_current_timezone_name(), url]
        self.key = prefix + hashlib.sha256("|".join(parts).encode()).hexdigest()

    def peek(self, *also: str) -> dict:
        """Read the kept page (served by `cached` without asking again) together with what the cache keeps
        under the keys `also`, in one round trip; returns the latter."""
        if self.key is None:
            return cached_fragments(also) if cache_is_shared() else {}
        version, kept, extras = cached_for_catalog_version(self.key, *also)
        self._peeked = (version, kept)
        return extras

    def cached(self, personal: Callable[[object], dict] | None = None) -> HttpResponse | None:
        """The kept page, its holes filled from `personal(payload)`; None when there is none to serve."""
        if self.key is None:
            return None
        if self._peeked is not None:
            self.version, kept = self._peeked
        else:
            self.version, kept, _also = cached_for_catalog_version(self.key)
        if kept is None:
            return None
        template, html, self.payload = kept
        if personal is not None and self.signed_in:
            html = self._fill_holes(template, html, personal(self.payload))
        return self._response(html)

    def render(
        self,
        template: str,
        context: dict,
        *,
        fresh_until: Callable[[], datetime | None],
        personal: Callable[[object], dict] | None = None,
        payload=None,
        keep: bool = True,
    ) -> HttpResponse:
        """Render the page; keep it until `fresh_until()` (read only when it is kept), unless `keep` is
        false: the view found the page shown is not the one the URL names. `context` is what everyone
        sees; `personal(payload)` adds what this person alone sees."""
        own = personal(payload) if personal is not None else {}
        if self.version is None or not keep:
            return render(self.request, template, {**context, **own})
        shared = {**context, "csrf_token": _csrf_placeholder()}
        if self.signed_in:
            shared[PUNCH_HOLES] = True
        else:
            shared.update(own)
        html = render_to_string(template, shared, self._canonical_request())
        seconds = VISITOR_PAGE_SECONDS
        if (until := fresh_until()) is not None:
            seconds = min(seconds, int((until - timezone.now()).total_seconds()))
        if seconds > 0:
            cache_for_catalog_version(
                self.key, (template, html, payload), version=self.version, seconds=seconds
            )
        if self.signed_in:
            html = self._fill_holes(template, html, {**context, **own})
        return self._response(html)

    def _fill_holes(self, template_name: str, html: str, context: dict) -> str:
        """Render the template's `{% personal %}` parts for this request into the holes the kept page
        has for them. Only the parts are rendered, each as it would be within the whole template."""
        template = get_template(template_name).template
        holes = [node for node in _personal_nodes(template) if hole_marker(node.name) in html]
        if not holes:
            return html
        request_context = make_context(context, self.request)
        with request_context.render_context.push_state(template), request_context.bind_template(template):
            for node in holes:
                html = html.replace(hole_marker(node.name), node.nodelist.render(request_context))
        return html

    def _canonical_request(self) -> HttpRequest:
        """This request as if the canonical URL had been asked for: what the template reads of the URL
        (request.get_full_path, {% querystring %}) then depends on the key alone."""
        path, _, query = self.url.partition("?")
        canonical = copy.copy(self.request)
        canonical.path = path
        canonical.GET = QueryDict(query)
        canonical.META = {**self.request.META, "QUERY_STRING": query}
        return canonical

    def _response(self, html: str) -> HttpResponse:
        return HttpResponse(html.replace(escape(_csrf_placeholder()), get_token(self.request)))


def _personal_nodes(template) -> list[PersonalNode]:
    """The `{% personal %}` parts of a template (not of the templates it extends or includes), each named
    once: a part must be rendered alone, so it cannot sit in a loop."""
    nodes = template.nodelist.get_nodes_by_type(PersonalNode)
    names = [node.name for node in nodes]
    if len(names) != len(set(names)):
        raise ValueError(f"{template.origin.name}: each {{% personal %}} part needs a name of its own")
    return nodes
