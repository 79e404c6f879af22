"""Beyond the booking journey (tests/browser/test_languages_journey.py): every page a visitor, a parent,
an instructor and a trainee reach, with its forms' error messages, and every email the platform sends,
read under the pseudo-locale of tests/i18n/pseudo.py. Words outside the ⟦markers⟧ that are not data
escaped translation; the failure lists them page by page.
"""

from __future__ import annotations

import copy
import zoneinfo
from datetime import timedelta
from decimal import Decimal
from itertools import chain

import pytest
from django.test import Client
from django.utils import timezone, translation

from accounts.models import User
from certification.emails import ISSUING_BODY
from certification.models import Certificate, Enrollment, TrainingCourse
from certification.tests.factories import CertificateFactory, EnrollmentFactory, TrainingCourseFactory
from classes.curriculum import CUES, strokes_for
from classes.emails import offer_token
from classes.models import Baby, BookingNotice, Course, CourseMessage, Venue
from classes.services import book_course
from classes.tests.factories import BabyFactory, BookingFactory, CourseFactory, SessionFactory, VenueFactory
from instructors.models import InstructorProfile
from instructors.tests.factories import (
    InstructorBackgroundFactory,
    InstructorLanguageFactory,
    InstructorProfileFactory,
)
from notifications.services import render_email
from payments.models import Payment, Receipt, Refund
from payments.services import issue_credit_note, issue_receipt
from tests.i18n.catalogue import PROJECT_DIR
from tests.i18n.pseudo import PSEUDO, escaped, html_text

pytestmark = pytest.mark.django_db


def data() -> list[str]:
    """Everything people typed, and names: of time zones (as the tz database spells them), of the
    association, the initials standing in for a missing photo. Shown as they are, in any language."""
    values = chain(
        ((zone, zone.replace("_", " ")) for zone in zoneinfo.available_timezones()),
        ((name[0],) for name in InstructorProfile.objects.values_list("display_name", flat=True)),
        [(ISSUING_BODY,)],
        User.objects.values_list("full_name", "email"),
        ((user.get_short_name(),) for user in User.objects.all()),
        Course.objects.values_list("title", "description", "payment_notes", "online_link"),
        Venue.objects.values_list("name", "address", "city", "accessibility_notes"),
        Baby.objects.values_list("first_name", "notes"),
        InstructorProfile.objects.values_list("display_name", "bio", "city"),
        TrainingCourse.objects.values_list("title", "description"),
        Certificate.objects.values_list("number", "name_on_certificate", "public_statement"),
        Receipt.objects.values_list("number", "association_name"),
        CourseMessage.objects.values_list("subject", "body"),
        Enrollment.objects.values_list("experience", "motivation"),
    )
    return [value for row in values for value in row if value]


@pytest.fixture
def world(pseudo_locale, instructor, parent, other_parent, trainee, staff, user_factory):
    """Carol teaches two courses in Madrid (one full) and drafts an online one; Alice has a place on the
    first and waits for the second; Bob has a place on the full one and an offer on the first; Erin is
    in training."""
    for person in (instructor, parent, other_parent, trainee):
        person.preferred_language = PSEUDO
        person.save(update_fields=["preferred_language"])
    profile = InstructorProfileFactory(
        user=instructor, slug="carol", display_name="Carol Castro", bio="Matrona y madre de dos."
    )
    InstructorBackgroundFactory(profile=profile)
    InstructorLanguageFactory(profile=profile, language="es")
    certificate = CertificateFactory(holder=instructor, number="IMC-2026-00042")
    venue = VenueFactory(
        owner=instructor, name="Casa Nido", address="Calle Mayor 3", accessibility_notes="Rampa en la puerta."
    )
    course = CourseFactory(
        instructor=instructor,
        venue=venue,
        title="Masaje infantil",
        description="Cinco sesiones tranquilas.",
        payment_notes="Bizum o efectivo.",
        price=Decimal("92.50"),
        capacity=3,
        min_age_weeks=0,
        max_age_weeks=52,
    )
    full = CourseFactory(
        instructor=instructor, venue=venue, title="Masaje de tarde", capacity=1, max_age_weeks=52
    )
    draft = CourseFactory(instructor=instructor, online=True, draft=True, title="Masaje en línea")
    for each in (course, full, draft):
        for _ in range(5):
            SessionFactory(course=each, topic="")
    ivy = BabyFactory(parent=parent, first_name="Ivy", notes="Nació en la semana 35.", notes_consent=True)
    leo = BabyFactory(parent=other_parent, first_name="Leo")
    booking = BookingFactory(course=course, parent=parent, baby=ivy)
    offered = BookingFactory(course=course, parent=other_parent, baby=leo, offered=True)
    BookingFactory(course=full, parent=other_parent, baby=leo)
    waiting = BookingFactory(course=full, parent=parent, baby=ivy, waitlisted=True)
    cancelled = BookingFactory(course=draft, parent=parent, baby=ivy, cancelled=True)
    # Alice holds a place on Carol's pay-online course while she pays; her earlier card payment was refunded.
    paid_online = CourseFactory(
        instructor=instructor,
        venue=venue,
        title="Masaje con pago en línea",
        payment_mode=Course.PaymentMode.ONLINE,
        max_age_weeks=52,
    )
    for _ in range(5):
        SessionFactory(course=paid_online, topic="")
    held = book_course(paid_online, parent=parent, baby=ivy)
    refunded = Payment.objects.create(
        purpose=Payment.Purpose.BOOKING,
        description=held.payment.description,
        payer=parent,
        amount=9250,
        currency="EUR",
        status=Payment.Status.SUCCEEDED,
        succeeded_at=timezone.now(),
        intent_id="pi_pseudo",
    )
    refund = Refund.objects.create(
        payment=refunded, amount=9250, reason=Refund.Reason.LATE_PAYMENT, status=Refund.Status.SUCCEEDED
    )
    receipt = issue_receipt(refunded)
    credit_note = issue_credit_note(refunded, refund=refund)
    message = CourseMessage.objects.create(
        course=course, sender=instructor, subject="Aparcamiento", body="Hay sitio en la calle de atrás."
    )
    training = TrainingCourseFactory(
        title="Formación en Madrid", trainer=user_factory(full_name="Teresa Ruiz")
    )
    EnrollmentFactory(
        trainee=trainee, training=training, accepted=True, deadline=timezone.localdate() + timedelta(days=150)
    )
    open_training = TrainingCourseFactory(
        title="Formación en línea", format=TrainingCourse.Format.ONLINE, venue=None
    )
    return {
        "instructor": instructor,
        "parent": parent,
        "other_parent": other_parent,
        "trainee": trainee,
        "certificate": certificate,
        "course": course,
        "full": full,
        "draft": draft,
        "booking": booking,
        "offered": offered,
        "waiting": waiting,
        "cancelled": cancelled,
        "ivy": ivy,
        "message": message,
        "training": training,
        "open_training": open_training,
        "held": held,
        "refund": refund,
        "receipt": receipt,
        "credit_note": credit_note,
    }


def client_of(user: User | None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=PSEUDO)
    if user is not None:
        client.force_login(user)
    return client


def test_every_page_and_form_error_is_translated(world):
    course, full, draft = world["course"], world["full"], world["draft"]
    session = course.sessions.order_by("starts_at").first()
    visits = {
        None: [
            "/",
            "/classes/",
            "/classes/?city=Madrid&format=venue&language=es&starts_from=2030-01-01&baby_born=2030-01-01",
            "/classes/?city=Sevilla&starts_from=someday",
            course.get_absolute_url(),
            full.get_absolute_url(),
            "/instructors/",
            "/instructors/?q=Nadie",
            "/instructors/carol/",
            "/training/",
            "/certificates/verify/",
            "/certificates/verify/?number=IMC-2026-99999&surname=Nadie",
            world["certificate"].get_absolute_url(),
            f"/classes/offers/{offer_token(world['offered'])}/",
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/password/reset/",
            "/nowhere/",
        ],
        world["parent"]: [
            "/my/bookings/",
            "/my/babies/",
            "/my/babies/add/",
            f"/my/babies/{world['ivy'].pk}/edit/",
            course.get_absolute_url(),
            full.get_absolute_url(),
            "/my/account/",
            "/my/data/",
            "/my/account/delete/",
            f"/pay/{world['held'].payment_id}/",
            f"/pay/{world['held'].payment_id}/done/",
            "/accounts/email/",
            "/accounts/password/change/",
            "/accounts/logout/",
            "/teach/",
        ],
        world["other_parent"]: ["/my/bookings/", course.get_absolute_url()],
        world["instructor"]: [
            "/teach/",
            "/teach/profile/",
            "/teach/courses/new/",
            f"/teach/courses/{course.pk}/",
            f"/teach/courses/{course.pk}/edit/",
            f"/teach/courses/{course.pk}/roster/",
            f"/teach/courses/{course.pk}/register/",
            f"/teach/courses/{course.pk}/messages/",
            f"/teach/courses/{course.pk}/cancel/",
            f"/teach/courses/{draft.pk}/",
            f"/teach/sessions/{session.pk}/register/",
            f"/teach/sessions/{session.pk}/move/",
            f"/teach/sessions/{session.pk}/cancel/",
            "/teach/certificate/",
        ],
        world["trainee"]: [
            "/training/",
            "/training/progress/",
            f"/training/{world['open_training'].pk}/apply/",
            "/teach/certificate/",
        ],
    }
    posts = {
        world["parent"]: ["/my/babies/add/", "/my/account/", "/my/account/delete/"],
        world["instructor"]: [
            "/teach/courses/new/",
            "/teach/profile/",
            f"/teach/courses/{course.pk}/messages/",
        ],
        world["trainee"]: [f"/training/{world['open_training'].pk}/apply/"],
        None: ["/accounts/signup/", "/accounts/login/"],
    }
    known = data()
    problems = {}
    for user, urls in visits.items():
        client = client_of(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 403, 404), (url, response.status_code)
            if lines := escaped(html_text(response.content.decode()), known):
                problems[f"GET {url} as {user or 'visitor'}"] = lines
    for user, urls in posts.items():
        client = client_of(user)
        for url in urls:
            response = client.post(url, {"q": ""})
            assert response.status_code == 200, (url, response.status_code)
            if lines := escaped(html_text(response.content.decode()), known):
                problems[f"POST {url} as {user or 'visitor'}"] = lines

    assert not problems, "Text outside translation:\n" + "\n".join(
        f"{where}:\n" + "\n".join(f"    {line}" for line in lines) for where, lines in problems.items()
    )


def email_templates() -> list[str]:
    folder = PROJECT_DIR / "templates" / "emails"
    return sorted(path.name.removesuffix(".subject.txt") for path in folder.glob("*.subject.txt"))


@pytest.mark.parametrize("template", email_templates())
def test_every_email_is_translated(world, template):
    booking, course, certificate = world["booking"], world["course"], world["certificate"]
    sessions = list(course.sessions.order_by("starts_at"))
    certificate.public_statement = "Incumplimiento del código ético."
    certificate.save(update_fields=["public_statement"])
    notice = BookingNotice.objects.create(course=course, booking=booking, kind=BookingNotice.Kind.NEW_BOOKING)
    context = {
        "recipient": world["parent"],
        "booking": booking,
        "course": course,
        "sessions": sessions,
        "session": sessions[1],
        "previous_starts_at": sessions[1].starts_at - timedelta(days=1),
        "position": 2,
        "accept_url": "https://nurturingtouch.example/classes/offers/abc/",
        "decline_url": "https://nurturingtouch.example/classes/offers/abc/",
        "strokes": strokes_for("1,2"),
        "cues": list(CUES),
        "message": world["message"],
        "notice": notice,
        "notices": [notice],
        "places_taken": 1,
        "certificate": certificate,
        "verification_url": "https://nurturingtouch.example/certificates/verify/abc/",
        "my_certificate_url": "https://nurturingtouch.example/teach/certificate/",
        "days": 7,
        "enrollment": world["training"].enrollments.get(),
        "training": world["training"],
        "progress_url": "https://nurturingtouch.example/training/progress/",
        "trainings_url": "https://nurturingtouch.example/training/",
        "refund": world["refund"],
        "payment": world["refund"].payment,
        "receipt": world["receipt"],
        "credit_note": world["credit_note"],
    }
    variants = [{"occasion": occasion} for occasion in ("issued", "renewed", "corrected", "resent")]
    variants += [{"had_place": True, "was_waiting": False}, {"had_place": False, "was_waiting": True}]
    # A place paid by card: each share the refund policy may give back (all, part, none).
    paid_booking = copy.copy(booking)
    paid_booking.payment = world["refund"].payment
    paid = {"had_place": True, "was_waiting": False, "refund_online": True, "booking": paid_booking}
    amount = paid_booking.payment.amount
    variants += [{**paid, "refund_amount": share} for share in (amount, amount // 2, 0)]
    known = data()
    problems = {}
    for variant in variants:
        with translation.override("en"):
            email = render_email(template, {**context, **variant}, language=PSEUDO)
        for part, text in (("subject", email.subject), ("text", email.text), ("HTML", html_text(email.html))):
            if lines := escaped(text, known):
                problems[f"{template} {part} {variant}"] = lines

    assert not problems, "Text outside translation:\n" + "\n".join(
        f"{where}:\n" + "\n".join(f"    {line}" for line in lines) for where, lines in problems.items()
    )
