"""`manage.py seed_demo`: demo logins, certified instructors, trainings and a dozen upcoming courses.

Safe to run again: everything is found by its natural key (emails, titles per instructor or trainer,
a baby's first name per parent) and only what is missing is created. Current state goes through the
services, as a person clicking through the site would; history that no service can create (a training
that ended months ago, the practicum courses taught then, with their sessions and register) is written
with the ORM, and so are trainings and applications, for which there is no service yet.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import CERTIFICATION_ADMINS_GROUP, COURSE_COORDINATORS_GROUP, TRAINERS_GROUP, User
from certification.models import Certificate, Enrollment, TrainingCourse, default_modules
from certification.services import (
    accept_enrollment,
    issue_certificate,
    record_training_fee_transfer,
    record_training_outcome,
    revoke_certificate,
)
from classes.curriculum import curriculum_for_week, topic_title
from classes.models import Attendance, Baby, Booking, Course, Evaluation, Session, Venue
from classes.services import (
    BookingError,
    SessionPlan,
    book_course,
    create_baby,
    create_course,
    create_venue,
    weekly_start_times,
)
from classes.services.courses import refresh_first_session
from classes.services.evaluations import submit_evaluation
from instructors.management.demo_content import (
    COURSES,
    DESCRIPTIONS,
    FAMILIES,
    FORMER,
    FORMER_HISTORY,
    FORMER_REVOCATION,
    HISTORY,
    INSTRUCTORS,
    LONDON,
    LONDON_TRAINING_VENUE,
    MADRID,
    MADRID_TRAINING_VENUE,
    PARENT,
    PASSWORD,
    PAYMENT_NOTES,
    PRACTICUM_BABIES,
    TRAINEE,
    CourseSpec,
    FamilySpec,
    HistorySpec,
    InstructorSpec,
    VenueSpec,
    email,
)
from instructors.models import Background, InstructorProfile
from instructors.services import PublishingError, publish_course, save_profile

# What the demo's past practicum families answered when asked how their course went.
DEMO_EVALUATIONS = (
    (Evaluation.HomePractice.DAILY, "Bath time is calm now, and he sleeps better after the massage."),
    (Evaluation.HomePractice.WEEKLY, "I feel I know what she likes, and when she has had enough."),
    (Evaluation.HomePractice.SOMETIMES, ""),
)


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
            ("certification admin", email("certadmin")),
            ("course coordinator", email("coordinator")),
            ("staff, no group", email("staff")),
            *(("certified instructor", email(spec.key)) for spec in INSTRUCTORS),
            ("revoked certificate", email(FORMER.key)),
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
        # One demo account per staff role, each holding only its group's permissions (README, demo logins).
        self.user("certadmin", "Amara Okafor", staff=True).groups.add(
            Group.objects.get_or_create(name=CERTIFICATION_ADMINS_GROUP)[0]
        )
        self.user("coordinator", "Tomás Herrera", staff=True, language="es", time_zone=MADRID).groups.add(
            Group.objects.get_or_create(name=COURSE_COORDINATORS_GROUP)[0]
        )
        self.user("staff", "Jordan Blake", staff=True)
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
            # Paid by bank transfer, as staff record it; the demo trainee's fee is left to pay online.
            enrollment = record_training_fee_transfer(enrollment, recorded_by=self.admin)
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
            self.certify(spec, HISTORY[spec.key], training)
        # One certificate revoked, so that its signed credential shows as revoked everywhere.
        former = self.certify(FORMER, FORMER_HISTORY, training)
        if former is not None and former.revoked_at is None:
            reason, statement = FORMER_REVOCATION
            revoke_certificate(former, actor=self.admin, reason=reason, public_statement=statement)

    def certify(
        self, spec: InstructorSpec, history: HistorySpec, training: TrainingCourse
    ) -> Certificate | None:
        venue_tz = spec.venue.time_zone
        user = self.user(spec.key, spec.full_name, language=spec.language, time_zone=venue_tz)
        venue = self.profile_and_venue(spec, user)
        enrollment = self.enrollment(user, training, spec.backgrounds[0].label)
        if enrollment.status == Enrollment.Status.CERTIFIED:
            return Certificate.objects.filter(enrollment=enrollment).first()
        enrollment = self.record_outcome(enrollment, exam_score=history.exam_score, fee_paid=True)
        self.practicum_history(user, venue, training, history, spec.language)
        certificate = issue_certificate(
            enrollment, actor=self.admin, issued_at=self.now - timedelta(days=history.issued_days_ago)
        )
        self.created["certificates"] += 1
        return certificate

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
        refresh_first_session(course)
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
            # Each family answered the evaluation emailed after the last session: a practicum family
            # counts only with it (CERTIFICATION_PRACTICUM_REQUIRES_EVALUATION).
            practice, gained = DEMO_EVALUATIONS[number % len(DEMO_EVALUATIONS)]
            submit_evaluation(
                booking,
                home_practice=practice,
                ratings={
                    "teaching_rating": 5,
                    "confidence_rating": 4,
                    "group_rating": 4,
                    "recommend_rating": 5,
                },
                gained=gained,
                language=language,
                now=sessions[-1].ends_at + timedelta(days=2),
            )
        self.created["past practicum courses"] += 1

    def start_trainee(self) -> None:
        """A trainee a month out of training: accepted, attended, exam passed, practicum ahead, and the
        training fee not yet paid, so that the progress page shows the pay step."""
        training = self.training(
            "Instructor training — London",
            starts_on=self.today - timedelta(days=33),
            venue=self.venue(self.trainer, LONDON_TRAINING_VENUE),
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
            venue=self.venue(self.trainer, MADRID_TRAINING_VENUE),
            time_zone=MADRID,
            language="es",
            capacity=14,
            fee=Decimal("620"),
            modules=default_modules(),
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
                payment_notes="" if spec.pay_online else PAYMENT_NOTES[spec.language],
                payment_mode=Course.PaymentMode.ONLINE if spec.pay_online else Course.PaymentMode.AT_COURSE,
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
