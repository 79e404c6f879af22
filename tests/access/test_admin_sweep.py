"""Every registered ModelAdmin, walked as each role (tests/access/admin_table.py): its list, the change,
history and delete pages of a real row, the add page, each of its actions, the pages of its own (such
as the certificate lifecycle) and the autocomplete searches its forms use.

The ModelAdmins are discovered from admin.site, so a new one, a new action or a new page of its own
without an entry in the admin table fails here. What each role got is printed as a table and written to
test-artifacts/access-admin-roles.txt.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from certification.tests.test_admin import form_data
from classes.models import Booking, CourseAction
from classes.services import book_course
from notifications.models import OutgoingEmail
from tests.access.admin_table import (
    ABSENT,
    ADMIN,
    ADMIN_ROLES,
    DONE,
    NOBODY,
    PAGE,
    PAYMENTS_OFFICER,
    REFUSED,
    SUPERUSER,
    AdminWorld,
    ModelAdminAccess,
    Scope,
    build_admin_world,
    expected_outcome,
)
from tests.access.report import publish, render_table
from tests.access.snapshot import changes, database_snapshot, rolled_back
from tests.access.table import (
    CERTIFICATION_ADMIN,
    COORDINATOR,
    FORBIDDEN,
    LOGIN,
    OK,
    PARENT,
    STAFF,
    TRAINER,
    VISITOR,
)
from tests.access.world import add_baby

pytestmark = pytest.mark.django_db

STANDARD_PAGES = ("changelist", "add", "history", "delete", "change")
# What each role got on each admin page, filled by the sweep and shown once the module is done.
OUTCOMES: dict[str, dict[str, str]] = {}


@pytest.fixture(scope="module")
def module_admin_world(module_world, django_db_blocker) -> AdminWorld:
    with django_db_blocker.unblock():
        return build_admin_world(module_world)


@pytest.fixture(scope="module")
def sessions(module_admin_world: AdminWorld, django_db_blocker) -> dict[str, str]:
    """A signed-in session per role, made once for the module; each request gets a new client on it, so no
    message of an earlier request shows up in a later one."""
    sessions = {}
    with django_db_blocker.unblock():
        for role in ADMIN_ROLES:
            user = person_of(role, module_admin_world)
            if user is not None:
                client = Client()
                client.force_login(user)
                sessions[role] = client.session.session_key
    return sessions


@pytest.fixture
def admin_world(module_admin_world: AdminWorld, db) -> AdminWorld:
    """One world for the module; each test runs in a savepoint inside it, each POST in one of its own."""
    return module_admin_world


@pytest.fixture(scope="module", autouse=True)
def admin_table() -> Iterator[None]:
    yield
    if OUTCOMES:
        publish(render_table(OUTCOMES, ADMIN_ROLES, first="admin page"), "access-admin-roles.txt")


def person_of(role: str, admin_world: AdminWorld):
    world = admin_world.world
    return {
        VISITOR: None,
        PARENT: world.parent,
        STAFF: world.staff_member,
        TRAINER: world.trainer,
        CERTIFICATION_ADMIN: world.certification_admin,
        COORDINATOR: world.coordinator,
        PAYMENTS_OFFICER: admin_world.payments_officer,
        SUPERUSER: admin_world.superuser,
    }[role]


def client_as(role: str, sessions: dict[str, str]) -> Client:
    client = Client()
    if role in sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[role]
    return client


def admin_url(label: str, page: str, *args) -> str:
    opts = apps.get_model(label)._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{page}", args=args)


def redirected_to(response) -> str:
    return urlparse(response["Location"]).path if response.status_code == 302 else ""


def page_outcome(response) -> str:
    """What a GET got: the page, 403, the admin's sign-in page, or "no such row" (back to the index)."""
    if redirected_to(response) == reverse("admin:login"):
        return LOGIN
    if redirected_to(response) == reverse("admin:index"):
        return ABSENT
    return OK if response.status_code == 200 else str(response.status_code)


def post_outcome(client: Client, url: str, data: dict, *, before: dict) -> str:
    """A POST, undone after: done (a redirect, data changed), an intermediate page (nothing changed yet),
    refused (the list again, or a redirect, nothing changed), 403 or the sign-in page."""
    with rolled_back():
        response = client.post(url, data)
        changed = bool(changes(before, database_snapshot()))
    if changed:
        return DONE if response.status_code == 302 and page_outcome(response) != LOGIN else "changed"
    if response.status_code == 200:
        return REFUSED if "cl" in (response.context or {}) else PAGE
    outcome = page_outcome(response)
    return REFUSED if outcome == "302" else outcome


def run_action(client: Client, label: str, name: str, row, *, before: dict) -> str:
    data = {"action": name, ACTION_CHECKBOX_NAME: [row.pk]}
    return post_outcome(client, admin_url(label, "changelist"), data, before=before)


def body_of(response) -> str:
    return html.unescape(response.content.decode())


def rows_listed(body: str, scope: Scope, admin_world: AdminWorld) -> str:
    """ "theirs" when the list has the role's own rows and none of the words of another trainer's,
    "all" when it has both."""
    shown = all(words in body for words in scope.shown(admin_world))
    hidden = [words for words in scope.hidden(admin_world) if words in body]
    if shown and not hidden:
        return "theirs"
    if shown and hidden == scope.hidden(admin_world):
        return "all"
    return f"shows {hidden}" if shown else "misses its own rows"


class Sweep:
    """The cells of one ModelAdmin's rows of the table, and what was not as the admin table says."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.wrong: list[str] = []

    def expect(self, page: str, role: str, expected: str, got: str) -> None:
        cell = expected if got == expected else f"{expected}≠{got}"
        OUTCOMES.setdefault(f"{self.label} {page}", {})[role] = cell
        if got != expected:
            self.wrong.append(f"{role} on {self.label} {page}: expected {expected}, got {got}")


def test_every_registered_model_admin_is_in_the_admin_table():
    """Every ModelAdmin, each of its actions and each page of its own has an entry, so a new one cannot
    escape; and the superuser, the control, gets every list."""
    registered = {model._meta.label: model_admin for model, model_admin in admin.site._registry.items()}
    assert sorted(set(registered) - set(ADMIN)) == [], "ModelAdmins missing from tests/access/admin_table.py"
    assert sorted(set(ADMIN) - set(registered)) == [], "entries for ModelAdmins that are gone"

    for label, model_admin in registered.items():
        entry = ADMIN[label]
        actions = {name for _function, name, _description in model_admin._get_base_actions()}
        assert actions == set(entry.actions), f"{label}: actions {sorted(actions)}"
        opts = model_admin.opts
        standard = {f"{opts.app_label}_{opts.model_name}_{page}" for page in STANDARD_PAGES}
        own_pages = {pattern.name for pattern in model_admin.get_urls() if pattern.name} - standard
        assert own_pages == set(entry.pages), f"{label}: its own pages {sorted(own_pages)}"
        assert SUPERUSER in entry.view and entry.add <= entry.view, label


def test_the_admin_index_lists_exactly_the_models_each_role_may_see(admin_world, sessions):
    sweep = Sweep("admin")
    for role in ADMIN_ROLES:
        response = client_as(role, sessions).get(reverse("admin:index"))
        if role in (VISITOR, PARENT):
            sweep.expect("index", role, LOGIN, page_outcome(response))
            continue
        listed = {
            f"{app['app_label']}.{model['object_name']}"
            for app in response.context["app_list"]
            for model in app["models"]
        }
        allowed = {label for label, entry in ADMIN.items() if role in entry.view}
        expected = f"{len(allowed)} models" if allowed else "no app"
        got = f"{len(listed)} models" if listed else "no app"
        sweep.expect(
            "index", role, expected, got if listed == allowed else f"{got} {sorted(listed ^ allowed)}"
        )

    assert not sweep.wrong, sweep.wrong


@pytest.mark.parametrize("label", sorted(ADMIN))
def test_each_role_gets_what_the_admin_table_says(label, admin_world, sessions):
    entry = ADMIN[label]
    row = entry.row(admin_world)
    sweep = Sweep(label)
    before = database_snapshot()

    for role in ADMIN_ROLES:
        client = client_as(role, sessions)
        viewing = expected_outcome(role, entry.view, viewers=entry.view)

        listed = client.get(admin_url(label, "changelist"))
        sweep.expect("list", role, viewing, page_outcome(listed))
        sweep.expect("change", role, viewing, page_outcome(client.get(admin_url(label, "change", row.pk))))
        adding = expected_outcome(role, entry.add, viewers=entry.view)
        sweep.expect("add", role, adding, page_outcome(client.get(admin_url(label, "add"))))
        # Django's history page looks the row up before the permission: staff whose list is narrowed to
        # nothing are told there is no such row, which tells them no more than a 403 would.
        history = ABSENT if entry.scope is not None and viewing == FORBIDDEN else viewing
        sweep.expect("history", role, history, page_outcome(client.get(admin_url(label, "history", row.pk))))
        # The delete page asks first, like the action, and only to those the action is offered to.
        deleting = expected_outcome(role, entry.actions["delete_selected"].allowed, viewers=NOBODY)
        sweep.expect(
            "delete page", role, deleting, page_outcome(client.get(admin_url(label, "delete", row.pk)))
        )

        for name, action in entry.actions.items():
            got = run_action(client, label, name, (action.selected or entry.row)(admin_world), before=before)
            granted = PAGE if action.confirms else DONE
            sweep.expect(
                f"action {name}",
                role,
                expected_outcome(role, action.allowed, viewers=entry.view, granted=granted),
                got,
            )

        for name, page in entry.pages.items():
            url = reverse(f"admin:{name}", args=page.args(admin_world))
            # A page of its own checks its own permission: 403 for everyone else, viewers of the model too.
            showing = expected_outcome(role, page.allowed, viewers=NOBODY)
            sweep.expect(f"page {name}", role, showing, page_outcome(client.get(url)))
            if page.post is not None:
                got = post_outcome(client, url, page.post(admin_world), before=before)
                doing = expected_outcome(role, page.allowed, viewers=NOBODY, granted=DONE)
                sweep.expect(f"page {name} POST", role, doing, got)

        if entry.scope is not None and role in entry.view:
            check_scope(entry, sweep, role, client, body_of(listed), admin_world, before=before)

    assert not sweep.wrong, sweep.wrong


def check_scope(
    entry: ModelAdminAccess,
    sweep: Sweep,
    role: str,
    client: Client,
    listed: str,
    admin_world: AdminWorld,
    *,
    before: dict,
) -> None:
    """A trainer's list holds the rows of the trainings they lead only, another trainer's row is "no such
    row", and their actions pass it by; a certification admin or the superuser, the control, has both."""
    scope = entry.scope
    narrowed = role in scope.narrowed
    sweep.expect("list rows", role, "theirs" if narrowed else "all", rows_listed(listed, scope, admin_world))

    outside = scope.outside(admin_world)
    change = page_outcome(client.get(admin_url(sweep.label, "change", outside.pk)))
    sweep.expect("change (another trainer's)", role, ABSENT if narrowed else OK, change)
    for name, action in entry.actions.items():
        if role in action.allowed and not action.confirms and action.selected is None:
            got = run_action(client, sweep.label, name, outside, before=before)
            sweep.expect(f"action {name} (another trainer's)", role, REFUSED if narrowed else DONE, got)


def autocompleted_fields() -> list[tuple[str, str]]:
    return sorted(
        (model._meta.label, name)
        for model, model_admin in admin.site._registry.items()
        for name in model_admin.autocomplete_fields
    )


@pytest.mark.parametrize(("label", "field"), autocompleted_fields())
def test_autocomplete_lists_only_rows_the_role_may_see(label, field, admin_world, sessions):
    """The search behind an autocomplete box answers those who may view the model it lists, with the rows
    of their list only: a trainer finds her own trainings, never another trainer's; other staff get 403."""
    remote = apps.get_model(label)._meta.get_field(field).remote_field.model._meta.label
    entry = ADMIN[remote]
    opts = apps.get_model(label)._meta
    query = {"app_label": opts.app_label, "model_name": opts.model_name, "field_name": field, "term": ""}
    sweep = Sweep(label)
    for role in ADMIN_ROLES:
        response = client_as(role, sessions).get(reverse("admin:autocomplete"), query)
        got = page_outcome(response)
        if got == OK and entry.scope is not None:
            found = {result["text"] for result in response.json()["results"]}
            ours, theirs = str(entry.row(admin_world)), str(entry.scope.outside(admin_world))
            got = {(True, False): "theirs", (True, True): "all"}.get(
                (ours in found, theirs in found), str(found)
            )
        expected = expected_outcome(role, entry.view, viewers=entry.view)
        if expected == OK and entry.scope is not None:
            expected = "theirs" if role in entry.scope.narrowed else "all"
        sweep.expect(f"autocomplete {field}", role, expected, got)

    assert not sweep.wrong, sweep.wrong


def test_a_coordinator_raising_a_full_courses_capacity_offers_the_waiting_family_the_place_at_once(
    admin_world, sessions
):
    """The change form saves through update_course: the place is offered in the same request, the family
    is emailed, and the change is on the record; staff without the coordinators' permission get 403."""
    course = admin_world.world.full_course
    bob = admin_world.world.other_parent
    waiting = book_course(course, parent=bob, baby=add_baby(bob, "Noa"))
    assert waiting.status == Booking.Status.WAITLISTED
    url = admin_url("classes.Course", "change", course.pk)
    coordinator = client_as(COORDINATOR, sessions)
    data = form_data(coordinator.get(url))
    data.update(capacity=[str(course.capacity + 1)], _save=["Save"])
    before = database_snapshot()

    for role in (STAFF, TRAINER, CERTIFICATION_ADMIN):
        assert client_as(role, sessions).post(url, data).status_code == 403, role
    assert not changes(before, database_snapshot())

    response = coordinator.post(url, data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.OFFERED
    assert OutgoingEmail.objects.filter(template="place_offered", user=bob).exists()
    recorded = CourseAction.objects.filter(course=course, actor=admin_world.world.coordinator)
    assert [(action.kind, "capacity" in action.details) for action in recorded] == [
        (CourseAction.Kind.EDITED, True)
    ]


def test_the_trainers_enrollment_list_never_names_another_trainers_trainee(admin_world, sessions):
    response = client_as(TRAINER, sessions).get(admin_url("certification.Enrollment", "changelist"))

    assert admin_world.world.trainee.full_name in body_of(response)
    assert admin_world.world.other_enrollment.trainee.full_name not in body_of(response)
