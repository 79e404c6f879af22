"""A parent's babies at /my/babies/: adding, editing, and the messages for dates and notes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from classes.models import Baby
from classes.tests.factories import BabyFactory, CourseFactory, SessionFactory

pytestmark = pytest.mark.django_db

BABIES = reverse("classes:baby_list")
ADD = reverse("classes:baby_add")


def edit_url(baby: Baby) -> str:
    return reverse("classes:baby_edit", kwargs={"pk": baby.pk})


def weeks_ago(weeks: int) -> str:
    return (timezone.localdate() - timedelta(weeks=weeks)).isoformat()


def errors_of(response) -> dict[str, list[str]]:
    return response.context["form"].errors


def test_the_babies_page_lists_only_the_parents_own_babies(client, parent, other_parent):
    BabyFactory(parent=parent, first_name="Lucía")
    BabyFactory(parent=other_parent, first_name="Oliver")
    client.force_login(parent)

    page = client.get(BABIES).content.decode()

    assert "Lucía" in page
    assert "Oliver" not in page


def test_adding_a_baby_lists_it(client, parent):
    client.force_login(parent)

    response = client.post(ADD, {"first_name": " Lucía ", "date_of_birth": weeks_ago(8)}, follow=True)

    assert response.redirect_chain == [(BABIES, 302)]
    baby = Baby.objects.get(parent=parent)
    assert (baby.first_name, baby.notes, baby.notes_consent) == ("Lucía", "", False)
    assert "Lucía is added." in [str(message) for message in response.context["messages"]]
    assert "8 weeks" in response.content.decode()


def test_adding_a_baby_from_a_course_page_goes_back_to_it(client, parent):
    course = CourseFactory()
    SessionFactory(course=course)
    back = f"{course.get_absolute_url()}#book"
    client.force_login(parent)

    form_page = client.get(ADD, {"next": back}).content.decode()
    response = client.post(ADD, {"first_name": "Lucía", "date_of_birth": weeks_ago(8), "next": back})

    assert f'name="next" value="{course.get_absolute_url()}#book"' in form_page
    assert response["Location"] == back


def test_a_next_address_on_another_site_is_ignored(client, parent):
    client.force_login(parent)

    response = client.post(
        ADD, {"first_name": "Lucía", "date_of_birth": weeks_ago(8), "next": "https://evil.example.org/"}
    )

    assert response["Location"] == BABIES


def test_notes_are_kept_with_consent(client, parent):
    client.force_login(parent)

    client.post(
        ADD,
        {
            "first_name": "Lucía",
            "date_of_birth": weeks_ago(8),
            "notes": "Born at 34 weeks.",
            "notes_consent": "on",
        },
    )

    baby = Baby.objects.get(parent=parent)
    assert (baby.notes, baby.notes_consent) == ("Born at 34 weeks.", True)


def test_the_consent_box_says_with_whom_the_notes_are_shared(client, parent):
    client.force_login(parent)

    page = client.get(ADD).content.decode()

    assert "Share these notes with the instructors of the courses I book for this baby" in page


@pytest.mark.parametrize(
    ("date_of_birth", "message"),
    [
        (
            (timezone.localdate() + timedelta(days=3)).isoformat(),
            "The date of birth cannot be in the future. Add your baby once they are born.",
        ),
        (
            (timezone.localdate() - timedelta(days=800)).isoformat(),
            "That is more than two years ago. Courses are for babies until they crawl: "
            "please check the date.",
        ),
        ("31/02/2026", "Enter a date like 2026-05-31."),
        ("", "This field is required."),
    ],
    ids=["future", "implausibly-old", "not-a-date", "missing"],
)
def test_a_bad_date_of_birth_is_refused_with_a_message_next_to_the_field(
    client, parent, date_of_birth, message
):
    client.force_login(parent)

    response = client.post(ADD, {"first_name": "Lucía", "date_of_birth": date_of_birth})

    assert response.status_code == 200
    assert errors_of(response) == {"date_of_birth": [message]}
    assert message in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Baby.objects.exists()


def test_notes_without_consent_are_refused_with_a_message(client, parent):
    client.force_login(parent)

    response = client.post(
        ADD, {"first_name": "Lucía", "date_of_birth": weeks_ago(8), "notes": "Reflux; prefers the left side."}
    )

    assert errors_of(response) == {
        "notes_consent": ["Tick the box to share these notes, or leave them empty."]
    }
    assert not Baby.objects.exists()


def test_a_baby_born_today_where_the_parent_lives_is_not_in_the_future(client, parent):
    parent.time_zone = "Pacific/Kiritimati"  # UTC+14: at noon UTC it is already tomorrow there
    parent.save()

    with time_machine.travel(datetime(2026, 3, 10, 12, 0, tzinfo=UTC), tick=False):
        client.force_login(parent)
        response = client.post(ADD, {"first_name": "Lucía", "date_of_birth": "2026-03-11"})

    assert response.status_code == 302
    assert Baby.objects.get().date_of_birth == date(2026, 3, 11)


def test_editing_a_baby_changes_its_details(client, parent):
    baby = BabyFactory(parent=parent, first_name="Lucia")
    client.force_login(parent)
    page = client.get(edit_url(baby)).content.decode()
    assert 'value="Lucia"' in page

    response = client.post(
        edit_url(baby),
        {
            "first_name": "Lucía",
            "date_of_birth": weeks_ago(10),
            "notes": "Twin of Mateo.",
            "notes_consent": "on",
        },
    )

    assert response["Location"] == BABIES
    baby.refresh_from_db()
    assert (baby.first_name, baby.date_of_birth.isoformat(), baby.notes) == (
        "Lucía",
        weeks_ago(10),
        "Twin of Mateo.",
    )


def test_unticking_consent_with_the_notes_emptied_drops_them(client, parent):
    baby = BabyFactory(parent=parent, notes="Born early.", notes_consent=True)
    client.force_login(parent)

    client.post(edit_url(baby), {"first_name": baby.first_name, "date_of_birth": weeks_ago(8), "notes": ""})

    baby.refresh_from_db()
    assert (baby.notes, baby.notes_consent) == ("", False)


def test_editing_with_a_future_date_is_refused_and_changes_nothing(client, parent):
    baby = BabyFactory(parent=parent)
    born = baby.date_of_birth
    client.force_login(parent)

    response = client.post(
        edit_url(baby),
        {"first_name": "Lucía", "date_of_birth": (timezone.localdate() + timedelta(days=1)).isoformat()},
    )

    assert "date_of_birth" in errors_of(response)
    baby.refresh_from_db()
    assert baby.date_of_birth == born


def test_another_parents_baby_cannot_be_seen_or_edited_and_ones_own_can(client, parent, other_parent):
    theirs = BabyFactory(parent=other_parent, first_name="Oliver")
    own = BabyFactory(parent=parent)
    client.force_login(parent)

    assert client.get(edit_url(theirs)).status_code == 404
    response = client.post(edit_url(theirs), {"first_name": "Mine now", "date_of_birth": weeks_ago(8)})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.first_name == "Oliver"
    assert client.get(edit_url(own)).status_code == 200
