"""Every URL pattern of the project, walked with real objects owned by someone (tests/access/table.py).

The patterns are discovered from the URL resolver, so a new view without an entry in the access table
fails here. Django admin and allauth's /accounts/ pages are third-party and left to their own tests
(the signed links allauth emails are checked in test_signed_links.py).
"""

from __future__ import annotations

import html
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views.static import serve

from tests.access.conftest import SWEPT
from tests.access.snapshot import changes, database_snapshot
from tests.access.table import (
    ACCESS,
    DONE,
    INSTRUCTOR,
    LOGIN,
    OK,
    OTHER_INSTRUCTOR,
    OTHER_PARENT,
    OTHERS,
    OWN,
    PARENT,
    TRAINEE,
    VISITOR,
    Route,
)
from tests.access.world import World

pytestmark = pytest.mark.django_db

THIRD_PARTY = ("allauth", "django.contrib.admin")


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


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_each_person_gets_what_the_table_says_and_only_the_owner_gets_through(name, world):
    route = ACCESS[name]
    url = url_of(name, world)
    private = route.private(world)

    for role in OTHERS:
        client = client_of(role, world)
        before = database_snapshot()
        check(use(client, route, url, world), route.others[role], who=role, private=private)
        if route.others[role] != DONE:
            assert not changes(before, database_snapshot()), f"{role}'s request changed data"

    owner = client_of(route.owner, world)
    before = database_snapshot()
    response = use(owner, route, url, world)
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
    view is an action, a form or a page."""
    before = database_snapshot()

    answers = {}
    for name, route in ACCESS.items():
        client = client_of(route.owner, world, enforce_csrf_checks=True)
        answers[name] = client.post(url_of(name, world), route.data(world)).status_code

    assert {name: status for name, status in answers.items() if status != 403} == {}
    assert not changes(before, database_snapshot())
