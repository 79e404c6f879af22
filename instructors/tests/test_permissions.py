"""The access table of the instructors app, over real objects.

Every URL pattern of instructors.urls is listed here with what it is (a page, a form or an action) and
the object its id names. For every pattern that takes an id, the owning instructor gets 200 — the
control, so that a view broken for everybody cannot pass as secure — while another instructor and a
parent get 404 (or 403), and a signed-out visitor is sent to sign in. Actions refuse GET. A pattern
missing from the table fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import reverse

from classes.models import Course
from classes.services import set_paid
from instructors import urls as instructor_urls
from instructors.tests.factories import InstructorProfileFactory

pytestmark = pytest.mark.django_db

PAGE, FORM, ACTION = "page", "form", "action"


@dataclass(frozen=True)
class Route:
    kind: str
    target: str | None = None  # the object whose id the URL takes
    public: bool = False
    post: tuple[tuple[str, str], ...] = ()  # what the owner posts to an action (the control)
    own_only: bool = False  # the course's own instructor only: a course coordinator gets 404
    kwargs: Callable[[dict], dict] | None = None  # the URL's arguments, when not the target's pk alone


ROUTES: dict[str, Route] = {
    "directory": Route(PAGE, public=True),
    "profile_detail": Route(PAGE, target="slug", public=True),
    "dashboard": Route(PAGE),
    "profile_edit": Route(FORM),
    "course_create": Route(FORM),
    "course_manage": Route(PAGE, "course"),
    "course_edit": Route(FORM, "course"),
    "session_topics": Route(ACTION, "course"),
    "course_publish": Route(ACTION, "draft"),
    "course_cancel": Route(FORM, "course"),
    "course_repeat": Route(FORM, "course", own_only=True),
    "teaching_feed_renew": Route(ACTION),
    "roster": Route(PAGE, "course"),
    "roster_csv": Route(PAGE, "course"),
    "register_print": Route(PAGE, "course"),
    "course_messages": Route(FORM, "course"),
    "course_evaluations": Route(PAGE, "course"),
    "session_register": Route(FORM, "session"),
    "session_move": Route(FORM, "session"),
    "session_cancel": Route(FORM, "session"),
    "booking_paid": Route(ACTION, "booking", post=(("paid", "1"), ("method", "transfer"))),
    # The owner gets past the permission helper: the session is not cancelled, so the refund is refused
    # on the roster (tests/access sweeps a refund that is made).
    "session_refund": Route(
        ACTION,
        "session",
        post=(("amount", "18.00"),),
        kwargs=lambda world: {"pk": world["session"].pk, "booking": world["booking"].pk},
    ),
    "session_refund_all": Route(ACTION, "session", post=(("amount", "18.00"),)),
    "payments": Route(PAGE),
    # The month names no course: each person's statement covers the courses they teach themselves.
    "payments_statement": Route(
        PAGE,
        "statement",
        own_only=True,
        kwargs=lambda world: {"year": f"{world['statement']:%Y}", "month": f"{world['statement']:%m}"},
    ),
}
WITH_ID = sorted(name for name, route in ROUTES.items() if route.target and not route.public)
ACTIONS = sorted(name for name, route in ROUTES.items() if route.kind == ACTION)
TEACH_WITHOUT_ID = sorted(name for name, route in ROUTES.items() if not route.target and not route.public)


@pytest.fixture
def world(certified, other_certified, parent, make_course, book):
    """Carol's course with Alice's family booked (and paid in cash this month), Carol's draft, and Dave's
    own course next to them."""
    course = make_course(certified, price=Decimal("90"))
    booking = book(course, "Oliver", parent=parent)
    paid = set_paid(booking, actor=certified, paid=True, method="cash").payment
    draft = make_course(certified, title="Draft course", days_ahead=40, publish=False)
    make_course(other_certified, title="Dave's course", days_ahead=11)
    profile = InstructorProfileFactory(user=certified, slug="carol-castro")
    return {
        "course": course,
        "draft": draft,
        "session": course.sessions.order_by("starts_at").first(),
        "booking": booking,
        "slug": profile,
        "statement": paid.succeeded_at.astimezone(course.zone),
    }


def url_of(name: str, world: dict) -> str:
    route = ROUTES[name]
    if route.kwargs is not None:
        return reverse(f"instructors:{name}", kwargs=route.kwargs(world))
    if route.target is None:
        return reverse(f"instructors:{name}")
    target = world[route.target]
    if route.target == "slug":
        return reverse(f"instructors:{name}", kwargs={"slug": target.slug})
    return reverse(f"instructors:{name}", kwargs={"pk": target.pk})


def request(client, name: str, world: dict):
    """The way this route is used: GET for pages and forms, POST for actions."""
    url = url_of(name, world)
    if ROUTES[name].kind == ACTION:
        return client.post(url, dict(ROUTES[name].post))
    return client.get(url)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_url_pattern_of_the_app_is_in_the_table():
    names = {pattern.name for pattern in instructor_urls.urlpatterns}
    assert names == set(ROUTES), (
        f"add to ROUTES: {sorted(names - set(ROUTES))}; stale: {sorted(set(ROUTES) - names)}"
    )


@pytest.mark.parametrize("name", WITH_ID)
def test_the_owner_gets_through(name, world, certified):
    response = request(signed_in(certified), name, world)

    expected = 302 if ROUTES[name].kind == ACTION else 200
    assert response.status_code == expected, response.content[:500]
    if ROUTES[name].kind == ACTION:
        assert "/accounts/login/" not in response["Location"]


@pytest.mark.parametrize("name", WITH_ID)
def test_another_instructor_gets_404(name, world, other_certified):
    assert request(signed_in(other_certified), name, world).status_code == 404


@pytest.mark.parametrize("name", WITH_ID)
def test_a_parent_booked_on_the_course_gets_403_or_404(name, world, parent):
    assert request(signed_in(parent), name, world).status_code in (403, 404)


@pytest.mark.parametrize("name", WITH_ID + TEACH_WITHOUT_ID)
def test_a_signed_out_visitor_is_sent_to_sign_in(name, world):
    response = request(Client(), name, world)

    assert response.status_code == 302
    assert urlparse(response["Location"]).path == reverse("account_login")


@pytest.mark.parametrize("name", WITH_ID)
def test_staff_see_every_course(name, world, staff):
    expected = 302 if ROUTES[name].kind == ACTION else 200
    if ROUTES[name].own_only:
        expected = 404
    assert request(signed_in(staff), name, world).status_code == expected


@pytest.mark.parametrize("name", TEACH_WITHOUT_ID)
def test_teaching_pages_are_for_instructors_not_parents(name, world, certified, parent):
    assert request(signed_in(certified), name, world).status_code == (
        302 if ROUTES[name].kind == ACTION else 200
    )
    assert request(signed_in(parent), name, world).status_code == 403


@pytest.mark.parametrize("name", sorted(name for name, route in ROUTES.items() if route.public))
def test_public_pages_are_open_to_everybody(name, world, parent):
    assert request(Client(), name, world).status_code == 200
    assert request(signed_in(parent), name, world).status_code == 200


@pytest.mark.parametrize("name", ACTIONS)
def test_actions_refuse_get(name, world, certified):
    assert signed_in(certified).get(url_of(name, world)).status_code == 405
    assert Client().get(url_of(name, world)).status_code == 405


@pytest.mark.parametrize("name", sorted(name for name, route in ROUTES.items() if route.kind == PAGE))
def test_pages_refuse_post(name, world, certified):
    assert signed_in(certified).post(url_of(name, world)).status_code == 405


@pytest.mark.parametrize(
    "name", sorted(name for name, route in ROUTES.items() if route.kind in (FORM, ACTION))
)
def test_every_change_needs_the_csrf_token(name, world, certified):
    client = Client(enforce_csrf_checks=True)
    client.force_login(certified)

    assert client.post(url_of(name, world), dict(ROUTES[name].post)).status_code == 403


def test_the_confirmation_pages_change_nothing_on_get(world, certified):
    client = signed_in(certified)
    for name in ("course_cancel", "session_cancel", "session_move"):
        assert client.get(url_of(name, world)).status_code == 200

    world["course"].refresh_from_db()
    assert world["course"].status == Course.Status.PUBLISHED
    assert world["course"].sessions.filter(status="cancelled").count() == 0


def test_a_private_profile_is_not_public(world):
    world["slug"].is_public = False
    world["slug"].save()

    assert Client().get(url_of("profile_detail", world)).status_code == 404
