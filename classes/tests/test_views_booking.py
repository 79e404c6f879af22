"""Booking through the pages: the course page's call to action, the book and cancel buttons, My bookings
and its calendar download, as parents see them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from classes.emails import offer_token
from classes.models import Booking, Course, Session
from classes.services import book_course, cancel_booking
from classes.tests.factories import BabyFactory, BookingFactory, CourseFactory, SessionFactory
from notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

MY_BOOKINGS = reverse("classes:my_bookings")


def course_with_sessions(capacity: int = 4, weeks: int = 5, **extra) -> Course:
    course = CourseFactory(capacity=capacity, **extra)
    for _ in range(weeks):
        SessionFactory(course=course)
    return course


def baby_of(parent, weeks_old: int = 8):
    return BabyFactory(parent=parent, date_of_birth=timezone.localdate() - timedelta(weeks=weeks_old))


def waiting_family(course: Course) -> Booking:
    """Someone else's family, booked through the service so that the course fills or the waitlist grows."""
    baby = BabyFactory(date_of_birth=timezone.localdate() - timedelta(weeks=8))
    return book_course(course, parent=baby.parent, baby=baby)


def book_url(course: Course) -> str:
    return reverse("classes:book", kwargs={"pk": course.pk})


def page_of(client, course: Course) -> str:
    response = client.get(course.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


class TestCoursePage:
    def test_signed_out_visitor_is_asked_to_sign_in_and_comes_back_to_the_course(self, client):
        course = course_with_sessions()

        page = page_of(client, course)

        login = reverse("account_login")
        assert f'href="{login}?next={course.get_absolute_url()}"' in page
        assert "Sign in to book" in page
        assert f'action="{book_url(course)}"' not in page

    def test_a_wrong_slug_redirects_permanently_to_the_right_one(self, client):
        course = course_with_sessions()

        response = client.get(reverse("classes:course_detail", kwargs={"pk": course.pk, "slug": "old-title"}))

        assert response.status_code == 301
        assert response["Location"] == course.get_absolute_url()

    def test_parent_without_a_baby_is_offered_to_add_one_and_come_back(self, client, parent):
        course = course_with_sessions()
        client.force_login(parent)

        page = page_of(client, course)

        assert f"{reverse('classes:baby_add')}?next={course.get_absolute_url()}%23book" in page
        assert f'action="{book_url(course)}"' not in page

    def test_parent_picks_among_the_babies_that_fit_and_is_told_why_the_others_do_not(self, client, parent):
        course = course_with_sessions(min_age_weeks=6, max_age_weeks=20)
        fits = baby_of(parent, weeks_old=8)
        too_young = BabyFactory(parent=parent, first_name="Tiny", date_of_birth=timezone.localdate())
        too_old = BabyFactory(
            parent=parent, first_name="Big", date_of_birth=timezone.localdate() - timedelta(weeks=30)
        )
        client.force_login(parent)

        page = page_of(client, course)

        assert f'value="{fits.pk}"' in page
        assert f'value="{too_young.pk}"' not in page
        assert f'value="{too_old.pk}"' not in page
        assert "Tiny is too young for this course: 1 week old at the first session" in page
        assert "Big is too old for this course: 31 weeks old at the first session" in page
        assert re.search(r"<button[^>]*>\s*Book\s*</button>", page)
        assert "Join waitlist" not in page and "Join the waitlist" not in page

    def test_a_full_course_offers_the_waitlist_with_the_number_of_families_ahead(self, client, parent):
        course = course_with_sessions(capacity=1)
        waiting_family(course)
        waiting_family(course)
        waiting_family(course)
        baby_of(parent)
        client.force_login(parent)

        page = page_of(client, course)

        assert "Join waitlist (2 ahead of you)" in page

    def test_a_cancelled_course_says_so_instead_of_offering_to_book(self, client, parent):
        course = course_with_sessions(status=Course.Status.CANCELLED)
        baby_of(parent)
        client.force_login(parent)

        page = page_of(client, course)

        assert "This course has been cancelled, so it cannot be booked." in page
        assert f'action="{book_url(course)}"' not in page

    def test_a_course_that_has_started_says_booking_is_closed(self, client, parent):
        course = course_with_sessions()
        baby_of(parent)
        client.force_login(parent)
        first = course.sessions.order_by("starts_at").first()

        with time_machine.travel(first.starts_at + timedelta(minutes=5)):
            client.force_login(parent)
            page = page_of(client, course)

        assert "This course has already started, so booking is closed." in page
        assert f'action="{book_url(course)}"' not in page

    def test_the_courses_instructor_is_told_they_cannot_book_it_instead_of_a_book_button(
        self, client, instructor, parent
    ):
        course = course_with_sessions(instructor=instructor)
        baby_of(instructor)
        baby_of(parent)
        client.force_login(instructor)

        page = page_of(client, course)

        assert "You teach this course, so you cannot book a place on it." in page
        assert f'action="{book_url(course)}"' not in page
        client.force_login(parent)
        assert f'action="{book_url(course)}"' in page_of(client, course)  # the control: a parent may book

    def test_a_parent_with_a_booking_sees_its_status_and_a_link_to_my_bookings(self, client, parent):
        course = course_with_sessions(capacity=1)
        waiting_family(course)
        baby = baby_of(parent)
        book_course(course, parent=parent, baby=baby)
        client.force_login(parent)

        page = page_of(client, course)

        assert f"{baby.first_name} is number 1 on the waitlist." in page
        assert f'href="{MY_BOOKINGS}"' in page

    def test_the_instructor_card_links_to_a_public_profile_only(self, client, instructor_profile_factory):
        public = course_with_sessions()
        instructor_profile_factory(user=public.instructor, display_name="Hannah Clarke", slug="hannah")
        hidden = course_with_sessions()
        instructor_profile_factory(
            user=hidden.instructor, display_name="Ines Navarro", slug="ines", is_public=False
        )

        assert 'href="/instructors/hannah/"' in page_of(client, public)
        hidden_page = page_of(client, hidden)
        assert "Ines Navarro" in hidden_page
        assert 'href="/instructors/ines/"' not in hidden_page

    def test_the_page_says_plainly_how_payment_works(self, client):
        course = course_with_sessions(payment_notes="Pay by bank transfer before the first session.")

        page = page_of(client, course)

        assert "A booking is a reservation: you pay the instructor directly" in page
        assert "Pay by bank transfer before the first session." in page

    def test_the_online_link_is_shown_only_to_a_family_with_a_confirmed_place(
        self, client, parent, other_parent
    ):
        course = course_with_sessions(
            capacity=1, online=True, online_link="https://meet.example.org/secret-room"
        )
        book_course(course, parent=parent, baby=baby_of(parent))
        book_course(course, parent=other_parent, baby=baby_of(other_parent))
        stranger = UserFactory()

        assert "secret-room" not in page_of(client, course)
        client.force_login(stranger)
        assert "secret-room" not in page_of(client, course)
        client.force_login(other_parent)
        assert "secret-room" not in page_of(client, course)
        client.force_login(parent)
        assert "https://meet.example.org/secret-room" in page_of(client, course)

    def test_sessions_already_held_show_that_weeks_strokes_to_a_booked_family(self, client, parent):
        course = course_with_sessions()
        book_course(course, parent=parent, baby=baby_of(parent))
        first = course.sessions.order_by("starts_at").first()

        with time_machine.travel(first.ends_at + timedelta(hours=1)):
            client.force_login(parent)
            page = page_of(client, course)

        assert "Practise at home: this week's strokes" in page
        assert page.count("Practise at home") == 1
        assert "Indian milking" in page  # week 1: legs and feet
        assert "Water wheel" not in page  # week 2 (tummy) has not been held yet
        assert "Ask your baby&#x27;s permission before you start" in page

    def test_a_family_on_the_waitlist_gets_no_home_practice(self, client, parent):
        course = course_with_sessions(capacity=1)
        waiting_family(course)
        book_course(course, parent=parent, baby=baby_of(parent))
        first = course.sessions.order_by("starts_at").first()

        with time_machine.travel(first.ends_at + timedelta(hours=1)):
            client.force_login(parent)
            page = page_of(client, course)

        assert "Practise at home" not in page


class TestBooking:
    def test_booking_through_the_page_confirms_and_shows_in_my_bookings(self, client, parent):
        course = course_with_sessions(title="Tuesday mornings")
        baby = baby_of(parent)
        client.force_login(parent)

        response = client.post(book_url(course), {"baby": baby.pk, "expected": "book"}, follow=True)

        booking = Booking.objects.get(course=course, baby=baby)
        assert booking.status == Booking.Status.CONFIRMED
        assert response.redirect_chain == [(MY_BOOKINGS, 302)]
        assert any(message.startswith("Booked!") for message in messages_of(response))
        assert "Tuesday mornings" in response.content.decode()
        assert [card.booking for card in response.context["upcoming"]] == [booking]
        assert OutgoingEmail.objects.filter(key=f"booking-confirmed:{booking.pk}").exists()

    def test_booking_a_full_course_puts_the_family_on_the_waitlist_with_its_position(self, client, parent):
        course = course_with_sessions(capacity=1)
        waiting_family(course)
        waiting_family(course)
        baby = baby_of(parent)
        client.force_login(parent)

        response = client.post(book_url(course), {"baby": baby.pk, "expected": "waitlist"}, follow=True)

        booking = Booking.objects.get(course=course, baby=baby)
        assert booking.status == Booking.Status.WAITLISTED
        assert "you are number 2" in messages_of(response)[0]
        assert "Waitlist: number 2" in response.content.decode()

    def test_a_full_course_with_nobody_waiting_says_the_family_would_be_first(self, client, parent):
        course = course_with_sessions(capacity=1)
        baby_of(parent)
        waiting_family(course)
        client.force_login(parent)
        page = page_of(client, course)
        assert "Join the waitlist (you would be first)" in page
        assert "0 ahead of you" not in page

    def test_a_course_that_filled_up_while_the_parent_looked_says_so_plainly(self, client, parent):
        course = course_with_sessions(capacity=1)
        baby = baby_of(parent)
        client.force_login(parent)
        assert "Join waitlist" not in page_of(client, course)
        waiting_family(course)  # someone else takes the last place

        response = client.post(book_url(course), {"baby": baby.pk, "expected": "book"}, follow=True)

        assert response.status_code == 200
        assert messages_of(response) == [
            f"Sorry: the last place was taken while you were looking. {baby.first_name} is on the waitlist "
            "instead, number 1. We will email you as soon as a place frees up."
        ]

    def test_a_baby_outside_the_age_range_gets_a_message_and_nothing_is_booked(self, client, parent):
        course = course_with_sessions(max_age_weeks=20)
        baby = baby_of(parent, weeks_old=25)
        client.force_login(parent)

        response = client.post(book_url(course), {"baby": baby.pk}, follow=True)

        assert response.redirect_chain == [(course.get_absolute_url(), 302)]
        assert "weeks old at the first session" in messages_of(response)[0]
        assert not Booking.objects.exists()

    def test_booking_the_same_baby_twice_gets_a_message(self, client, parent):
        course = course_with_sessions()
        baby = baby_of(parent)
        client.force_login(parent)
        client.post(book_url(course), {"baby": baby.pk}, follow=True)

        response = client.post(book_url(course), {"baby": baby.pk}, follow=True)

        assert messages_of(response) == [f"{baby.first_name} is already booked on this course."]
        assert Booking.objects.count() == 1

    def test_the_courses_instructor_posting_to_book_it_is_refused_with_the_reason(self, client, instructor):
        course = course_with_sessions(instructor=instructor)
        baby = baby_of(instructor)
        client.force_login(instructor)

        response = client.post(book_url(course), {"baby": baby.pk, "expected": "book"}, follow=True)

        assert response.redirect_chain == [(course.get_absolute_url(), 302)]
        assert messages_of(response) == ["You teach this course, so you cannot book a place on it."]
        assert not Booking.objects.exists()

    def test_someone_elses_baby_is_a_404_and_ones_own_is_booked(self, client, parent, other_parent):
        course = course_with_sessions()
        their_baby = baby_of(other_parent)
        own_baby = baby_of(parent)
        client.force_login(parent)

        assert client.post(book_url(course), {"baby": their_baby.pk}).status_code == 404
        assert not Booking.objects.exists()
        assert client.post(book_url(course), {"baby": own_baby.pk}).status_code == 302
        assert Booking.objects.get().baby == own_baby

    def test_no_baby_chosen_is_said_next_to_the_choice_and_books_nothing(self, client, parent):
        course = course_with_sessions()
        baby_of(parent)
        client.force_login(parent)

        response = client.post(book_url(course), {})

        assert response.status_code == 200
        page = response.content.decode()
        assert 'aria-describedby="book-baby_error"' in page
        error = '<ul class="errorlist" id="book-baby_error"><li>Choose which baby to book for.</li></ul>'
        assert error in page
        assert not Booking.objects.exists()

    def test_a_parent_whose_email_is_not_confirmed_cannot_book(self, client):
        unverified = UserFactory()
        course = course_with_sessions()
        baby = baby_of(unverified)
        client.force_login(unverified)

        assert "Please confirm your email address before booking" in page_of(client, course)
        response = client.post(book_url(course), {"baby": baby.pk}, follow=True)

        assert response.redirect_chain == [(course.get_absolute_url(), 302)]
        assert "Please confirm your email address" in messages_of(response)[0]
        assert not Booking.objects.exists()

    def test_a_signed_out_visitor_posting_is_sent_to_sign_in(self, client):
        course = course_with_sessions()

        response = client.post(book_url(course), {"baby": 1})

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    def test_a_draft_course_cannot_be_booked(self, client, parent):
        course = course_with_sessions(draft=True)
        client.force_login(parent)

        assert client.post(book_url(course), {"baby": baby_of(parent).pk}).status_code == 404

    def test_get_on_the_book_button_is_refused(self, client, parent):
        course = course_with_sessions()
        client.force_login(parent)

        assert client.get(book_url(course)).status_code == 405


class TestMyBookings:
    def test_my_bookings_groups_upcoming_waitlist_offers_and_past(self, client, parent):
        upcoming = BookingFactory(parent=parent, course=course_with_sessions(title="Upcoming course"))
        full = course_with_sessions(capacity=1, title="Full course")
        waiting_family(full)
        waiting_family(full)
        waitlisted = book_course(full, parent=parent, baby=baby_of(parent))
        offered = BookingFactory(
            parent=parent, offered=True, course=course_with_sessions(title="Offered course")
        )
        cancelled = BookingFactory(
            parent=parent, cancelled=True, course=course_with_sessions(title="Dropped")
        )
        client.force_login(parent)

        response = client.get(MY_BOOKINGS)

        assert [card.booking for card in response.context["upcoming"]] == [upcoming]
        assert [card.booking for card in response.context["waiting"]] == [waitlisted, offered]
        assert [card.booking for card in response.context["past"]] == [cancelled]
        page = response.content.decode()
        assert "Waitlist: number 2" in page
        assert "You cancelled" in page

    def test_a_finished_course_moves_to_past(self, client, parent):
        booking = BookingFactory(parent=parent, course=course_with_sessions(weeks=2))
        last = booking.course.sessions.order_by("starts_at").last()

        with time_machine.travel(last.ends_at + timedelta(hours=1)):
            client.force_login(parent)
            response = client.get(MY_BOOKINGS)

        assert [card.booking for card in response.context["past"]] == [booking]
        assert "Course finished" in response.content.decode()

    def test_each_booking_lists_its_sessions_in_the_course_time_zone_with_week_topics(self, client, parent):
        course = course_with_sessions(weeks=5, online=True, time_zone="America/New_York")
        BookingFactory(parent=parent, course=course)
        client.force_login(parent)

        page = client.get(MY_BOOKINGS).content.decode()

        assert "Times in America/New_York time." in page
        for session in course.sessions.all():
            assert session.week_topic in page
            assert f'datetime="{session.starts_at.astimezone(course.zone).isoformat()}"' in page

    def test_an_offer_has_accept_and_decline_buttons_posting_to_the_offer_page(self, client, parent):
        offered = BookingFactory(parent=parent, offered=True, course=course_with_sessions())
        client.force_login(parent)

        page = client.get(MY_BOOKINGS).content.decode()

        offer_url = reverse("classes:offer_respond", kwargs={"token": offer_token(offered)})
        assert f'action="{offer_url}" method="post"' in page
        assert 'name="choice" value="accept"' in page
        assert 'name="choice" value="decline"' in page
        expiry = offered.offer_expires_at.astimezone(offered.course.zone)
        assert f'datetime="{expiry.isoformat()}"' in page

    def test_accepting_from_my_bookings_confirms_the_place(self, client, parent):
        offered = BookingFactory(parent=parent, offered=True, course=course_with_sessions())
        client.force_login(parent)

        client.post(
            reverse("classes:offer_respond", kwargs={"token": offer_token(offered)}), {"choice": "accept"}
        )

        offered.refresh_from_db()
        assert offered.status == Booking.Status.CONFIRMED

    def test_my_pages_need_signing_in(self, client):
        for url in (MY_BOOKINGS, reverse("classes:baby_list"), reverse("classes:baby_add")):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("account_login")), url


class TestCancel:
    def test_cancelling_queues_the_email_and_offers_the_place_to_the_first_family_waiting(
        self, client, parent
    ):
        course = course_with_sessions(capacity=1)
        booking = book_course(course, parent=parent, baby=baby_of(parent))
        first = waiting_family(course)
        second = waiting_family(course)
        client.force_login(parent)
        assert f"Cancel {booking.baby.first_name}’s place" in client.get(MY_BOOKINGS).content.decode()

        response = client.post(reverse("classes:booking_cancel", kwargs={"pk": booking.pk}), follow=True)

        booking.refresh_from_db()
        first.refresh_from_db()
        second.refresh_from_db()
        assert booking.status == Booking.Status.CANCELLED
        assert "is cancelled" in messages_of(response)[0]
        assert OutgoingEmail.objects.filter(key=f"booking-cancelled:{booking.pk}").exists()
        assert (first.status, second.status) == (Booking.Status.OFFERED, Booking.Status.WAITLISTED)
        assert [card.booking for card in response.context["past"]] == [booking]

    def test_after_the_cutoff_the_page_says_whom_to_contact_and_cancelling_is_refused(self, client, parent):
        course = course_with_sessions(
            instructor=UserFactory(full_name="Carla Instructor", email="carla@example.org")
        )
        booking = book_course(course, parent=parent, baby=baby_of(parent))
        first = course.sessions.order_by("starts_at").first()

        with time_machine.travel(first.starts_at - timedelta(hours=2)):
            client.force_login(parent)
            page = client.get(MY_BOOKINGS).content.decode()
            response = client.post(reverse("classes:booking_cancel", kwargs={"pk": booking.pk}), follow=True)

        assert "too late to cancel online" in page
        assert "Carla Instructor" in page
        assert 'href="mailto:carla@example.org"' in page
        assert "’s place</a>" not in page
        assert (
            "Please contact your instructor, Carla Instructor, at carla@example.org."
            in messages_of(response)[0]
        )
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CONFIRMED

    def test_before_the_cutoff_the_page_says_until_when_one_can_cancel(self, client, parent):
        course = course_with_sessions(cancellation_cutoff_hours=48)
        BookingFactory(parent=parent, course=course)
        client.force_login(parent)

        page = client.get(MY_BOOKINGS).content.decode()

        deadline = course.sessions.order_by("starts_at").first().starts_at - timedelta(hours=48)
        assert "You can cancel online until" in page
        assert f'datetime="{deadline.astimezone(course.zone).isoformat()}"' in page

    def test_a_parent_leaves_the_waitlist(self, client, parent):
        course = course_with_sessions(capacity=1)
        waiting_family(course)
        waiting = book_course(course, parent=parent, baby=baby_of(parent))
        client.force_login(parent)

        response = client.post(reverse("classes:booking_cancel", kwargs={"pk": waiting.pk}), follow=True)

        waiting.refresh_from_db()
        assert waiting.cancel_reason == Booking.CancelReason.LEFT_WAITLIST
        assert "has left the waitlist" in messages_of(response)[0]

    def test_cancelling_twice_gets_a_message(self, client, parent):
        booking = BookingFactory(parent=parent, course=course_with_sessions())
        cancel_booking(booking, by=parent)
        client.force_login(parent)

        response = client.post(reverse("classes:booking_cancel", kwargs={"pk": booking.pk}), follow=True)

        assert messages_of(response) == ["This booking is already cancelled."]

    def test_someone_elses_booking_cannot_be_cancelled_and_ones_own_can(self, client, parent, other_parent):
        theirs = BookingFactory(parent=other_parent, course=course_with_sessions())
        own = BookingFactory(parent=parent, course=course_with_sessions())
        client.force_login(parent)

        assert client.post(reverse("classes:booking_cancel", kwargs={"pk": theirs.pk})).status_code == 404
        theirs.refresh_from_db()
        assert theirs.status == Booking.Status.CONFIRMED
        assert client.post(reverse("classes:booking_cancel", kwargs={"pk": own.pk})).status_code == 302
        own.refresh_from_db()
        assert own.status == Booking.Status.CANCELLED

    def test_get_on_the_cancel_link_only_asks_once_more(self, client, parent):
        booking = BookingFactory(parent=parent, course=course_with_sessions())
        client.force_login(parent)

        assert client.get(reverse("classes:booking_cancel", kwargs={"pk": booking.pk})).status_code == 200
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CONFIRMED


class TestCalendarDownload:
    def test_the_ics_has_one_event_per_session_in_the_courses_time_zone(self, client, parent):
        course = course_with_sessions(weeks=4, time_zone="Europe/Madrid")
        cancelled = course.sessions.order_by("starts_at").last()
        cancelled.status = Session.Status.CANCELLED
        cancelled.save()
        booking = BookingFactory(parent=parent, course=course)
        client.force_login(parent)

        response = client.get(reverse("classes:booking_calendar", kwargs={"pk": booking.pk}))

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        assert response["Content-Disposition"] == f'attachment; filename="{course.slug}.ics"'
        body = response.content.decode()
        assert body.count("BEGIN:VEVENT") == 4
        assert "DTSTART;TZID=Europe/Madrid:" in body
        assert "BEGIN:VTIMEZONE" in body
        assert body.count("STATUS:CANCELLED") == 1

    def test_the_meeting_link_is_in_the_calendar_only_for_a_confirmed_place(self, client, parent):
        course = course_with_sessions(capacity=1, online=True, online_link="https://meet.example.org/room-42")
        confirmed = book_course(course, parent=parent, baby=baby_of(parent))
        waiting = book_course(course, parent=parent, baby=baby_of(parent))
        client.force_login(parent)

        def ics(booking):
            return client.get(reverse("classes:booking_calendar", kwargs={"pk": booking.pk})).content.decode()

        assert "room-42" in ics(confirmed)
        assert "room-42" not in ics(waiting)

    def test_another_parents_calendar_is_a_404_and_ones_own_is_not(self, client, parent, other_parent):
        theirs = BookingFactory(parent=other_parent, course=course_with_sessions())
        own = BookingFactory(parent=parent, course=course_with_sessions())
        client.force_login(parent)

        assert client.get(reverse("classes:booking_calendar", kwargs={"pk": theirs.pk})).status_code == 404
        assert client.get(reverse("classes:booking_calendar", kwargs={"pk": own.pk})).status_code == 200
