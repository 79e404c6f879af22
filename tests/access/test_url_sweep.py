"""Every URL pattern of the project, walked with real objects owned by someone (tests/access/table.py).

The patterns are discovered from the URL resolver, so a new view without an entry in the access table
fails here. Each pattern is requested as the owner (the control), the unrelated people and the
association's four staff roles; what each got is printed as a table and written to
test-artifacts/access-roles.txt. Django admin is swept in test_admin_sweep.py; allauth's /accounts/
pages are third-party and left to their own tests (the signed links allauth emails are checked in
test_signed_links.py).
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import timedelta
from urllib.parse import urlparse

import pytest
import time_machine
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views.static import serve

from classes.models import CourseAction
from tests.access.conftest import SWEPT
from tests.access.report import publish, render_table
from tests.access.snapshot import changes, database_snapshot, rolled_back
from tests.access.table import (
    ACCESS,
    CERTIFICATION_ADMIN,
    COORDINATOR,
    COORDINATOR_ACTIONS,
    DONE,
    INSTRUCTOR,
    LOGIN,
    OK,
    OTHER_INSTRUCTOR,
    OTHER_PARENT,
    OTHERS,
    OWN,
    PARENT,
    STAFF,
    STAFF_ROLES,
    TRAINEE,
    TRAINER,
    VISITOR,
    Route,
)
from tests.access.world import World

pytestmark = pytest.mark.django_db

THIRD_PARTY = ("allauth", "django.contrib.admin")
ROLES = (*OTHERS, *STAFF_ROLES)
# What each person got on each pattern, filled by the sweep and shown once the module is done.
OUTCOMES: dict[str, dict[str, str]] = {}


@pytest.fixture
def world(module_world: World, db) -> World:
    """One world for the module (the sweep only reads it, or acts in a savepoint rolled back after)."""
    return module_world


@pytest.fixture(scope="module", autouse=True)
def role_table() -> Iterator[None]:
    yield
    if OUTCOMES:
        publish(render_table(OUTCOMES, ("owner", *ROLES), first="URL pattern"), "access-roles.txt")


def project_url_patterns() -> dict[str, str]:
    """Every URL pattern of ours as {"namespace:name": "route"}; an unnamed one is keyed by its route."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                module = getattr(pattern.urlconf_module, "__name__", "")
                if pattern.app_name == "admin" or module.startswith(THIRD_PARTY):
                    continue
                walk(pattern.url_patterns, route, ":".join(filter(None, [namespace, pattern.namespace])))
            elif isinstance(pattern, URLPattern) and pattern.callback is not serve:
                name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
                found[name or route] = route

    walk(get_resolver().url_patterns, "", "")
    return found


def person(role: str, world: World):
    return {
        PARENT: world.parent,
        INSTRUCTOR: world.instructor,
        TRAINEE: world.trainee,
        OTHER_PARENT: world.other_parent,
        OTHER_INSTRUCTOR: world.other_instructor,
        VISITOR: None,
        STAFF: world.staff_member,
        TRAINER: world.trainer,
        CERTIFICATION_ADMIN: world.certification_admin,
        COORDINATOR: world.coordinator,
    }[role]


def client_of(role: str | None, world: World, *, enforce_csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    user = person(role or VISITOR, world)
    if user is not None:
        client.force_login(user)
    return client


def url_of(name: str, world: World) -> str:
    return reverse(name, kwargs=ACCESS[name].kwargs(world))


def use(client: Client, route: Route, url: str, world: World):
    """The request the owner makes: a GET, or a POST with what the owner's form sends."""
    return client.post(url, route.data(world)) if route.post_only else client.get(url)


def text_of(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return html.unescape(body.decode("utf-8", errors="replace"))


def seen(response) -> str:
    """What a person got, in the table's words (a 200 is not told apart from "own" here)."""
    if response.status_code == 302:
        return LOGIN if urlparse(response["Location"]).path == reverse("account_login") else DONE
    return str(response.status_code)


def check(response, expected: str, *, who: str, private: list[str]) -> None:
    status = response.status_code
    where = response.get("Location", "")
    if expected == LOGIN:
        assert status == 302, f"{who}: expected a redirect to sign in, got {status}"
        assert urlparse(where).path == reverse("account_login"), f"{who}: redirected to {where}"
    elif expected == DONE:
        assert status == 302, f"{who}: expected the action done (302), got {status}"
        assert urlparse(where).path != reverse("account_login"), f"{who}: sent to sign in"
    elif expected in (OK, OWN):
        assert status == 200, f"{who}: expected 200, got {status} {where}"
        if expected == OWN:
            body = text_of(response)
            leaked = [secret for secret in private if secret in body]
            assert not leaked, f"{who} sees what only the owner may: {leaked}"
    else:
        assert status == int(expected), f"{who}: expected {expected}, got {status} {where}"


def test_every_url_pattern_is_in_the_access_table():
    patterns = project_url_patterns()

    missing = sorted(set(patterns) - set(ACCESS))
    stale = sorted(set(ACCESS) - set(patterns))
    assert not missing, f"URL patterns without an entry in tests/access/table.py: {missing}"
    assert not stale, f"entries in tests/access/table.py for patterns that are gone: {stale}"
    print(f"access table: {len(patterns)} URL patterns")


def test_every_route_says_what_each_staff_role_gets():
    silent = {name: sorted(set(STAFF_ROLES) - set(route.staff)) for name, route in ACCESS.items()}

    assert {name: roles for name, roles in silent.items() if roles} == {}


def request_as(role: str, route: Route, url: str, world: World, *, expected: str, before: dict):
    """One person's request, undone after: the table's cell, and what was wrong with it (None if nothing).
    A coordinator's action on one of Carol's courses must leave a record; any other change by someone not
    the owner is wrong. Every request starts from the same data (`before`), as each is undone."""
    client = client_of(role, world)
    with rolled_back():
        response = use(client, route, url, world)
        try:
            check(response, expected, who=role, private=route.private(world))
            if expected != DONE:
                assert not changes(before, database_snapshot()), f"{role}'s request changed data"
            elif role == COORDINATOR and route.coordinated:
                recorded = CourseAction.objects.filter(actor=world.coordinator).exists()
                assert recorded, "the coordinator's change is not on the record"
        except AssertionError as error:
            return f"{expected}≠{seen(response)}", str(error).splitlines()[0]
    return expected, None


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_each_person_gets_what_the_table_says_and_only_the_owner_gets_through(name, world):
    route = ACCESS[name]
    url = url_of(name, world)
    private = route.private(world)
    expected = {**route.others, **route.staff}
    cells = OUTCOMES[name] = {}

    before = database_snapshot()
    wrong = []
    for role in ROLES:
        cells[role], error = request_as(role, route, url, world, expected=expected[role], before=before)
        if error:
            wrong.append(error)

    response = use(client_of(route.owner, world), route, url, world)
    cells["owner"] = f"{route.owner or 'anyone'}: {seen(response)}"
    assert not wrong, wrong
    check(response, route.control, who=f"the owner ({route.owner or 'anyone'})", private=[])
    if not route.post_only:
        assert not changes(before, database_snapshot()), "a GET changed data"
    body = text_of(response)
    # The owner's page shows what the others' must not: otherwise the check above proves nothing.
    assert all(secret in body for secret in private), f"the owner's page lacks {private}"
    SWEPT.add(name)


def test_actions_refuse_get(world):
    """Every POST-only view answers a GET with 405, to its owner and to a visitor, and changes nothing."""
    actions = sorted(name for name, route in ACCESS.items() if route.post_only)
    before = database_snapshot()

    answers = {
        name: (
            client_of(ACCESS[name].owner, world).get(url_of(name, world)).status_code,
            client_of(VISITOR, world).get(url_of(name, world)).status_code,
        )
        for name in actions
    }

    assert {name: answer for name, answer in answers.items() if answer != (405, 405)} == {}
    assert not changes(before, database_snapshot())
    assert len(actions) >= 6


def test_every_post_needs_the_csrf_token(world):
    """No view is exempt from CSRF: a POST without the token is refused before the view runs, whether the
    view is an action, a form or a page. The one exception is Stripe's webhook, which proves itself with
    a signature instead, and refuses anything unsigned."""
    before = database_snapshot()

    answers = {}
    for name, route in ACCESS.items():
        client = client_of(route.owner, world, enforce_csrf_checks=True)
        answers[name] = client.post(url_of(name, world), route.data(world)).status_code

    # A signed route (Stripe's webhook) carries no CSRF token; unsigned, it is refused all the same.
    expected = {name: 400 if route.signed else 403 for name, route in ACCESS.items()}
    assert {name: status for name, status in answers.items() if status != expected[name]} == {}
    assert not changes(before, database_snapshot())


def test_every_coordinated_address_that_takes_a_post_is_in_the_coordinator_table(world):
    """A /teach/ address naming one of Carol's objects either refuses a POST (405) or says what a
    coordinator's POST puts on the record, so a new action cannot escape the record."""
    client = client_of(COORDINATOR, world)
    takes_post = set()
    for name, route in ACCESS.items():
        if route.coordinated:
            with rolled_back():
                if client.post(url_of(name, world)).status_code != 405:
                    takes_post.add(name)

    assert takes_post == set(COORDINATOR_ACTIONS)


@pytest.mark.parametrize("name", sorted(COORDINATOR_ACTIONS))
def test_a_coordinators_change_to_carols_course_is_done_and_on_the_record(name, world):
    change = COORDINATOR_ACTIONS[name]
    route = ACCESS[name]
    url = url_of(name, world)
    data = (change.data or route.data)(world)
    started = world.session.starts_at + timedelta(minutes=5)

    with time_machine.travel(started, tick=False) if change.after_start else nullcontext():
        # The control: Carol's own change goes through the same form and needs no record.
        with rolled_back():
            check(client_of(INSTRUCTOR, world).post(url, data), DONE, who="the owner", private=[])
            assert not CourseAction.objects.exists()
        response = client_of(COORDINATOR, world).post(url, data)

    check(response, DONE, who="the coordinator", private=[])
    # One record per change: editing five week topics leaves five.
    recorded = set(CourseAction.objects.values_list("course", "actor", "kind"))
    assert recorded == {(change.course(world).pk, world.coordinator.pk, change.kind)}
