"""The cast the pages are measured for: a parent with bookings in every state, instructor 0's own
courses and families, trainings with applications, and a trainee in the practicum stage."""

from __future__ import annotations

from datetime import time as clock
from datetime import timedelta
from decimal import Decimal

from accounts.models import User
from bench.bulk import insert
from bench.seed.shapes import FIRST_NAMES, person_name, sessions_for, weekly
from certification.models import Enrollment, TrainingCourse
from classes.models import Attendance, Baby, Booking, Course, Session, Venue
from instructors.models import Background


class CastSeeding:
    """The cast's part of bench.seed.catalog.Seeder (its size, clock, venues, users())."""

    def cast(
        self,
        parent: User,
        trainee: User,
        trainer: User,
        instructor: User,
        upcoming: list[Course],
        past: list[Course],
    ) -> None:
        self.parent_bookings(parent, upcoming, past)
        self.instructor_courses(instructor)
        self.trainings(trainer)
        self.practicum(trainee, trainer)

    def parent_bookings(self, parent: User, upcoming: list[Course], past: list[Course]) -> None:
        """The cast's parent: one baby per booking. Places held (confirmed, offered) and cancelled ones are
        on courses with places left, waiting ones on full courses (capacity 8, nine families holding or
        waiting), taken from the end of the list; past bookings on past courses."""
        share = self.size.cast
        statuses = [*share.parent_bookings, *["past"] * share.parent_past_bookings]
        babies = insert(
            Baby,
            (
                Baby(
                    parent=parent,
                    first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
                    date_of_birth=self.dob(6 + n % 10),
                )
                for n in range(len(statuses))
            ),
        )
        with_room = (course for course in reversed(upcoming) if course.capacity == 12)
        full = (course for course in reversed(upcoming) if course.capacity == 8)
        finished = iter(past)
        bookings = []
        for status, baby in zip(statuses, babies, strict=True):
            if status == "past":
                booking = Booking(
                    course=next(finished),
                    status=Booking.Status.CONFIRMED,
                    confirmed_at=self.now - timedelta(days=100),
                )
            elif status == Booking.Status.WAITLISTED:
                booking = Booking(
                    course=next(full), status=status, waitlisted_at=self.now - timedelta(days=2)
                )
            else:
                booking = Booking(course=next(with_room), status=status)
                if status == Booking.Status.CONFIRMED:
                    booking.confirmed_at = self.now - timedelta(days=2)
                elif status == Booking.Status.CANCELLED:
                    booking.cancel_reason = Booking.CancelReason.BY_PARENT
                    booking.cancelled_at = self.now - timedelta(days=1)
                else:
                    booking.waitlisted_at = self.now - timedelta(days=2)
                    booking.offer_expires_at = self.now + timedelta(hours=20)
            booking.baby = baby
            booking.parent = parent
            bookings.append(booking)
        insert(Booking, bookings)

    def instructor_courses(self, instructor: User) -> None:
        """Instructor 0's courses: more of them, with more families and weeks, at the larger size."""
        share = self.size.cast
        venue = self.venues[0]
        courses = []
        for n in range(share.instructor_courses):
            course = self.course(
                -1 - n,
                instructor,
                venue,
                status=Course.Status.PUBLISHED,
                published_at=self.now - timedelta(days=10),
            )
            course.capacity = share.instructor_families
            courses.append(course)
        courses = insert(Course, courses)
        insert(
            Session,
            (
                session
                for n, course in enumerate(courses)
                for session in sessions_for(
                    course,
                    weekly(
                        course.time_zone,
                        first=self.today + timedelta(days=4 + n),
                        at=clock(18),
                        weeks=share.instructor_weeks,
                    ),
                )
            ),
        )
        parents = self.users(
            [(f"instructor0-family{n}", person_name(n)) for n in range(share.instructor_families)]
        )
        babies = insert(
            Baby, (Baby(parent=parent, first_name="Mia", date_of_birth=self.dob(10)) for parent in parents)
        )
        insert(
            Booking,
            (
                Booking(
                    course=course,
                    baby=baby,
                    parent=baby.parent,
                    status=Booking.Status.CONFIRMED,
                    confirmed_at=self.now - timedelta(days=3),
                )
                for course in courses
                for baby in babies
            ),
        )

    def trainings(self, trainer: User) -> None:
        share = self.size.cast
        trainings = insert(
            TrainingCourse,
            (
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
                for n in range(share.trainings)
            ),
        )
        applicants = self.users(
            [
                (f"applicant{t}-{n}", person_name(t + n))
                for t in range(len(trainings))
                for n in range(share.applications_per_training)
            ]
        )
        insert(
            Enrollment,
            (
                Enrollment(
                    trainee=applicant,
                    training=trainings[n // share.applications_per_training],
                    background=Background.NURSE.label,
                    experience="Neonatal nurse.",
                    motivation="To help families.",
                    status=Enrollment.Status.ACCEPTED if n % 2 else Enrollment.Status.APPLIED,
                )
                for n, applicant in enumerate(applicants)
            ),
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
        sessions = insert(
            Session,
            sessions_for(
                course, weekly(course.time_zone, first=self.today - timedelta(days=24), at=clock(10))
            ),
        )
        held = [session for session in sessions if session.starts_at < self.now]
        parents = self.users(
            [(f"practicum-family{n}", person_name(n)) for n in range(self.size.cast.practicum_families)]
        )
        babies = insert(
            Baby, (Baby(parent=parent, first_name="Mia", date_of_birth=self.dob(10)) for parent in parents)
        )
        bookings = insert(
            Booking,
            (
                Booking(
                    course=course,
                    baby=baby,
                    parent=baby.parent,
                    status=Booking.Status.CONFIRMED,
                    confirmed_at=self.now - timedelta(days=27),
                )
                for baby in babies
            ),
        )
        insert(
            Attendance,
            (
                Attendance(
                    booking=booking, session=session, status=Attendance.Status.PRESENT, marked_by=trainee
                )
                for booking in bookings
                for session in held
            ),
        )
