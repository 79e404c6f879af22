"""The catalog in bulk: instructors with venues, profiles and certificates; courses upcoming, past and
draft with their sessions; the families booked on them."""

from __future__ import annotations

import functools
import math
import time
from datetime import date, timedelta
from datetime import time as clock
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from bench.bulk import insert
from bench.seed.cast import CastSeeding
from bench.seed.shapes import (
    BACKGROUNDS,
    CITIES,
    FAMILIES_PER_COURSE,
    FAMILIES_PER_PAST_COURSE,
    FIRST_NAMES,
    LANGUAGE_OF_CITY,
    PASSWORD,
    Cast,
    Size,
    email,
    person_name,
    sessions_for,
    set_first_session_at,
    weekly,
)
from certification.models import Certificate, CertificateNumberSequence, Enrollment, TrainingCourse
from classes.models import Baby, Booking, Course, Session, Venue
from classes.places import find_place
from instructors.models import InstructorBackground, InstructorLanguage, InstructorProfile


@functools.cache
def _centre(city: str, country: str):
    return find_place(city, country=country)


def city_centre(n: int):
    """The centre of the n-th instructor's city (CITIES), as the services place a profile."""
    city, country = CITIES[n % len(CITIES)][:2]
    return _centre(city, country)


def venue_position(n: int) -> tuple[float, float]:
    """The n-th venue somewhere within about 30 km of its city's centre, spread evenly and the same every
    run, so that "near me" at 25 km finds some of a city's venues and not others."""
    centre = city_centre(n)
    bearing = math.radians((n * 137.508) % 360)
    kilometres = 30 * math.sqrt(((n * 7919) % 1000) / 1000)
    north = kilometres * math.cos(bearing) / 111.2
    east = kilometres * math.sin(bearing) / (111.2 * math.cos(math.radians(centre.latitude)))
    return centre.latitude + north, centre.longitude + east


class Seeder(CastSeeding):
    def __init__(self, size: Size) -> None:
        self.size = size
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.password = make_password(PASSWORD)
        self.seconds: dict[str, float] = {}

    def timed(self, name: str, work, *args):
        started = time.perf_counter()
        result = work(*args)
        self.seconds[name] = round(time.perf_counter() - started, 2)
        return result

    def users(self, locals_and_names: list[tuple[str, str]], **fields) -> list[User]:
        return insert(
            User,
            (
                (User(email=email(local), full_name=name, password=self.password, **fields))
                for local, name in locals_and_names
            ),
        )

    def verified(self, users: list[User]) -> None:
        insert(
            EmailAddress,
            (EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users),
        )

    def run(self) -> Cast:
        with transaction.atomic():
            staff, trainer, parent, trainee = self.users(
                [
                    ("staff", "Sam Staff"),
                    ("trainer", "Tess Trainer"),
                    ("parent", "Pat Parent"),
                    ("trainee", "Tom Trainee"),
                ]
            )
            User.objects.filter(pk__in=[staff.pk, trainer.pk]).update(is_staff=True)
            User.objects.filter(pk=staff.pk).update(is_superuser=True)
            staff.refresh_from_db()
            self.verified([staff, trainer, parent, trainee])
            instructors = self.timed("instructors", self.instructors)
            self.timed("certificates", self.certify, instructors, trainer)
            upcoming, past = self.timed("courses and sessions", self.courses, instructors)
            self.timed("families and bookings", self.families, upcoming, past)
            self.timed("the cast", self.cast, parent, trainee, trainer, instructors[0], upcoming, past)
            self.timed("first_session_at", set_first_session_at)
        return Cast(parent=parent, instructor=instructors[0], trainee=trainee, staff=staff)

    # Instructors, their venues and certificates ---------------------------------------------------

    def instructors(self) -> list[User]:
        count = self.size.instructors
        users = insert(
            User,
            (
                User(email=email(f"instructor{n}"), full_name=person_name(n), password=self.password)
                for n in range(count)
            ),
        )
        self.verified(users)
        self.venues = insert(
            Venue,
            (
                Venue(
                    owner=user,
                    name=f"Family centre {n}",
                    address=f"{n} Garden Street",
                    city=CITIES[n % len(CITIES)][0],
                    country=CITIES[n % len(CITIES)][1],
                    time_zone=CITIES[n % len(CITIES)][2],
                    accessibility_notes="Step-free access, pram parking.",
                    **dict(zip(("latitude", "longitude"), venue_position(n), strict=True)),
                )
                for n, user in enumerate(users)
            ),
        )
        profiles = insert(
            InstructorProfile,
            (
                InstructorProfile(
                    user=user,
                    slug=f"instructor-{n}",
                    display_name=user.full_name,
                    bio="Nurse and mother of two; I have taught infant massage for six years.",
                    city=CITIES[n % len(CITIES)][0],
                    country=CITIES[n % len(CITIES)][1],
                    latitude=city_centre(n).latitude,
                    longitude=city_centre(n).longitude,
                    offers_private_sessions=n % 3 == 0,
                )
                for n, user in enumerate(users)
            ),
        )
        insert(
            InstructorBackground,
            (
                InstructorBackground(profile=profile, background=BACKGROUNDS[(n + k) % len(BACKGROUNDS)])
                for n, profile in enumerate(profiles)
                for k in range(2)
            ),
        )
        insert(
            InstructorLanguage,
            (
                InstructorLanguage(profile=profile, language=language)
                for n, profile in enumerate(profiles)
                for language in dict.fromkeys([CITIES[n % len(CITIES)][3], "en"])
            ),
        )
        return users

    def certify(self, instructors: list[User], trainer: User) -> None:
        starts = self.today - timedelta(days=300)
        training = TrainingCourse.objects.create(
            trainer=trainer,
            title="Instructor training (bench cohort)",
            starts_on=starts,
            ends_on=starts + timedelta(days=3),
            format=TrainingCourse.Format.ONLINE,
            online_link="https://meet.example.org/training",
            fee=Decimal("600"),
            is_published=False,
        )
        enrollments = insert(
            Enrollment,
            (
                Enrollment(
                    trainee=user,
                    training=training,
                    status=Enrollment.Status.CERTIFIED,
                    training_attended=True,
                    exam_score=90,
                    fee_paid=True,
                    deadline=starts + timedelta(days=180),
                    applied_at=self.now - timedelta(days=360),
                    decided_at=self.now - timedelta(days=350),
                )
                for user in instructors
            ),
        )
        issued = self.now - timedelta(days=60)
        insert(
            Certificate,
            (
                Certificate(
                    holder=user,
                    enrollment=enrollment,
                    number=f"IMC-{issued.year}-{n + 1:05d}",
                    name_on_certificate=user.full_name,
                    issued_at=issued,
                    valid_until=issued + timedelta(days=365),
                    email_version=1,
                    emailed_version=1,
                )
                for n, (user, enrollment) in enumerate(zip(instructors, enrollments, strict=True))
            ),
        )
        CertificateNumberSequence.objects.create(year=issued.year, last=len(instructors))

    # Courses and sessions -------------------------------------------------------------------------

    def course(self, n: int, instructor: User, venue: Venue, **fields) -> Course:
        online = n % 4 == 3
        return Course(
            instructor=instructor,
            title=f"Baby massage, five weeks ({venue.city}) #{n}",
            slug=f"baby-massage-five-weeks-{n}",
            description="Five weekly sessions for parents and babies from four weeks old.",
            format=Course.Format.ONLINE if online else Course.Format.VENUE,
            venue=None if online else venue,
            online_link="https://meet.example.org/course" if online else "",
            time_zone=venue.time_zone,
            language=LANGUAGE_OF_CITY[venue.city] if n % 3 else "en",
            capacity=(8, 10, 12)[n % 3],
            price=Decimal(60 + n % 5 * 10),
            currency="EUR",
            min_age_weeks=4,
            max_age_weeks=30,
            **fields,
        )

    def courses(self, instructors: list[User]) -> tuple[list[Course], list[Course]]:
        """Upcoming published courses (first session 3 to 92 days ahead, so none is due a reminder during
        the run; one in 25 has its first week cancelled), past ones (all sessions over) and drafts. Owners
        are the first 40 % of the instructors, never instructor 0, whose courses are the cast's."""
        size = self.size
        owners = max(int(0.4 * len(instructors)), 2)
        published = {"status": Course.Status.PUBLISHED, "published_at": self.now - timedelta(days=10)}
        upcoming, past, drafts = [], [], []
        for n in range(size.courses):
            owner = 1 + n % (owners - 1)
            upcoming.append(self.course(n, instructors[owner], self.venues[owner], **published))
        for n in range(size.past_courses):
            owner = 1 + (n * 7) % (owners - 1)
            past.append(
                self.course(
                    size.courses + n,
                    instructors[owner],
                    self.venues[owner],
                    status=Course.Status.PUBLISHED,
                    published_at=self.now - timedelta(days=150),
                )
            )
        for n in range(size.draft_courses):
            owner = 1 + (n * 11) % (owners - 1)
            drafts.append(
                self.course(size.courses + size.past_courses + n, instructors[owner], self.venues[owner])
            )
        created = insert(Course, [*upcoming, *past, *drafts])
        upcoming = created[: len(upcoming)]
        past = created[len(upcoming) : len(upcoming) + len(past)]
        drafts = created[len(upcoming) + len(past) :]
        sessions = []
        for n, course in enumerate(upcoming):
            starts = weekly(
                course.time_zone, first=self.today + timedelta(days=3 + n % 90), at=clock(9 + n % 4, 30)
            )
            sessions += sessions_for(course, starts, cancelled_weeks=(1,) if n % 25 == 7 else ())
        for n, course in enumerate(past):
            first = self.today - timedelta(days=60 + n % 90)
            sessions += sessions_for(course, weekly(course.time_zone, first=first, at=clock(10 + n % 4)))
        for n, course in enumerate(drafts):
            first = self.today + timedelta(days=20 + n % 60)
            sessions += sessions_for(course, weekly(course.time_zone, first=first, at=clock(16)))
        insert(Session, sessions)
        return upcoming, past

    # Families and their bookings ------------------------------------------------------------------

    def families(self, upcoming: list[Course], past: list[Course]) -> None:
        """Ten families per upcoming course and eight per past one; each baby is booked on two courses.
        Per course: every ninth booking cancelled by the parent, places confirmed up to capacity (every
        fifth full course has its last place offered to a waiting family), then the waitlist."""
        total = len(upcoming) * FAMILIES_PER_COURSE + len(past) * FAMILIES_PER_PAST_COURSE
        baby_count = total // 2
        parents = insert(
            User,
            (
                User(email=email(f"family{n}"), full_name=person_name(n + 3), password=self.password)
                for n in range(baby_count)
            ),
        )
        babies = insert(
            Baby,
            (
                Baby(
                    parent=parent,
                    first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
                    date_of_birth=self.dob(8 + n % 10),
                )
                for n, parent in enumerate(parents)
            ),
        )
        bookings = []
        slot = 0
        for c, course in enumerate([*upcoming, *past]):
            is_past = c >= len(upcoming)
            per_course = FAMILIES_PER_PAST_COURSE if is_past else FAMILIES_PER_COURSE
            held = 0
            for j in range(per_course):
                baby = babies[slot % baby_count]
                slot += 1
                booked = self.now - timedelta(days=90 if is_past else 5, minutes=per_course - j)
                booking = Booking(course=course, baby=baby, parent_id=baby.parent_id, created_at=booked)
                if j % 9 == 8:
                    booking.status = Booking.Status.CANCELLED
                    booking.cancel_reason = Booking.CancelReason.BY_PARENT
                    booking.cancelled_at = booked + timedelta(days=1)
                elif held < course.capacity:
                    held += 1
                    if held == course.capacity and c % 5 == 0 and not is_past:
                        booking.status = Booking.Status.OFFERED
                        booking.waitlisted_at = booked
                        booking.offer_expires_at = self.now + timedelta(hours=20)
                    else:
                        booking.status = Booking.Status.CONFIRMED
                        booking.confirmed_at = booked
                        booking.is_paid = j % 2 == 0
                else:
                    booking.status = Booking.Status.WAITLISTED
                    booking.waitlisted_at = booked
                bookings.append(booking)
        insert(Booking, bookings)

    def dob(self, weeks_old: int) -> date:
        return self.today - timedelta(weeks=weeks_old)
