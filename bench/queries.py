"""P2: SQL queries per request for every page in the URL map, on the database this process was given
(the 1k and the 10k data set, in turn).

Pages come from the URL resolver, so a new page shows up here as "not mapped" until the table below says
who opens it with which objects. Each page is requested once to warm per-process caches (content types,
the site, compiled templates); then the cached pages are made stale (the catalog version is bumped) and
the next request's queries are counted: the cold count, the worst case. A second request counts the warm
case, which differs only for pages kept in the cache.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from bench.seed import Cast, cast
from certification.models import Certificate, TrainingCourse
from classes.catalog_cache import bump_catalog_version
from classes.emails import offer_token
from classes.models import Booking, Course

HOST = "127.0.0.1"
# Left out on purpose: django-allauth's own pages beyond these three, the admin beyond its index, the bench's
# bare view.
ALLAUTH_PAGES = {"account_login", "account_signup", "account_reset_password"}


@dataclass(frozen=True)
class Objects:
    """The cast's objects that pages with ids in their URL are opened with."""

    cast: Cast
    booking: Booking
    offered: Booking
    course: Course
    certificate: Certificate
    training: TrainingCourse

    @classmethod
    def find(cls, cast: Cast) -> Objects:
        bookings = Booking.objects.filter(parent=cast.parent).order_by("pk")
        # The instructor's course with the most families: the roster, register and messages at their fullest.
        course = (
            Course.objects.filter(instructor=cast.instructor)
            .annotate(families=Count("bookings"))
            .order_by("-families", "pk")
            .first()
        )
        return cls(
            cast=cast,
            booking=bookings.filter(status=Booking.Status.CONFIRMED).first(),
            offered=bookings.filter(status=Booking.Status.OFFERED).first(),
            course=course,
            certificate=Certificate.objects.get(holder=cast.instructor),
            training=TrainingCourse.objects.filter(is_published=True).order_by("starts_on", "pk").first(),
        )


@dataclass(frozen=True)
class Page:
    label: str
    who: str  # anonymous, parent, instructor, trainee, staff
    url: Callable[[Objects], str]


def _url(name: str, **kwargs: Callable[[Objects], object]) -> Callable[[Objects], str]:
    return lambda objects: reverse(name, kwargs={key: value(objects) for key, value in kwargs.items()})


def _course_page(objects: Objects) -> str:
    return objects.booking.course.get_absolute_url()


def _first_session(objects: Objects) -> int:
    return objects.course.sessions.order_by("starts_at").first().pk


# Every URL pattern by name: the pages opened (who, with which objects) or None for actions that only
# accept a POST (they are not pages).
PAGES: dict[str, list[Page] | None] = {
    "home": [Page("/", "anonymous", _url("home"))],
    "healthz": [Page("/healthz", "anonymous", _url("healthz"))],
    "metrics": None,  # needs a bearer token; config/tests/test_metrics.py counts its queries
    # Files, feeds and token-only or POST-only endpoints, each with a query-count test of its own next to its
    # app's tests; and the payment pages, which need a hold in progress (payments/tests).
    "classes:evaluation_by_link": None,
    "classes:bookings_feed_renew": None,
    "classes:calendar_feed": None,
    "payments:pay": None,
    "payments:pay_card": None,
    "payments:pay_done": None,
    "payments:stripe_webhook": None,
    "payments:receipt_pdf": None,
    "instructors:teaching_feed_renew": None,
    "certification:credential_jwt": None,
    "certification:credential_json": None,
    "certification:credential_png": None,
    "certification:my_credential_jwt": None,
    "certification:my_credential_json": None,
    "certification:my_credential_png": None,
    "certification:did_document": None,
    "certification:jwks": None,
    "certification:status_list": None,
    # POST-only: they open a payment and redirect to the pay page.
    "certification:pay_training_fee": None,
    "certification:renew_certificate": None,
    "classes:evaluation_mine": [
        Page(
            "evaluation (a booking of the parent)",
            "parent",
            _url("classes:evaluation_mine", pk=lambda o: o.booking.pk),
        )
    ],
    "instructors:course_repeat": [
        Page("course repeat", "instructor", _url("instructors:course_repeat", pk=lambda o: o.course.pk))
    ],
    "instructors:course_evaluations": [
        Page(
            "course evaluations",
            "instructor",
            _url("instructors:course_evaluations", pk=lambda o: o.course.pk),
        )
    ],
    "certification:check_credential": [
        Page("/certificates/check/", "anonymous", _url("certification:check_credential"))
    ],
    "accounts:settings": [Page("/my/account/", "parent", _url("accounts:settings"))],
    "accounts:set_language": None,
    "classes:catalog": [
        Page("/classes/", "anonymous", _url("classes:catalog")),
        Page("/classes/?city=Madrid", "anonymous", lambda o: reverse("classes:catalog") + "?city=Madrid"),
        Page(
            "/classes/?near=Madrid&within=25",
            "anonymous",
            lambda o: reverse("classes:catalog") + "?near=Madrid&within=25",
        ),
        Page(
            "/classes/?near=Madird (misspelt)",
            "anonymous",
            lambda o: reverse("classes:catalog") + "?near=Madird",
        ),
        Page("/classes/ (signed in)", "parent", _url("classes:catalog")),
    ],
    "classes:course_detail": [
        Page("course page", "anonymous", _course_page),
        Page("course page (parent with a place)", "parent", _course_page),
    ],
    "classes:book": None,
    "classes:offer_respond": [
        Page(
            "offer page (signed link)",
            "anonymous",
            _url("classes:offer_respond", token=lambda o: offer_token(o.offered)),
        )
    ],
    "classes:my_bookings": [Page("/my/bookings/", "parent", _url("classes:my_bookings"))],
    "classes:booking_cancel": None,
    "classes:booking_calendar": [
        Page("booking .ics", "parent", _url("classes:booking_calendar", pk=lambda o: o.booking.pk))
    ],
    "classes:baby_list": [Page("/my/babies/", "parent", _url("classes:baby_list"))],
    "classes:baby_add": [Page("/my/babies/add/", "parent", _url("classes:baby_add"))],
    "classes:baby_edit": [
        Page("baby edit", "parent", _url("classes:baby_edit", pk=lambda o: o.booking.baby_id))
    ],
    "instructors:directory": [
        Page("/instructors/", "anonymous", _url("instructors:directory")),
        Page(
            "/instructors/?near=London&within=50",
            "anonymous",
            lambda o: reverse("instructors:directory") + "?near=London&within=50",
        ),
    ],
    "instructors:profile_detail": [
        Page(
            "instructor profile",
            "anonymous",
            _url("instructors:profile_detail", slug=lambda o: o.cast.instructor.instructor_profile.slug),
        )
    ],
    "instructors:dashboard": [Page("/teach/", "instructor", _url("instructors:dashboard"))],
    "instructors:profile_edit": [Page("/teach/profile/", "instructor", _url("instructors:profile_edit"))],
    "instructors:course_create": [
        Page("/teach/courses/new/", "instructor", _url("instructors:course_create"))
    ],
    "instructors:course_manage": [
        Page("course manage", "instructor", _url("instructors:course_manage", pk=lambda o: o.course.pk))
    ],
    "instructors:course_edit": [
        Page("course edit", "instructor", _url("instructors:course_edit", pk=lambda o: o.course.pk))
    ],
    "instructors:session_topics": None,
    "instructors:course_publish": None,
    "instructors:course_cancel": [
        Page(
            "course cancel (confirm)",
            "instructor",
            _url("instructors:course_cancel", pk=lambda o: o.course.pk),
        )
    ],
    "instructors:roster": [
        Page("roster", "instructor", _url("instructors:roster", pk=lambda o: o.course.pk))
    ],
    "instructors:roster_csv": [
        Page("roster .csv", "instructor", _url("instructors:roster_csv", pk=lambda o: o.course.pk))
    ],
    "instructors:register_print": [
        Page("printable register", "instructor", _url("instructors:register_print", pk=lambda o: o.course.pk))
    ],
    "instructors:course_messages": [
        Page("course messages", "instructor", _url("instructors:course_messages", pk=lambda o: o.course.pk))
    ],
    "instructors:session_register": [
        Page("session register", "instructor", _url("instructors:session_register", pk=_first_session))
    ],
    "instructors:session_move": [
        Page("session move", "instructor", _url("instructors:session_move", pk=_first_session))
    ],
    "instructors:session_cancel": [
        Page("session cancel (confirm)", "instructor", _url("instructors:session_cancel", pk=_first_session))
    ],
    "instructors:booking_paid": None,
    "instructors:session_refund": None,
    "instructors:session_refund_all": None,
    "instructors:payments": [Page("/teach/payments/", "instructor", _url("instructors:payments"))],
    # A month's statement exists only for a month with payments on the instructor's courses, which the bench
    # data may not have; classes/tests counts the statement's queries at two sizes.
    "instructors:payments_statement": None,
    "certification:training_list": [Page("/training/", "anonymous", _url("certification:training_list"))],
    "certification:training_apply": [
        Page("training apply", "parent", _url("certification:training_apply", pk=lambda o: o.training.pk))
    ],
    "certification:progress": [Page("/training/progress/", "trainee", _url("certification:progress"))],
    "certification:verify_lookup": [
        Page("/certificates/verify/", "anonymous", _url("certification:verify_lookup"))
    ],
    "certification:verify_token": [
        Page(
            "certificate verification",
            "anonymous",
            _url("certification:verify_token", token=lambda o: o.certificate.token),
        )
    ],
    "certification:my_certificate_pdf": [
        Page("/teach/certificate/certificate.pdf", "instructor", _url("certification:my_certificate_pdf"))
    ],
    # Files streamed to one person (an email's attachment) or public photos: not pages.
    "notifications:attachment_download": None,
    "media": None,
    "certification:my_certificate": [
        Page("/teach/certificate/", "instructor", _url("certification:my_certificate"))
    ],
    "certification:my_certificate_badge": [
        Page("/teach/certificate/badge.json", "instructor", _url("certification:my_certificate_badge"))
    ],
    "privacy:my_data": [Page("/my/data/", "parent", _url("privacy:my_data"))],
    "privacy:export": [Page("/my/data/export.json", "parent", _url("privacy:export"))],
    "privacy:delete_account": [
        Page("/my/account/delete/ (confirm)", "parent", _url("privacy:delete_account"))
    ],
    "admin:index": [Page("/admin/", "staff", _url("admin:index"))],
    "account_login": [Page("/accounts/login/", "anonymous", _url("account_login"))],
    "account_signup": [Page("/accounts/signup/", "anonymous", _url("account_signup"))],
    "account_reset_password": [
        Page("/accounts/password/reset/", "anonymous", _url("account_reset_password"))
    ],
}


def url_names(patterns=None, namespace: str = "") -> list[str]:
    """Every named URL pattern, namespaced, in the order the resolver has them."""
    names = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names.extend(url_names(pattern.url_patterns, inner))
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.append(f"{namespace}{pattern.name}")
    return list(dict.fromkeys(names))


def _wanted(name: str) -> bool:
    if name == "bench_bare":
        return False
    if name.startswith("admin:"):
        return name == "admin:index"
    if name.startswith("association:"):
        # The staff dashboard lives in Django admin, as admin's own pages do; bench/dashboard.py times it.
        return False
    if name.startswith("account_") or name.startswith("socialaccount_"):
        return name in ALLAUTH_PAGES
    return True


def measure(client: Client, url: str) -> dict:
    response = client.get(url, HTTP_HOST=HOST)
    bump_catalog_version()
    with CaptureQueriesContext(connection) as cold:
        response = client.get(url, HTTP_HOST=HOST)
    with CaptureQueriesContext(connection) as warm:
        client.get(url, HTTP_HOST=HOST)
    exc_info = getattr(response, "exc_info", None)
    return {
        "status": response.status_code,
        "cold": len(cold),
        "warm": len(warm),
        # What the report shows for a page that misses P2: each cold query, its start, and an error.
        "sql": [query["sql"][:160] for query in cold.captured_queries],
        "error": f"{exc_info[0].__name__}: {exc_info[1]}"[:300] if exc_info else "",
    }


def main(out: str) -> dict:
    objects = Objects.find(cast())
    # A page that fails is reported with its status (500), not raised: the other pages are still measured.
    clients = {"anonymous": Client(raise_request_exception=False)}
    for role in ("parent", "instructor", "trainee", "staff"):
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(getattr(objects.cast, role))
    results, unmapped, actions = [], [], []
    for name in filter(_wanted, url_names()):
        if name not in PAGES:
            unmapped.append(name)
            continue
        if PAGES[name] is None:
            actions.append(name)
            continue
        for page in PAGES[name]:
            url = page.url(objects)
            results.append(
                {"page": page.label, "who": page.who, "url": url, **measure(clients[page.who], url)}
            )
    return {"pages": results, "unmapped": unmapped, "not_pages": actions}
