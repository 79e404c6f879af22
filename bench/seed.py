"""Bench data, bulk-inserted: instructors with certificates, published courses, sessions, families, bookings.

The services are the one door for every change in the product, but they take a lock and render an email
per booking, which would make seeding 10,000 bookings take longer than the whole bench; the rows here are
written with bulk_create in the states the services would leave them in (RESULTS.md says so).

Every run also creates the same cast at both sizes, so a page can be measured for the same person on a
small and a large data set: a parent (babies and bookings in every state), an instructor (instructor 0,
whose courses grow with the data), a trainee in the practicum stage and a staff member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from certification.models import Certificate, CertificateNumberSequence, Enrollment, TrainingCourse
from classes.curriculum import curriculum_for_week, topic_title
from classes.models import Attendance, Baby, Booking, Course, Session, Venue
from instructors.models import Background, InstructorBackground, InstructorLanguage, InstructorProfile

PASSWORD = "bench-password-not-secret"
DOMAIN = "bench.example"
BATCH = 2000

# (city, country, time zone, teaching language)
CITIES = [
    ("Madrid", "ES", "Europe/Madrid", "es"),
    ("Barcelona", "ES", "Europe/Madrid", "es"),
    ("Sevilla", "ES", "Europe/Madrid", "es"),
    ("London", "GB", "Europe/London", "en"),
    ("Manchester", "GB", "Europe/London", "en"),
    ("Bristol", "GB", "Europe/London", "en"),
    ("Dublin", "IE", "Europe/Dublin", "en"),
    ("Paris", "FR", "Europe/Paris", "fr"),
    ("Lyon", "FR", "Europe/Paris", "fr"),
    ("Berlin", "DE", "Europe/Berlin", "de"),
    ("Munich", "DE", "Europe/Berlin", "de"),
    ("Stockholm", "SE", "Europe/Stockholm", "sv"),
    ("New York", "US", "America/New_York", "en"),
    ("Chicago", "US", "America/Chicago", "en"),
    ("Denver", "US", "America/Denver", "en"),
    ("Seattle", "US", "America/Los_Angeles", "en"),
    ("Toronto", "CA", "America/Toronto", "en"),
    ("Mexico City", "MX", "America/Mexico_City", "es"),
    ("Sydney", "AU", "Australia/Sydney", "en"),
    ("Auckland", "NZ", "Pacific/Auckland", "en"),
]
FIRST_NAMES = ["Ana", "Ben", "Chloé", "Dara", "Eva", "Femi", "Greta", "Hugo", "Inés", "Jonas", "Kai", "Lena"]
SURNAMES = ["Alvarez", "Brown", "Costa", "Dubois", "Eriksson", "Fischer", "García", "Hughes", "Ito", "Jones"]
BACKGROUNDS = [choice.value for choice in Background]


@dataclass(frozen=True)
class Scale:
    """How much of everything; the cast is the same at every scale, only what they own grows."""

    name: str
    instructors: int
    courses: int
    sessions_per_course: int
    bookings_per_course: int
    trainings: int
    applications_per_training: int
    parent_bookings: tuple[str, ...]
    practicum_families: int


SMALL = Scale(
    name="small",
    instructors=4,
    courses=6,
    sessions_per_course=2,
    bookings_per_course=1,
    trainings=1,
    applications_per_training=1,
    parent_bookings=("confirmed", "offered"),
    practicum_families=1,
)
LARGE = Scale(
    name="large",
    instructors=300,
    courses=1000,
    sessions_per_course=5,
    bookings_per_course=10,
    trainings=8,
    applications_per_training=10,
    parent_bookings=("confirmed", "confirmed", "waitlisted", "offered", "cancelled", "waitlisted"),
    practicum_families=5,
)
SCALES = {scale.name: scale for scale in (SMALL, LARGE)}


@dataclass(frozen=True)
class Cast:
    parent: User
    instructor: User
    trainee: User
    staff: User


def email(local: str) -> str:
    return f"{local}@{DOMAIN}"


def person_name(number: int) -> str:
    return f"{FIRST_NAMES[number % len(FIRST_NAMES)]} {SURNAMES[(number // 7) % len(SURNAMES)]}"


class Seeder:
    def __init__(self, scale: Scale) -> None:
        self.scale = scale
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.password = make_password(PASSWORD)

    def users(self, locals_and_names: list[tuple[str, str]], **fields) -> list[User]:
        return User.objects.bulk_create(
            (User(email=email(local), full_name=name, password=self.password, **fields))
            for local, name in locals_and_names
        )

    def verified(self, users: list[User]) -> None:
        EmailAddress.objects.bulk_create(
            (EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users),
            batch_size=BATCH,
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
            instructors = self.instructors()
            self.certify(instructors, trainer)
            courses = self.courses(instructors)
            self.families(courses)
            self.parent_bookings(parent, courses)
            self.trainings(trainer)
            self.practicum(trainee, trainer)
        return Cast(parent=parent, instructor=instructors[0], trainee=trainee, staff=staff)

    # Instructors, their venues and certificates ---------------------------------------------------

    def instructors(self) -> list[User]:
        count = self.scale.instructors
        users = self.users([(f"instructor{n}", person_name(n)) for n in range(count)])
        self.verified(users)
        self.venues = Venue.objects.bulk_create(
            Venue(
                owner=user,
                name=f"Family centre {n}",
                address=f"{n} Garden Street",
                city=CITIES[n % len(CITIES)][0],
                country=CITIES[n % len(CITIES)][1],
                time_zone=CITIES[n % len(CITIES)][2],
                accessibility_notes="Step-free access, pram parking.",
            )
            for n, user in enumerate(users)
        )
        profiles = InstructorProfile.objects.bulk_create(
            InstructorProfile(
                user=user,
                slug=f"instructor-{n}",
                display_name=user.full_name,
                bio="Nurse and mother of two; I have taught infant massage for six years.",
                city=CITIES[n % len(CITIES)][0],
                country=CITIES[n % len(CITIES)][1],
                offers_private_sessions=n % 3 == 0,
            )
            for n, user in enumerate(users)
        )
        InstructorBackground.objects.bulk_create(
            InstructorBackground(profile=profile, background=BACKGROUNDS[(n + k) % len(BACKGROUNDS)])
            for n, profile in enumerate(profiles)
            for k in range(2)
        )
        InstructorLanguage.objects.bulk_create(
            InstructorLanguage(profile=profile, language=language)
            for n, profile in enumerate(profiles)
            for language in dict.fromkeys([CITIES[n % len(CITIES)][3], "en"])
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
        enrollments = Enrollment.objects.bulk_create(
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
        )
        issued = self.now - timedelta(days=60)
        Certificate.objects.bulk_create(
            Certificate(
                holder=user,
                enrollment=enrollment,
                number=f"IMC-{issued.year}-{n + 1:05d}",
                name_on_certificate=user.full_name,
                issued_at=issued,
                valid_until=issued + timedelta(days=365),
                emailed_version=1,
            )
            for n, (user, enrollment) in enumerate(zip(instructors, enrollments, strict=True))
        )
        CertificateNumberSequence.objects.create(year=issued.year, last=len(instructors))

    # Courses, sessions and the families booked on them ---------------------------------------------

    def courses(self, instructors: list[User]) -> list[Course]:
        courses = []
        for n in range(self.scale.courses):
            owner = n % len(instructors)
            venue = self.venues[owner]
            online = n % 4 == 3
            courses.append(
                Course(
                    instructor=instructors[owner],
                    title=f"Baby massage, five weeks ({venue.city}) #{n}",
                    slug=f"baby-massage-five-weeks-{n}",
                    description="Five weekly sessions for parents and babies from four weeks old.",
                    format=Course.Format.ONLINE if online else Course.Format.VENUE,
                    venue=None if online else venue,
                    online_link="https://meet.example.org/course" if online else "",
                    time_zone=venue.time_zone,
                    language=CITIES[owner % len(CITIES)][3] if n % 3 else "en",
                    capacity=(8, 10, 12)[n % 3],
                    price=Decimal(60 + n % 5 * 10),
                    currency="EUR",
                    min_age_weeks=4,
                    max_age_weeks=30,
                    status=Course.Status.PUBLISHED,
                    published_at=self.now - timedelta(days=10),
                )
            )
        courses = Course.objects.bulk_create(courses, batch_size=BATCH)
        weeks = self.scale.sessions_per_course
        Session.objects.bulk_create(
            (
                Session(
                    course=course,
                    starts_at=start,
                    week_number=week,
                    curriculum=curriculum_for_week(weeks, week),
                    topic=topic_title(curriculum_for_week(weeks, week)),
                )
                for n, course in enumerate(courses)
                for week, start in enumerate(self.weekly(course, first=self.today + timedelta(3 + n % 90)), 1)
            ),
            batch_size=BATCH,
        )
        return courses

    def weekly(self, course: Course, *, first: date, weeks: int | None = None) -> list[datetime]:
        zone = ZoneInfo(course.time_zone)
        at = time(9 + course.pk % 4, 30)
        return [
            datetime.combine(first + timedelta(weeks=week), at, tzinfo=zone)
            for week in range(weeks or self.scale.sessions_per_course)
        ]

    def families(self, courses: list[Course]) -> None:
        """bookings_per_course families per course; each baby is booked on two courses. Per course: a
        cancellation every ninth booking, places confirmed up to capacity (every fifth full course has its
        last place offered to a waiting family), then the waitlist."""
        per_course = self.scale.bookings_per_course
        total = len(courses) * per_course
        baby_count = total // 2
        parents = self.users([(f"family{n}", person_name(n + 3)) for n in range(baby_count)])
        babies = Baby.objects.bulk_create(
            (
                Baby(parent=parent, first_name=FIRST_NAMES[n % len(FIRST_NAMES)], date_of_birth=self.dob(8))
                for n, parent in enumerate(parents)
            ),
            batch_size=BATCH,
        )
        bookings = []
        for c, course in enumerate(courses):
            held = 0
            for j in range(per_course):
                baby = babies[(c * per_course + j) % baby_count]
                booking = Booking(
                    course=course,
                    baby=baby,
                    parent_id=baby.parent_id,
                    created_at=self.now - timedelta(days=5, minutes=per_course - j),
                )
                if j % 9 == 8:
                    booking.status = Booking.Status.CANCELLED
                    booking.cancel_reason = Booking.CancelReason.BY_PARENT
                    booking.cancelled_at = self.now - timedelta(days=1)
                elif held < course.capacity:
                    held += 1
                    if held == course.capacity and c % 5 == 0:
                        booking.status = Booking.Status.OFFERED
                        booking.waitlisted_at = booking.created_at
                        booking.offer_expires_at = self.now + timedelta(hours=20)
                    else:
                        booking.status = Booking.Status.CONFIRMED
                        booking.confirmed_at = booking.created_at
                else:
                    booking.status = Booking.Status.WAITLISTED
                    booking.waitlisted_at = booking.created_at
                bookings.append(booking)
        Booking.objects.bulk_create(bookings, batch_size=BATCH)

    def dob(self, weeks_old: int) -> date:
        return self.today - timedelta(weeks=weeks_old)

    def parent_bookings(self, parent: User, courses: list[Course]) -> None:
        """The cast's parent: one baby per booking, on the last courses (which other families fill too)."""
        statuses = self.scale.parent_bookings
        babies = Baby.objects.bulk_create(
            Baby(parent=parent, first_name=f"{FIRST_NAMES[n]}", date_of_birth=self.dob(6 + n))
            for n in range(len(statuses))
        )
        bookings = []
        for n, (status, baby) in enumerate(zip(statuses, babies, strict=True)):
            course = courses[-1 - n]
            booking = Booking(course=course, baby=baby, parent=parent, status=status)
            if status == Booking.Status.CONFIRMED:
                booking.confirmed_at = self.now - timedelta(days=2)
            elif status == Booking.Status.CANCELLED:
                booking.cancel_reason = Booking.CancelReason.BY_PARENT
                booking.cancelled_at = self.now - timedelta(days=1)
            else:
                booking.waitlisted_at = self.now - timedelta(days=2)
                if status == Booking.Status.OFFERED:
                    booking.offer_expires_at = self.now + timedelta(hours=20)
            bookings.append(booking)
        Booking.objects.bulk_create(bookings)

    # Trainings, applications and a trainee in the practicum stage --------------------------------

    def trainings(self, trainer: User) -> None:
        trainings = TrainingCourse.objects.bulk_create(
            TrainingCourse(
                trainer=trainer,
                title=f"Instructor training {n + 1}",
                starts_on=self.today + timedelta(days=30 + 14 * n),
                ends_on=self.today + timedelta(days=33 + 14 * n),
                format=TrainingCourse.Format.ONLINE if n % 2 else TrainingCourse.Format.IN_PERSON,
                venue=None if n % 2 else self.venues[0],
                online_link="https://meet.example.org/training" if n % 2 else "",
                time_zone="Europe/Madrid",
                capacity=16,
                fee=Decimal("620"),
            )
            for n in range(self.scale.trainings)
        )
        applicants = self.users(
            [
                (f"applicant{t}-{n}", person_name(t + n))
                for t in range(len(trainings))
                for n in range(self.scale.applications_per_training)
            ]
        )
        Enrollment.objects.bulk_create(
            Enrollment(
                trainee=applicant,
                training=trainings[n // self.scale.applications_per_training],
                background=Background.NURSE.label,
                experience="Neonatal nurse.",
                motivation="To help families.",
                status=Enrollment.Status.ACCEPTED if n % 2 else Enrollment.Status.APPLIED,
            )
            for n, applicant in enumerate(applicants)
        )

    def practicum(self, trainee: User, trainer: User) -> None:
        """A trainee a month out of training, teaching a practicum course that started 24 days ago (no
        session within a day, so the reminder bench counts only its own), families present so far."""
        ended = self.today - timedelta(days=30)
        training = TrainingCourse.objects.create(
            trainer=trainer,
            title="Instructor training (trainee cohort)",
            starts_on=ended - timedelta(days=3),
            ends_on=ended,
            time_zone="Europe/Madrid",
            fee=Decimal("600"),
            is_published=False,
        )
        Enrollment.objects.create(
            trainee=trainee,
            training=training,
            status=Enrollment.Status.ACCEPTED,
            training_attended=True,
            exam_score=85,
            fee_paid=False,
            deadline=ended + timedelta(days=180),
            decided_at=self.now - timedelta(days=60),
        )
        venue = Venue.objects.create(
            owner=trainee,
            name="Trainee's practicum room",
            address="1 Practice Road",
            city="Madrid",
            country="ES",
            time_zone="Europe/Madrid",
        )
        course = Course.objects.create(
            instructor=trainee,
            title="Practicum: baby massage",
            slug="practicum-baby-massage",
            venue=venue,
            time_zone=venue.time_zone,
            capacity=6,
            status=Course.Status.PUBLISHED,
            is_practicum=True,
            published_at=self.now - timedelta(days=28),
        )
        sessions = Session.objects.bulk_create(
            Session(
                course=course,
                starts_at=start,
                week_number=week,
                curriculum=curriculum_for_week(5, week),
                topic=topic_title(curriculum_for_week(5, week)),
            )
            for week, start in enumerate(
                self.weekly(course, first=self.today - timedelta(days=24), weeks=5), 1
            )
        )
        held = [session for session in sessions if session.starts_at < self.now]
        parents = self.users(
            [(f"practicum-family{n}", person_name(n)) for n in range(self.scale.practicum_families)]
        )
        babies = Baby.objects.bulk_create(
            Baby(parent=parent, first_name="Mia", date_of_birth=self.dob(10)) for parent in parents
        )
        bookings = Booking.objects.bulk_create(
            Booking(
                course=course,
                baby=baby,
                parent=baby.parent,
                status=Booking.Status.CONFIRMED,
                confirmed_at=self.now - timedelta(days=27),
            )
            for baby in babies
        )
        Attendance.objects.bulk_create(
            Attendance(booking=booking, session=session, status=Attendance.Status.PRESENT, marked_by=trainee)
            for booking in bookings
            for session in held
        )


def seed(scale: Scale) -> Cast:
    return Seeder(scale).run()


def cast() -> Cast:
    """The cast of an already seeded database."""
    by_email = {
        user.email: user for user in User.objects.filter(email__in=[email(local) for local in _CAST.values()])
    }
    return Cast(**{role: by_email[email(local)] for role, local in _CAST.items()})


_CAST = {"parent": "parent", "instructor": "instructor0", "trainee": "trainee", "staff": "staff"}


def counts() -> dict[str, int]:
    return {
        "instructors": InstructorProfile.objects.count(),
        "published courses": Course.objects.filter(status=Course.Status.PUBLISHED).count(),
        "sessions": Session.objects.count(),
        "bookings": Booking.objects.count(),
        "users": User.objects.count(),
    }


def main(out: str, scale: str) -> dict:
    from django.db import connection

    seed(SCALES[scale])
    with connection.cursor() as cursor:
        # Fresh statistics, or the planner guesses at tables it has never seen full.
        cursor.execute("ANALYZE")
    return counts()
