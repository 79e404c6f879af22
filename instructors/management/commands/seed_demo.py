"""`manage.py seed_demo`: demo logins, certified instructors, trainings and a dozen upcoming courses.

Safe to run again: everything is found by its natural key (emails, titles per instructor or trainer,
a baby's first name per parent) and only what is missing is created. Current state goes through the
services, as a person clicking through the site would; history that no service can create (a training
that ended months ago, the practicum courses taught then, with their sessions and register) is written
with the ORM, and so are trainings and applications, for which there is no service yet.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import TRAINERS_GROUP, User
from certification.models import Enrollment, TrainingCourse
from certification.services import accept_enrollment, issue_certificate, record_training_outcome
from classes.curriculum import curriculum_for_week, topic_title
from classes.models import Attendance, Baby, Booking, Course, Session, Venue
from classes.services import (
    BookingError,
    SessionPlan,
    book_course,
    create_baby,
    create_course,
    create_venue,
    weekly_start_times,
)
from instructors.models import Background, InstructorProfile
from instructors.services import PublishingError, publish_course, save_profile

DOMAIN = "demo.nurturingtouch.example"
PASSWORD = "demo-password-2026"


def email(local: str) -> str:
    return f"{local}@{DOMAIN}"


@dataclass(frozen=True)
class VenueSpec:
    name: str
    address: str
    city: str
    country: str
    time_zone: str
    accessibility_notes: str


@dataclass(frozen=True)
class InstructorSpec:
    key: str
    full_name: str
    language: str
    bio: str
    backgrounds: tuple[str, ...]
    languages: tuple[str, ...]
    venue: VenueSpec
    offers_private_sessions: bool = False


@dataclass(frozen=True)
class HistorySpec:
    """How a certified instructor got there: exam, practicum after the training, certificate issued."""

    exam_score: int
    practicum_after_days: int
    issued_days_ago: int
    practicum_title: str
    currency: str


@dataclass(frozen=True)
class CourseSpec:
    key: str
    instructor: str
    title: str
    language: str
    in_days: int
    at: time
    capacity: int
    price: str
    currency: str
    weeks: int = 5
    minutes: int = 60
    min_age: int = 4
    max_age: int = 30
    online_link: str = ""
    online_time_zone: str = ""
    is_practicum: bool = False


@dataclass(frozen=True)
class FamilySpec:
    local: str
    full_name: str
    language: str
    time_zone: str
    babies: tuple[tuple[str, int], ...]  # first name, age in weeks today
    courses: tuple[str, ...]  # every baby of the family is booked on each


MADRID = "Europe/Madrid"
LONDON = "Europe/London"
NEW_YORK = "America/New_York"

INSTRUCTORS = (
    InstructorSpec(
        "instructor",
        "Lucía Fernández",
        "es",
        "Matrona desde hace doce años y madre de dos. I teach in Spanish and English, in small, calm groups "
        "where babies set the pace and parents leave with a routine they enjoy at home.",
        (Background.MIDWIFE, Background.PARENT),
        ("es", "en"),
        VenueSpec(
            "Espacio Crianza Chamberí",
            "Calle de Fuencarral 120, 28010 Madrid",
            "Madrid",
            "ES",
            MADRID,
            "Ground floor with a step-free entrance, pram parking in the courtyard, changing table.",
        ),
        offers_private_sessions=True,
    ),
    InstructorSpec(
        "hannah",
        "Hannah Clarke",
        "en",
        "Health visitor and neonatal nurse. I have seen how much a few minutes of loving touch a day can "
        "settle a colicky baby and a tired parent; my groups are warm, unhurried and tea is always on.",
        (Background.NURSE,),
        ("en",),
        VenueSpec(
            "The Nest Family Centre",
            "14 Camden Road, London NW1 9DP",
            "London",
            "GB",
            LONDON,
            "Lift to the first-floor studio, buggy park by reception, baby-changing room, "
            "a quiet feeding corner.",
        ),
    ),
    InstructorSpec(
        "priya",
        "Priya Raman",
        "en",
        "Paediatric physiotherapist and lactation consultant. I teach in Brooklyn and online, and love "
        "helping parents of premature babies find gentle, confident touch.",
        (Background.PHYSIOTHERAPIST, Background.LACTATION_CONSULTANT),
        ("en", "hi"),
        VenueSpec(
            "Brooklyn Family Wellness Studio",
            "245 Court Street, Brooklyn, NY 11201",
            "New York",
            "US",
            NEW_YORK,
            "Street-level entrance, stroller parking inside, nursing chair and changing station.",
        ),
        offers_private_sessions=True,
    ),
    InstructorSpec(
        "ines",
        "Inés Navarro",
        "es",
        "Doula y educadora perinatal en València. Classes in Spanish, Valencian and English, with plenty of "
        "time for questions about sleep, colic and reading your baby's cues.",
        (Background.DOULA, Background.CHILDBIRTH_EDUCATOR),
        ("es", "ca", "en"),
        VenueSpec(
            "Casa Mare València",
            "Carrer de Sueca 35, 46006 València",
            "València",
            "ES",
            MADRID,
            "Step-free access from the street, warm mats and cushions, changing table and a toilet "
            "on the same floor.",
        ),
    ),
)

HISTORY = {
    "instructor": HistorySpec(92, 21, 75, "Masaje infantil — curso de prácticas", "EUR"),
    "hannah": HistorySpec(88, 28, 64, "Baby massage — practicum course", "GBP"),
    "priya": HistorySpec(95, 35, 57, "Infant massage — practicum course", "USD"),
    "ines": HistorySpec(85, 42, 50, "Masaje infantil — curso de prácticas", "EUR"),
}

TRAINEE = InstructorSpec(
    "trainee",
    "Chloe Martin",
    "en",
    "Paediatric speech and language therapist, now completing my practicum as an infant massage "
    "instructor. Practicum courses are taught in full, at a lower price.",
    (Background.SPEECH_THERAPIST,),
    ("en",),
    VenueSpec(
        "Southville Community Centre",
        "Beauley Road, Bristol BS3 1QG",
        "Bristol",
        "GB",
        LONDON,
        "Step-free hall on the ground floor, pram parking, accessible toilet with changing table.",
    ),
)

COURSES = (
    CourseSpec(
        "lucia-morning", "instructor", "Masaje infantil: grupo de mañana", "es", 3, time(10), 6, "85", "EUR",
        minutes=75, max_age=26,
    ),
    CourseSpec(
        "lucia-evening", "instructor", "Masaje infantil: grupo de tarde", "es", 10, time(17, 30), 8, "85",
        "EUR", minutes=75,
    ),
    CourseSpec(
        "lucia-english", "instructor", "Baby massage in English (Madrid)", "en", 19, time(11, 30), 7, "90",
        "EUR", weeks=4,
    ),
    CourseSpec("hannah-new", "hannah", "Baby massage for new parents", "en", 4, time(10), 8, "95", "GBP"),
    CourseSpec(
        "hannah-small", "hannah", "Baby massage — small group", "en", 12, time(10, 30), 6, "95", "GBP"
    ),
    CourseSpec(
        "hannah-dads", "hannah", "Baby massage for dads and co-parents", "en", 26, time(18), 8, "80", "GBP"
    ),
    CourseSpec("priya-brooklyn", "priya", "Infant massage in Brooklyn", "en", 6, time(10), 8, "120", "USD"),
    CourseSpec(
        "priya-online", "priya", "Infant massage online — live from your living room", "en", 15, time(12), 8,
        "60", "USD", online_link="https://meet.example.org/nurturing-touch/priya-online",
        online_time_zone=NEW_YORK,
    ),
    CourseSpec(
        "priya-evening", "priya", "Infant massage — evening class for working parents", "en", 33,
        time(17, 30), 8, "110", "USD", minutes=75,
    ),
    CourseSpec("ines-valencia", "ines", "Masaje infantil en València", "es", 8, time(10), 8, "70", "EUR"),
    CourseSpec(
        "ines-english", "ines", "Baby massage in English (València)", "en", 22, time(17, 30), 6, "75", "EUR"
    ),
    CourseSpec(
        "chloe-practicum", "trainee", "Baby massage — practicum course", "en", 9, time(10), 6, "60", "GBP",
        is_practicum=True,
    ),
)  # fmt: skip

PARENT = FamilySpec(
    "parent", "Sarah Thompson", "en", LONDON, (("Oliver", 12), ("Mia", 12)), ("hannah-new", "priya-online")
)
# Eight families for a morning group of six: the last two join its waitlist.
FAMILIES = (
    FamilySpec("family1", "Marta Gómez", "es", MADRID, (("Leo", 8),), ("lucia-morning",)),
    FamilySpec("family2", "Javier Ruiz", "es", MADRID, (("Alba", 10),), ("lucia-morning",)),
    FamilySpec("family3", "Elena Castro", "es", MADRID, (("Hugo", 7),), ("lucia-morning",)),
    FamilySpec("family4", "Irene Molina", "es", MADRID, (("Valeria", 14),), ("lucia-morning",)),
    FamilySpec("family5", "David Ortega", "es", MADRID, (("Lucas", 11),), ("lucia-morning",)),
    FamilySpec("family6", "Laura Santos", "es", MADRID, (("Martina", 9),), ("lucia-morning",)),
    FamilySpec("family7", "Paula Romero", "es", MADRID, (("Daniel", 12),), ("lucia-morning",)),
    FamilySpec("family8", "Andrea Vidal", "es", MADRID, (("Sofía", 6),), ("lucia-morning",)),
    FamilySpec("family9", "Emily Carter", "en", LONDON, (("Freddie", 9),), ("hannah-new",)),
    FamilySpec("family10", "Aisha Rahman", "en", LONDON, (("Zara", 7),), ("hannah-small",)),
    FamilySpec("family11", "James O'Connor", "en", LONDON, (("Rosie", 10),), ("hannah-dads",)),
    FamilySpec("family12", "Maya Goldberg", "en", NEW_YORK, (("Eli", 8),), ("priya-brooklyn",)),
    FamilySpec("family13", "Carlos Mendoza", "es", NEW_YORK, (("Valentina", 13),), ("priya-online",)),
    FamilySpec("family14", "Nuria Puig", "es", MADRID, (("Pau", 6),), ("ines-valencia",)),
    FamilySpec("family15", "Grace Hughes", "en", LONDON, (("Alfie", 9),), ("chloe-practicum",)),
    FamilySpec("family16", "Ollie Bennett", "en", LONDON, (("Isla", 8),), ("chloe-practicum",)),
)
PRACTICUM_BABIES = ("Noah", "Lily", "Mateo", "Ava", "Jude")

DESCRIPTIONS = {
    "en": "{weeks} relaxed weekly sessions in a small group. You massage your own baby while the instructor "
    "demonstrates on a doll; we always ask your baby's permission first and follow their cues. Each week "
    "builds on the last, from legs and feet to the whole-body routine, and you get a short home-practice "
    "guide after every session. Bring a blanket, a towel and a small bottle of unscented vegetable oil.",
    "es": "{weeks} sesiones semanales, tranquilas y en grupo pequeño. Cada madre o padre masajea a su bebé "
    "mientras la instructora hace la demostración con un muñeco; siempre pedimos permiso al bebé y "
    "seguimos sus señales. Cada semana se suma a la anterior, de las piernas y los pies a la rutina "
    "completa, y tras cada sesión recibes una guía para practicar en casa. Trae una manta, una toalla "
    "y aceite vegetal sin perfume.",
}
PAYMENT_NOTES = {
    "en": "Pay by bank transfer before the first session (details in your confirmation), "
    "or by card on the day.",
    "es": "Pago por transferencia antes de la primera sesión (datos en la confirmación) "
    "o con tarjeta el primer día.",
}


class Command(BaseCommand):
    help = "Create demo logins, instructors, trainings and upcoming courses (safe to run again)."

    def handle(self, *args, **options) -> None:
        seeder = DemoSeeder(self)
        with transaction.atomic():
            seeder.run()
        if seeder.created:
            summary = ", ".join(f"{count} {what}" for what, count in sorted(seeder.created.items()))
            self.stdout.write(self.style.SUCCESS(f"Demo data created: {summary}."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo data already in place; nothing new to create."))
        self.print_logins()

    def print_logins(self) -> None:
        rows = [
            ("admin (superuser)", email("admin")),
            ("trainer", email("trainer")),
            *(("certified instructor", email(spec.key)) for spec in INSTRUCTORS),
            ("trainee (practicum)", email(TRAINEE.key)),
            ("parent of twins", email(PARENT.local)),
            ("families", email(f"family1..{len(FAMILIES)}")),
        ]
        role_width = max(len(role) for role, _address in rows)
        email_width = max(len(address) for _role, address in rows)
        self.stdout.write(f"\n{'role':{role_width}}  {'email':{email_width}}  password")
        for role, address in rows:
            self.stdout.write(f"{role:{role_width}}  {address:{email_width}}  {PASSWORD}")


class DemoSeeder:
    def __init__(self, command: BaseCommand) -> None:
        self.command = command
        self.created: Counter[str] = Counter()
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.password_hash = make_password(PASSWORD)  # hashed once: PBKDF2 for fifty users is slow
        self.users: dict[str, User] = {}
        self.courses: dict[str, Course] = {}

    def warn(self, message: str) -> None:
        self.command.stderr.write(self.command.style.WARNING(message))

    def run(self) -> None:
        self.admin = self.user("admin", "Rosa Lindqvist", superuser=True)
        self.trainer = self.user("trainer", "Margaret Ellis", staff=True, time_zone=LONDON)
        self.trainer.groups.add(Group.objects.get_or_create(name=TRAINERS_GROUP)[0])
        self.certify_instructors()
        self.start_trainee()
        self.open_upcoming_training()
        for spec in COURSES:
            self.courses[spec.key] = self.course(spec)
        for family in (PARENT, *FAMILIES):
            self.book_family(family)

    # People --------------------------------------------------------------------------------------

    def user(
        self,
        local: str,
        full_name: str,
        *,
        language: str = "en",
        time_zone: str = "UTC",
        staff: bool = False,
        superuser: bool = False,
        login: bool = True,
    ) -> User:
        address = email(local)
        user = User.objects.filter(email__iexact=address).first()
        if user is None:
            user = User.objects.create(
                email=address,
                full_name=full_name,
                preferred_language=language,
                time_zone=time_zone,
                is_staff=staff or superuser,
                is_superuser=superuser,
                password=self.password_hash if login else make_password(None),
            )
            self.created["users"] += 1
        if login:
            _address, created = EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
            if created:
                self.created["verified email addresses"] += 1
        self.users[local] = user
        return user

    def profile_and_venue(self, spec: InstructorSpec, user: User) -> Venue:
        if not InstructorProfile.objects.filter(user=user).exists():
            save_profile(
                user,
                display_name=spec.full_name,
                bio=spec.bio,
                city=spec.venue.city,
                country=spec.venue.country,
                backgrounds=spec.backgrounds,
                languages=spec.languages,
                offers_private_sessions=spec.offers_private_sessions,
            )
            self.created["instructor profiles"] += 1
        return self.venue(user, spec.venue)

    def venue(self, owner: User, spec: VenueSpec) -> Venue:
        venue = Venue.objects.filter(owner=owner, name=spec.name).first()
        if venue is None:
            venue = create_venue(
                owner,
                name=spec.name,
                address=spec.address,
                city=spec.city,
                country=spec.country,
                time_zone=spec.time_zone,
                accessibility_notes=spec.accessibility_notes,
            )
            self.created["venues"] += 1
        return venue

    # Certification -------------------------------------------------------------------------------

    def training(self, title: str, *, starts_on: date, days: int = 4, **fields) -> TrainingCourse:
        # No service creates trainings yet (admins add them in admin), so neither does the demo.
        training = TrainingCourse.objects.filter(trainer=self.trainer, title=title).first()
        if training is None:
            training = TrainingCourse.objects.create(
                trainer=self.trainer,
                title=title,
                starts_on=starts_on,
                ends_on=starts_on + timedelta(days=days - 1),
                **fields,
            )
            self.created["trainings"] += 1
        return training

    def enrollment(
        self, trainee: User, training: TrainingCourse, background: str, *, accept: bool = True
    ) -> Enrollment:
        # An application is what a trainee writes on the (yet to be built) apply page; no service yet.
        enrollment = Enrollment.objects.filter(trainee=trainee, training=training).first()
        if enrollment is None:
            enrollment = Enrollment.objects.create(
                trainee=trainee,
                training=training,
                background=str(background),
                experience="Years of working with new parents and their babies.",
                motivation="I want to give families a simple, loving routine they can keep up at home.",
                applied_at=min(
                    self.now,
                    datetime.combine(training.starts_on, time(9), tzinfo=ZoneInfo("UTC"))
                    - timedelta(days=60),
                ),
            )
            self.created["enrollments"] += 1
        if accept and enrollment.status == Enrollment.Status.APPLIED:
            enrollment = accept_enrollment(enrollment, actor=self.admin)
            # History: the decision was taken days after the application, not today.
            Enrollment.objects.filter(pk=enrollment.pk).update(
                decided_at=enrollment.applied_at + timedelta(days=5)
            )
        return enrollment

    def record_outcome(self, enrollment: Enrollment, *, exam_score: int, fee_paid: bool) -> Enrollment:
        if not enrollment.training_attended or enrollment.exam_score != exam_score:
            enrollment = record_training_outcome(
                enrollment, actor=self.trainer, training_attended=True, exam_score=exam_score
            )
        if fee_paid and not enrollment.fee_paid:
            enrollment = record_training_outcome(enrollment, actor=self.admin, fee_paid=True)
        return enrollment

    def certify_instructors(self) -> None:
        """A training seven months ago, each instructor's practicum after it, certificates ~2 months ago."""
        training = self.training(
            "Instructor training — live online",
            starts_on=self.today - timedelta(days=218),
            format=TrainingCourse.Format.ONLINE,
            online_link="https://meet.example.org/nurturing-touch/training",
            time_zone=LONDON,
            capacity=16,
            fee=Decimal("650"),
            is_published=False,
        )
        for spec in INSTRUCTORS:
            history = HISTORY[spec.key]
            venue_tz = spec.venue.time_zone
            user = self.user(spec.key, spec.full_name, language=spec.language, time_zone=venue_tz)
            venue = self.profile_and_venue(spec, user)
            enrollment = self.enrollment(user, training, spec.backgrounds[0].label)
            if enrollment.status == Enrollment.Status.CERTIFIED:
                continue
            enrollment = self.record_outcome(enrollment, exam_score=history.exam_score, fee_paid=True)
            self.practicum_history(user, venue, training, history, spec.language)
            issue_certificate(
                enrollment, actor=self.admin, issued_at=self.now - timedelta(days=history.issued_days_ago)
            )
            self.created["certificates"] += 1

    def practicum_history(
        self, instructor: User, venue: Venue, training: TrainingCourse, history: HistorySpec, language: str
    ) -> None:
        """A practicum course the instructor taught after the training: five families, every session.

        Written with the ORM: the services rightly refuse to create sessions in the past.
        """
        if Course.objects.filter(instructor=instructor, title=history.practicum_title).exists():
            return
        first_day = training.ends_on + timedelta(days=history.practicum_after_days)
        starts = weekly_start_times(
            SessionPlan(first_local=datetime.combine(first_day, time(10))), ZoneInfo(venue.time_zone)
        )
        published_at = starts[0] - timedelta(days=21)
        course = Course.objects.create(
            instructor=instructor,
            title=history.practicum_title,
            description=DESCRIPTIONS[language].format(weeks=5),
            venue=venue,
            time_zone=venue.time_zone,
            language=language,
            capacity=6,
            price=Decimal("40"),
            currency=history.currency,
            status=Course.Status.PUBLISHED,
            is_practicum=True,
            published_at=published_at,
        )
        Course.objects.filter(pk=course.pk).update(created_at=published_at)
        Session.objects.bulk_create(
            Session(
                course=course,
                starts_at=start,
                week_number=week,
                curriculum=curriculum_for_week(len(starts), week),
                topic=topic_title(curriculum_for_week(len(starts), week)),
            )
            for week, start in enumerate(starts, start=1)
        )
        sessions = list(course.sessions.all())
        for number, baby_name in enumerate(PRACTICUM_BABIES, start=1):
            parent = self.user(f"past-family-{instructor.email.split('@')[0]}-{number}", "", login=False)
            baby = Baby.objects.create(
                parent=parent, first_name=baby_name, date_of_birth=first_day - timedelta(weeks=9)
            )
            booking = Booking.objects.create(
                course=course,
                baby=baby,
                parent=parent,
                status=Booking.Status.CONFIRMED,
                created_at=published_at + timedelta(days=number),
                confirmed_at=published_at + timedelta(days=number),
            )
            Attendance.objects.bulk_create(
                Attendance(
                    booking=booking, session=session, status=Attendance.Status.PRESENT, marked_by=instructor
                )
                for session in sessions
            )
        self.created["past practicum courses"] += 1

    def start_trainee(self) -> None:
        """A trainee a month out of training: attended, exam passed, fee not yet paid, practicum ahead."""
        training = self.training(
            "Instructor training — London",
            starts_on=self.today - timedelta(days=33),
            venue=self.venue(
                self.trainer,
                VenueSpec(
                    "Coram's Fields Community Rooms",
                    "93 Guilford Street, London WC1N 1DN",
                    "London",
                    "GB",
                    LONDON,
                    "Step-free access and an accessible toilet.",
                ),
            ),
            time_zone=LONDON,
            capacity=12,
            fee=Decimal("595"),
            currency="GBP",
            is_published=False,
        )
        user = self.user(TRAINEE.key, TRAINEE.full_name, time_zone=LONDON)
        enrollment = self.enrollment(user, training, TRAINEE.backgrounds[0].label)
        if enrollment.status == Enrollment.Status.ACCEPTED:
            self.record_outcome(enrollment, exam_score=88, fee_paid=False)
        self.profile_and_venue(TRAINEE, user)

    def open_upcoming_training(self) -> None:
        """A training in six weeks, with one application waiting and one accepted."""
        training = self.training(
            "Instructor training — Madrid",
            starts_on=self.today + timedelta(days=42),
            venue=self.venue(
                self.trainer,
                VenueSpec(
                    "Centro Nacer Madrid",
                    "Calle de Alcalá 210, 28028 Madrid",
                    "Madrid",
                    "ES",
                    MADRID,
                    "Lift to the second floor; bright room with mats and cushions.",
                ),
            ),
            time_zone=MADRID,
            language="es",
            capacity=14,
            fee=Decimal("620"),
            modules=[
                "history",
                "methodology",
                "strokes",
                "infant_states",
                "bonding",
                "touch_deprivation",
                "special_situations",
                "research",
                "teaching",
                "marketing",
            ],
        )
        applicant = self.user("noor.haddad", "Noor Haddad", time_zone=MADRID)
        self.enrollment(applicant, training, Background.NURSE.label, accept=False)
        accepted = self.user("daniel.costa", "Daniel Costa", language="es", time_zone=MADRID)
        self.enrollment(accepted, training, Background.PHYSIOTHERAPIST.label)

    # Courses and families ------------------------------------------------------------------------

    def course(self, spec: CourseSpec) -> Course:
        instructor = self.users[spec.instructor]
        course = Course.objects.filter(instructor=instructor, title=spec.title).first()
        if course is None:
            online = bool(spec.online_link)
            venue = None if online else Venue.objects.filter(owner=instructor).order_by("pk").first()
            zone = ZoneInfo(spec.online_time_zone if online else venue.time_zone)
            local_today = timezone.localtime(self.now, zone).date()
            course = create_course(
                instructor,
                title=spec.title,
                plan=SessionPlan(
                    first_local=datetime.combine(local_today + timedelta(days=spec.in_days), spec.at),
                    weeks=spec.weeks,
                    duration_minutes=spec.minutes,
                ),
                time_zone=str(zone),
                format=Course.Format.ONLINE if online else Course.Format.VENUE,
                venue=venue,
                online_link=spec.online_link,
                description=DESCRIPTIONS[spec.language].format(weeks=spec.weeks),
                language=spec.language,
                capacity=spec.capacity,
                price=Decimal(spec.price),
                currency=spec.currency,
                payment_notes=PAYMENT_NOTES[spec.language],
                min_age_weeks=spec.min_age,
                max_age_weeks=spec.max_age,
                is_practicum=spec.is_practicum,
            )
            self.created["courses"] += 1
        if course.status == Course.Status.DRAFT:
            try:
                course = publish_course(course, actor=instructor)
            except PublishingError as error:
                self.warn(f"Not published: {course.title}: {error}")
        return course

    def book_family(self, family: FamilySpec) -> None:
        parent = self.user(
            family.local, family.full_name, language=family.language, time_zone=family.time_zone
        )
        for name, age_weeks in family.babies:
            baby = Baby.objects.filter(parent=parent, first_name=name).first()
            if baby is None:
                baby = create_baby(
                    parent, first_name=name, date_of_birth=self.today - timedelta(weeks=age_weeks, days=2)
                )
                self.created["babies"] += 1
            for key in family.courses:
                course = self.courses[key]
                if Booking.objects.live().filter(course=course, baby=baby).exists():
                    continue
                try:
                    book_course(course, parent=parent, baby=baby)
                except BookingError as error:
                    self.warn(f"Not booked: {name} on {course.title}: {error}")
                else:
                    self.created["bookings"] += 1
