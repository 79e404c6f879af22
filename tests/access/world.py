"""A small, real world for the access sweep and the accessibility audit: every object a URL can name,
owned by someone, made through the services as people would make them.

Alice (parent) has Oliver booked on Carol's course, Ivy offered a place on Carol's full course and Maya
not booked yet. Carol (instructor) is certified with a public profile and photo, a published course, a
full one and a draft. Bob (another parent) has his own baby booked on Dave's course; Dave (another
instructor) is certified too. Erin (trainee) has applied for a training. Nobody outside that family or
that course has any reason to see Oliver, Carol's draft or Erin's application.

The association's staff sign in to Django admin: Pat (staff, in no group), Trudy (a trainer, who leads
Erin's training), Amara (a certification admin) and Tomás (a course coordinator, who may act on any
course, on the record). Greg, another trainer, leads a training Greta applied for; Trudy has no reason
to see Greta's application. Being staff opens admin and nothing else: only the groups' permissions do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from io import BytesIO

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.models import CERTIFICATION_ADMINS_GROUP, COURSE_COORDINATORS_GROUP, TRAINERS_GROUP, User
from accounts.tests.factories import UserFactory
from certification.models import Certificate, Enrollment, TrainingCourse
from certification.services import current_credential
from certification.tests.factories import CertificateFactory, EnrollmentFactory, TrainingCourseFactory
from classes.models import Baby, Booking, CalendarFeed, Course, Session
from classes.services import (
    SessionPlan,
    book_course,
    cancel_booking,
    cancel_session,
    create_baby,
    create_course,
    create_venue,
    mark_course_published,
)
from classes.services.calendars import renew_calendar_feed
from instructors.models import InstructorProfile
from instructors.services import save_profile
from notifications.models import OutgoingEmail
from notifications.services import render_deferred_email
from payments.gateway import Intent
from payments.models import Payment
from payments.services import record_offline_payment, record_success

# What only the owner may see: none of these may appear on a page someone else gets.
ALICE_BABY = "Oliver"
ALICE_NOTES = "Born three weeks early; loves the hug-and-glide."
CAROL_DRAFT = "Carol's draft: Sunday mornings"
CAROL_BIO = "Midwife in Chamberí since 2012, mother of two."
ERIN_EXPERIENCE = "Eleven years on the neonatal ward at Hospital La Paz."
# Greta applied for Greg's training: Trudy, who trains in Madrid, never sees her application.
OTHER_TRAINEE = "Greta Gómez"


@dataclass(frozen=True)
class World:
    parent: User
    other_parent: User
    instructor: User
    other_instructor: User
    trainee: User
    course: Course
    full_course: Course
    draft: Course
    other_course: Course
    session: Session
    booking: Booking
    offered: Booking
    baby: Baby
    unbooked_baby: Baby
    profile: InstructorProfile
    certificate: Certificate
    other_certificate: Certificate
    training: TrainingCourse
    enrollment: Enrollment
    staff_member: User
    trainer: User
    certification_admin: User
    coordinator: User
    other_trainer: User
    other_training: TrainingCourse
    other_enrollment: Enrollment
    calendar_feed: CalendarFeed  # Alice's "all my sessions" calendar
    held: Booking  # Alice's place on Carol's pay-online course, held while she pays
    paid: Booking  # Fay's place on that course, paid by card
    cancelled_session: Session  # a cancelled session of that course: Fay may get part of her payment back


def make_course(instructor: User, *, title: str, days_ahead: int, capacity: int = 6, publish=True) -> Course:
    """A five-week course at the instructor's venue in Madrid, sessions at 18:00 local time."""
    venue = instructor.venues.first() or create_venue(
        instructor,
        name=f"Casa Nido ({instructor.full_name})",
        address="Calle Mayor 3",
        city="Madrid",
        country="ES",
        time_zone="Europe/Madrid",
    )
    first = datetime.combine(timezone.localdate() + timedelta(days=days_ahead), datetime.min.time())
    course = create_course(
        instructor,
        title=title,
        description="Five gentle weeks for parents and babies.",
        plan=SessionPlan(first_local=first.replace(hour=18), weeks=5, duration_minutes=75),
        time_zone="Europe/Madrid",
        venue=venue,
        capacity=capacity,
        price=Decimal("90"),
        min_age_weeks=0,
        max_age_weeks=52,
    )
    return mark_course_published(course, actor=course.instructor) if publish else course


def add_baby(parent: User, first_name: str, *, weeks_old: int = 7, notes: str = "") -> Baby:
    return create_baby(
        parent,
        first_name=first_name,
        date_of_birth=timezone.localdate() - timedelta(weeks=weeks_old),
        notes=notes,
        notes_consent=bool(notes),
    )


def portrait() -> SimpleUploadedFile:
    """A small photo as an instructor would upload it; the profile service re-encodes it as JPEG."""
    buffer = BytesIO()
    Image.new("RGB", (64, 64), (120, 160, 140)).save(buffer, format="PNG")
    return SimpleUploadedFile("carol.png", buffer.getvalue(), content_type="image/png")


def person(email: str, full_name: str, *, groups: tuple[str, ...] = (), **extra) -> User:
    """A verified account, in the named groups (the real ones, made by the data migrations)."""
    user = UserFactory(email=email, full_name=full_name, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    user.groups.add(*(Group.objects.get(name=name) for name in groups))
    return user


def cast() -> dict[str, User]:
    """The root conftest's Alice, Bob, Carol, Dave and Erin, for a world built once per module, outside any
    test's fixtures."""
    return {
        "parent": person("alice@example.org", "Alice Alvarez"),
        "other_parent": person("bob@example.org", "Bob Baker"),
        "instructor": person("carol@example.org", "Carol Castro"),
        "other_instructor": person("dave@example.org", "Dave Dunn"),
        "trainee": person("erin@example.org", "Erin Evans"),
    }


def build_world(
    *, parent: User, other_parent: User, instructor: User, other_instructor: User, trainee: User
) -> World:
    certificate = CertificateFactory(holder=instructor)
    other_certificate = CertificateFactory(holder=other_instructor)
    # As issuing does: each certificate's signed credential and its place in a revocation list.
    for issued in (certificate, other_certificate):
        current_credential(issued)
    profile = save_profile(
        instructor,
        display_name=instructor.full_name,
        bio=CAROL_BIO,
        city="Madrid",
        country="ES",
        photo=portrait(),
    )
    save_profile(other_instructor, display_name=other_instructor.full_name, city="Sevilla", country="ES")

    course = make_course(instructor, title="Baby massage in Chamberí", days_ahead=10)
    full_course = make_course(instructor, title="Baby massage, Thursday mornings", days_ahead=13, capacity=1)
    draft = make_course(instructor, title=CAROL_DRAFT, days_ahead=45, publish=False)
    other_course = make_course(other_instructor, title="Masaje infantil en Triana", days_ahead=11)

    baby = add_baby(parent, ALICE_BABY, notes=ALICE_NOTES)
    booking = book_course(course, parent=parent, baby=baby)
    unbooked_baby = add_baby(parent, "Maya", weeks_old=5)

    # Ivy waits for Carol's full course; the family holding the place cancels, and the place is offered.
    holder = User.objects.create_user(email="fay@example.org", password=None, full_name="Fay Flores")
    holding = book_course(full_course, parent=holder, baby=add_baby(holder, "Hugo"))
    waiting = book_course(full_course, parent=parent, baby=add_baby(parent, "Ivy", weeks_old=9))
    cancel_booking(holding, by=holder)
    offered = Booking.objects.get(pk=waiting.pk)
    assert offered.status == Booking.Status.OFFERED

    book_course(other_course, parent=other_parent, baby=add_baby(other_parent, "Leo"))

    # Carol's pay-online course: Alice has booked Nico a place and has not paid yet.
    paid_course = make_course(instructor, title="Baby massage, paid online", days_ahead=16)
    Course.objects.filter(pk=paid_course.pk).update(payment_mode=Course.PaymentMode.ONLINE)
    paid_course.refresh_from_db()
    held = book_course(paid_course, parent=parent, baby=add_baby(parent, "Nico", weeks_old=6))
    assert held.status == Booking.Status.PENDING_PAYMENT
    # Fay has paid her place on it by card (recorded as Stripe's webhook records it), and Carol cancelled
    # its second week: the roster offers Fay part of her payment back.
    paying = book_course(paid_course, parent=holder, baby=add_baby(holder, "Pia"))
    intent = Intent(
        id="pi_world_fay",
        status="succeeded",
        amount=paying.payment.amount,
        currency=paying.payment.currency.lower(),
        client_secret="",
        charge_id="ch_world_fay",
        error_code="",
        metadata={},
    )
    record_success(paying.payment, intent)
    paid = Booking.objects.select_related("payment").get(pk=paying.pk)
    assert paid.status == Booking.Status.CONFIRMED
    cancelled_session = cancel_session(paid_course.sessions.order_by("starts_at")[1], actor=instructor)

    # The association's staff, at addresses apart from the root conftest's cast, so a test may use both.
    staff_member = person("pat@association.example.org", "Pat Palacios", is_staff=True)
    trainer = person("trudy@association.example.org", "Trudy Torres", is_staff=True, groups=(TRAINERS_GROUP,))
    other_trainer = person(
        "greg@association.example.org", "Greg Gil", is_staff=True, groups=(TRAINERS_GROUP,)
    )
    certification_admin = person(
        "amara@association.example.org", "Amara Okafor", is_staff=True, groups=(CERTIFICATION_ADMINS_GROUP,)
    )
    coordinator = person(
        "tomas@association.example.org", "Tomás Herrera", is_staff=True, groups=(COURSE_COORDINATORS_GROUP,)
    )
    # Alice paid Carol in cash for an earlier course: the receipt is Alice's alone to download.
    record_offline_payment(
        purpose=Payment.Purpose.BOOKING,
        payer=parent,
        description=f"“{course.title}”, a place for {ALICE_BABY}",
        amount=9000,
        currency="EUR",
        method=Payment.Method.CASH,
        recorded_by=instructor,
    )

    training = TrainingCourseFactory(title="Instructor training — Madrid, spring", trainer=trainer)
    enrollment = EnrollmentFactory(trainee=trainee, training=training, experience=ERIN_EXPERIENCE)
    other_training = TrainingCourseFactory(
        title="Instructor training — Sevilla, autumn", trainer=other_trainer
    )
    other_enrollment = EnrollmentFactory(
        trainee=UserFactory(email="greta@example.org", full_name=OTHER_TRAINEE), training=other_training
    )
    # The delivery worker renders booking emails; none runs here, so render them as it would, now: a
    # request in the sweep must find the world as it is, not render it then (the .ics is swept too).
    for email in OutgoingEmail.objects.exclude(renderer="").filter(rendered_at__isnull=True):
        render_deferred_email(email)
    return World(
        parent=parent,
        other_parent=other_parent,
        instructor=instructor,
        other_instructor=other_instructor,
        trainee=trainee,
        course=course,
        full_course=full_course,
        draft=draft,
        other_course=other_course,
        session=course.sessions.order_by("starts_at").first(),
        booking=booking,
        offered=offered,
        baby=baby,
        unbooked_baby=unbooked_baby,
        profile=profile,
        certificate=certificate,
        other_certificate=other_certificate,
        training=training,
        enrollment=enrollment,
        staff_member=staff_member,
        trainer=trainer,
        certification_admin=certification_admin,
        coordinator=coordinator,
        other_trainer=other_trainer,
        other_training=other_training,
        other_enrollment=other_enrollment,
        calendar_feed=renew_calendar_feed(parent, kind=CalendarFeed.Kind.BOOKINGS),
        held=held,
        paid=paid,
        cancelled_session=cancelled_session,
    )
