"""Every form of the project, posted random, oversized, unicode, HTML/script and SQL-looking values.

For each form the table below says where it is, who uses it, what a valid submission looks like and how
its view binds it. Each example replaces some fields with hostile values (or leaves them out) and checks:
never a server error; a redirect never leaves the site; submitted markup never comes back unescaped; and
when the view's own form class finds the submission invalid, no row anywhere changed.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from allauth.account.forms import ResetPasswordForm, SignupForm
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accounts.forms import AccountSettingsForm
from accounts.models import User
from accounts.tests.factories import PASSWORD
from certification.forms import ApplicationForm
from classes.emails import offer_token
from classes.forms import BabyForm, BookingForm
from instructors import selectors
from instructors.forms import (
    CourseBuilderForm,
    CourseForm,
    MessageForm,
    MoveSessionForm,
    PaidForm,
    ProfileForm,
    RegisterForm,
    SessionTopicsForm,
)
from privacy.forms import DeleteAccountForm
from tests.access.snapshot import changes, database_snapshot
from tests.access.world import World
from tests.fuzz.conftest import FUZZED

pytestmark = pytest.mark.django_db

# Whether a submission may change data: never (searches, sign-in), when the view's form finds it valid,
# or whenever (a confirmation button: no fields to be invalid).
NEVER, WHEN_VALID, ANY = "never", "when valid", "any"

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' OR '1'='1' --",
    "1; DROP TABLE classes_booking; --",
    "Robert'); DELETE FROM accounts_user; --",
    "\x00",
    "nul \x00 byte",
    "{{ request.user.password }}{% debug %}",
    "%(name)s %s %n",
    "../../../../etc/passwd",
    "😀👶🏽‍🍼",
    "\u202eevil\u202c",
    "Zoë Ñandú Øresund",
    "",
    " \t\n ",
    "-1",
    "0",
    "2147483648",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "-Infinity",
    "2026-02-30",
    "0001-01-01",
    "9999-12-31",
    "31/12/1999",
    "25:61",
    "https://evil.example/",
    "//evil.example/path",
    "x" * 100_000,
    "é" * 20_000,
]
# Submitted markup that must never come back as markup.
RAW_MARKUP = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
MISSING = object()


def hostile_value() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.text(max_size=60),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
    )


@dataclass(frozen=True)
class FormUnderTest:
    url: Callable[[World], str]
    who: str | None  # the person signed in, by World attribute; None for a visitor
    valid: Callable[[World], dict]  # a submission the form accepts
    changes: str = WHEN_VALID
    bind: Callable[[World, dict], forms.Form] | None = None  # the form as the view binds it
    method: str = "POST"


def madrid_today():
    return timezone.localdate(timezone=ZoneInfo("Europe/Madrid"))


def course_fields(world: World) -> dict:
    """The course edit form, as the page fills it in for Carol's course."""
    initial = CourseForm.initial_for(world.course)
    fields = {name: "" if value is None else str(value) for name, value in initial.items()}
    fields["is_practicum"] = ""
    return fields


def builder_fields(world: World) -> dict:
    first_day = madrid_today() + timedelta(days=60)
    return {
        "title": "Baby massage, Saturday mornings",
        "description": "Five weeks of strokes and songs.",
        "format": "venue",
        "venue": str(world.course.venue_id),
        "new_venue_name": "",
        "new_venue_address": "",
        "new_venue_city": "",
        "new_venue_country": "",
        "new_venue_time_zone": "",
        "new_venue_accessibility_notes": "",
        "online_link": "",
        "time_zone": "Europe/Madrid",
        "language": "en",
        "capacity": "6",
        "price": "90",
        "currency": "EUR",
        "payment_notes": "Cash at the first session.",
        "min_age_weeks": "4",
        "max_age_weeks": "30",
        "cancellation_cutoff_hours": "48",
        "first_date": first_day.isoformat(),
        "first_time": "09:00",
        "weeks": "5",
        "duration_minutes": "75",
    }


def edit_form(world: World, data: dict) -> CourseForm:
    course = world.course
    return CourseForm(
        data,
        initial=CourseForm.initial_for(course),
        venues=list(selectors.own_venues(course.instructor)),
        show_practicum=selectors.teaching_rights(course.instructor).practicum or course.is_practicum,
        locked=course.bookings.live().exists(),
    )


def sessions_of(world: World) -> list:
    return list(world.course.sessions.order_by("starts_at"))


FORMS: dict[str, FormUnderTest] = {
    "sign up": FormUnderTest(
        url=lambda w: reverse("account_signup"),
        who=None,
        valid=lambda w: {
            "full_name": "Nora Quinn",
            "email": "nora@example.org",
            "password1": "a-long-gentle-passphrase",
            "password2": "a-long-gentle-passphrase",
        },
        bind=lambda w, data: SignupForm(data),
    ),
    "sign in": FormUnderTest(
        url=lambda w: reverse("account_login"),
        who=None,
        valid=lambda w: {"login": w.parent.email, "password": PASSWORD, "remember": "on"},
        changes=NEVER,
    ),
    "password reset": FormUnderTest(
        url=lambda w: reverse("account_reset_password"),
        who=None,
        valid=lambda w: {"email": w.parent.email},
        bind=lambda w, data: ResetPasswordForm(data),
    ),
    "account settings": FormUnderTest(
        url=lambda w: reverse("accounts:settings"),
        who="parent",
        valid=lambda w: {"full_name": "Alice A.", "preferred_language": "es", "time_zone": "Europe/Madrid"},
        bind=lambda w, data: AccountSettingsForm(data, instance=User.objects.get(pk=w.parent.pk)),
    ),
    "language switch": FormUnderTest(
        url=lambda w: reverse("accounts:set_language"),
        who="parent",
        valid=lambda w: {"language": "es", "next": "/classes/"},
        # Django's own view: only a language the site offers is stored.
        bind=None,
    ),
    "add a baby": FormUnderTest(
        url=lambda w: reverse("classes:baby_add"),
        who="parent",
        valid=lambda w: {
            "first_name": "Maya",
            "date_of_birth": (madrid_today() - timedelta(weeks=5)).isoformat(),
            "notes": "Born at home.",
            "notes_consent": "on",
            "next": "/classes/",
        },
        bind=lambda w, data: BabyForm(data, today=madrid_today()),
    ),
    "edit a baby": FormUnderTest(
        url=lambda w: reverse("classes:baby_edit", kwargs={"pk": w.baby.pk}),
        who="parent",
        valid=lambda w: {
            "first_name": "Oliver",
            "date_of_birth": (madrid_today() - timedelta(weeks=8)).isoformat(),
            "notes": "",
            "next": "",
        },
        bind=lambda w, data: BabyForm(data, today=madrid_today()),
    ),
    "book": FormUnderTest(
        url=lambda w: reverse("classes:book", kwargs={"pk": w.course.pk}),
        who="parent",
        valid=lambda w: {"baby": str(w.unbooked_baby.pk), "expected": "book"},
        bind=lambda w, data: BookingForm(data),
    ),
    "cancel a booking": FormUnderTest(
        url=lambda w: reverse("classes:booking_cancel", kwargs={"pk": w.booking.pk}),
        who="parent",
        valid=lambda w: {"confirm": "yes"},
        changes=ANY,
    ),
    "answer an offer": FormUnderTest(
        url=lambda w: reverse("classes:offer_respond", kwargs={"token": offer_token(w.offered)}),
        who=None,
        valid=lambda w: {"choice": "accept"},
        bind=lambda w, data: ChoiceForm(data),
    ),
    "catalog filters": FormUnderTest(
        url=lambda w: reverse("classes:catalog"),
        who=None,
        method="GET",
        valid=lambda w: {
            "city": "Madrid",
            "format": "venue",
            "language": "en",
            "starts_from": madrid_today().isoformat(),
            "starts_to": (madrid_today() + timedelta(days=90)).isoformat(),
            "baby_born": (madrid_today() - timedelta(weeks=6)).isoformat(),
            "page": "1",
        },
        changes=NEVER,
    ),
    "directory filters": FormUnderTest(
        url=lambda w: reverse("instructors:directory"),
        who=None,
        method="GET",
        valid=lambda w: {
            "q": "Carol",
            "country": "ES",
            "city": "Madrid",
            "language": "es",
            "background": "midwife",
            "page": "1",
        },
        changes=NEVER,
    ),
    "home search": FormUnderTest(
        url=lambda w: reverse("home"),
        who=None,
        method="GET",
        valid=lambda w: {"city": "Madrid"},
        changes=NEVER,
    ),
    "instructor profile": FormUnderTest(
        url=lambda w: reverse("instructors:profile_edit"),
        who="instructor",
        valid=lambda w: {
            "display_name": "Carol Castro",
            "bio": "Midwife for twelve years.",
            "backgrounds": ["midwife", "parent"],
            "languages": ["es", "en"],
            "city": "Madrid",
            "country": "ES",
            "offers_private_sessions": "on",
            "notice_preference": "each",
            "is_public": "on",
        },
        bind=lambda w, data: ProfileForm(data, {}, has_photo=False),
    ),
    "course builder": FormUnderTest(
        url=lambda w: reverse("instructors:course_create"),
        who="instructor",
        valid=builder_fields,
        bind=lambda w, data: CourseBuilderForm(
            data,
            venues=list(selectors.own_venues(w.instructor)),
            show_practicum=selectors.teaching_rights(w.instructor).practicum,
        ),
    ),
    "course details": FormUnderTest(
        url=lambda w: reverse("instructors:course_edit", kwargs={"pk": w.course.pk}),
        who="instructor",
        valid=course_fields,
        bind=edit_form,
    ),
    "week topics": FormUnderTest(
        url=lambda w: reverse("instructors:session_topics", kwargs={"pk": w.course.pk}),
        who="instructor",
        valid=lambda w: {f"topic_{s.pk}": f"Week {s.week_number}, gently" for s in sessions_of(w)},
        bind=lambda w, data: SessionTopicsForm(data, sessions=sessions_of(w)),
    ),
    "move a session": FormUnderTest(
        url=lambda w: reverse("instructors:session_move", kwargs={"pk": w.session.pk}),
        who="instructor",
        valid=lambda w: {
            "date": (w.session.starts_at.astimezone(w.course.zone).date() + timedelta(days=1)).isoformat(),
            "time": "19:30",
        },
        bind=lambda w, data: MoveSessionForm(data, zone=w.course.zone),
    ),
    "cancel a session": FormUnderTest(
        url=lambda w: reverse("instructors:session_cancel", kwargs={"pk": w.session.pk}),
        who="instructor",
        valid=lambda w: {"confirm": "yes"},
        changes=ANY,
    ),
    "cancel a course": FormUnderTest(
        url=lambda w: reverse("instructors:course_cancel", kwargs={"pk": w.course.pk}),
        who="instructor",
        valid=lambda w: {"confirm": "yes"},
        changes=ANY,
    ),
    "register": FormUnderTest(
        url=lambda w: reverse("instructors:session_register", kwargs={"pk": w.session.pk}),
        who="instructor",
        valid=lambda w: {f"booking_{w.booking.pk}": "present"},
        bind=lambda w, data: RegisterForm(data, lines=selectors.register(w.session)),
    ),
    "paid mark": FormUnderTest(
        url=lambda w: reverse("instructors:booking_paid", kwargs={"pk": w.booking.pk}),
        who="instructor",
        valid=lambda w: {"paid": "1", "method": "cash"},
        bind=lambda w, data: PaidForm(data),
    ),
    "message families": FormUnderTest(
        url=lambda w: reverse("instructors:course_messages", kwargs={"pk": w.course.pk}),
        who="instructor",
        valid=lambda w: {"subject": "Parking on Thursday", "body": "The car park is closed; take the bus."},
        bind=lambda w, data: MessageForm(data),
    ),
    "training application": FormUnderTest(
        url=lambda w: reverse("certification:training_apply", kwargs={"pk": w.training.pk}),
        who="parent",
        valid=lambda w: {
            "background": "midwife",
            "background_other": "",
            "experience": "Ten years on a maternity ward.",
            "motivation": "Parents ask me how to soothe their babies.",
        },
        bind=lambda w, data: ApplicationForm(data),
    ),
    "certificate lookup": FormUnderTest(
        url=lambda w: reverse("certification:verify_lookup"),
        who=None,
        valid=lambda w: {"number": w.certificate.number, "surname": "Castro"},
        changes=NEVER,
    ),
    "delete my account": FormUnderTest(
        url=lambda w: reverse("privacy:delete_account"),
        who="parent",
        valid=lambda w: {"password": PASSWORD},
        bind=lambda w, data: DeleteAccountForm(data, user=w.parent),
    ),
}


class ChoiceForm(forms.Form):
    """The offer page's two buttons: accept or decline; anything else is not an answer."""

    choice = forms.ChoiceField(choices=[("accept", "accept"), ("decline", "decline")])


@st.composite
def submissions(draw, valid: dict) -> dict:
    """The valid submission with each field kept, replaced by something hostile, or left out."""
    submitted = {}
    for name, value in valid.items():
        if isinstance(value, list):
            choice = draw(st.lists(st.one_of(st.sampled_from(value), hostile_value()), max_size=4))
        else:
            choice = draw(st.one_of(st.just(value), hostile_value(), st.just(MISSING)))
        if choice is not MISSING:
            submitted[name] = choice
    return submitted


@contextmanager
def one_example():
    """Each example starts from the same world: its changes are rolled back, its rate limits forgotten."""
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def signed_in(world: World, who: str | None) -> Client:
    client = Client()
    if who is not None:
        client.force_login(getattr(world, who))
    return client


def would_change(spec: FormUnderTest, world: World, data: dict) -> bool:
    if spec.changes != WHEN_VALID:
        return spec.changes == ANY
    if spec.bind is None:
        return data.get("language") in dict(settings.LANGUAGES)
    return spec.bind(world, data).is_valid()


def check_submission(spec: FormUnderTest, world: World, data: dict) -> None:
    client = signed_in(world, spec.who)
    may_change = would_change(spec, world, data)
    before = database_snapshot()

    url = spec.url(world)
    response = client.get(url, data) if spec.method == "GET" else client.post(url, data)

    assert response.status_code < 500
    if response.status_code in (301, 302):
        target = urlparse(response["Location"])
        assert target.netloc in ("", "testserver"), f"redirected off the site: {response['Location']}"
    body = response.content.decode("utf-8", errors="replace")
    assert not any(markup in body for markup in RAW_MARKUP), "submitted markup came back unescaped"
    if not may_change:
        changed = changes(before, database_snapshot())
        assert not changed, f"an invalid submission changed {changed}"


@pytest.mark.parametrize("name", sorted(FORMS))
def test_hostile_input_is_refused_cleanly_and_changes_nothing(name, world):
    spec = FORMS[name]
    valid = spec.valid(world)

    # The valid submission goes through (the control: the form is exercised, not merely refused).
    if spec.bind is not None:
        assert spec.bind(world, valid).is_valid(), spec.bind(world, valid).errors

    @given(data=submissions(valid))
    def each_example(data):
        with one_example():
            check_submission(spec, world, data)

    each_example()
    FUZZED.add(name)


@pytest.mark.parametrize(
    "next_url",
    [
        '"><img src=x onerror=alert(1)>',
        "classes:catalog",
        "javascript:alert(1)",
        "//evil.example/",
        "https://evil.example/",
    ],
)
def test_a_baby_form_sends_back_only_to_a_path_on_this_site(next_url, world):
    """Found by the examples above: a `next` that was not a path was taken for the name of a view (500)."""
    client = signed_in(world, "parent")
    data = {**FORMS["add a baby"].valid(world), "next": next_url}

    response = client.post(reverse("classes:baby_add"), data)

    assert response.status_code == 302
    assert response["Location"] == reverse("classes:baby_list")
