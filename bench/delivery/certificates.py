"""P5: certificate PDFs timed, then certificates issued in bulk and emailed by the workers
(bench.delivery)."""

from __future__ import annotations

import statistics
import time
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import User
from bench.bulk import insert
from bench.delivery.processes import CountingHandler, wait_until, worker_profiles, workers
from bench.profiling import StackSampler, profiled
from bench.rush import percentile
from bench.seed import email, sessions_for, set_first_session_at, weekly
from certification.models import Enrollment, TrainingCourse
from classes.models import RATING_FIELDS, Attendance, Baby, Booking, Course, Evaluation, Session
from classes.models.evaluations import HomePractice

PDF_SAMPLES = 60
PDF_PROFILED = 20
CERTIFICATES_CAP_SECONDS = 150


def eligible_enrollments(count: int) -> list:
    """Trainees who have done everything: training attended 60 days ago, exam passed, fee paid, and a
    practicum course of five families (other than the trainee) present at all five sessions."""
    now = timezone.now()
    today = timezone.localdate()
    password = make_password(None)
    trainer = User.objects.get(email=email("trainer"))
    training = TrainingCourse.objects.create(
        trainer=trainer,
        title="Instructor training (certificate bench)",
        starts_on=today - timedelta(days=63),
        ends_on=today - timedelta(days=60),
        time_zone="Europe/Madrid",
        is_published=False,
    )
    trainees = insert(
        User,
        (
            User(email=email(f"certified-{n}"), full_name=f"Lucía García Márquez {n}", password=password)
            for n in range(count)
        ),
    )
    enrollments = insert(
        Enrollment,
        (
            Enrollment(
                trainee=trainee,
                training=training,
                status=Enrollment.Status.ACCEPTED,
                training_attended=True,
                exam_score=92,
                fee_paid=True,
                deadline=today + timedelta(days=120),
                decided_at=now - timedelta(days=90),
            )
            for trainee in trainees
        ),
    )
    venue = Course.objects.filter(venue__isnull=False).first().venue
    courses = insert(
        Course,
        (
            Course(
                instructor=trainee,
                title="Practicum course",
                slug="practicum-course",
                venue=venue,
                time_zone="Europe/Madrid",
                capacity=6,
                status=Course.Status.PUBLISHED,
                is_practicum=True,
                published_at=now - timedelta(days=60),
            )
            for trainee in trainees
        ),
    )
    first = today - timedelta(days=50)
    born = first - timedelta(weeks=8)
    sessions = insert(
        Session,
        (
            session
            for course in courses
            for session in sessions_for(course, weekly("Europe/Madrid", first=first, at=clock(10)))
        ),
    )
    set_first_session_at([course.pk for course in courses])
    parents = insert(
        User,
        (
            User(email=email(f"practicum-parent-{n}"), full_name=f"Practicum Parent {n}", password=password)
            for n in range(count * 5)
        ),
    )
    babies = insert(Baby, (Baby(parent=parent, first_name="Mia", date_of_birth=born) for parent in parents))
    bookings = insert(
        Booking,
        (
            Booking(
                course=courses[n // 5],
                baby=baby,
                parent_id=baby.parent_id,
                status=Booking.Status.CONFIRMED,
                confirmed_at=now - timedelta(days=55),
            )
            for n, baby in enumerate(babies)
        ),
    )
    sessions_of: dict[int, list] = {}
    for session in sessions:
        sessions_of.setdefault(session.course_id, []).append(session)
    insert(
        Attendance,
        (
            Attendance(booking=booking, session=session, status=Attendance.Status.PRESENT)
            for booking in bookings
            for session in sessions_of[booking.course_id]
        ),
    )
    # Each practicum family's evaluation of the course: a family counts toward the practicum only with it.
    insert(
        Evaluation,
        (
            Evaluation(
                booking=booking,
                gained="Calmer evenings.",
                home_practice=HomePractice.DAILY,
                language="en",
                **dict.fromkeys(RATING_FIELDS, 5),
            )
            for booking in bookings
        ),
    )
    return enrollments


def certificate_bench(handler: CountingHandler, smtp_port: int, out_dir: Path, count: int) -> dict:
    try:
        from certification.models import Certificate
        from certification.pdf import render_certificate_pdf
        from certification.services import issue_certificate
    except ImportError as error:
        return {"pending": f"certification PDFs not importable: {error}"}

    samples = list(Certificate.objects.select_related("holder").order_by("pk")[:PDF_SAMPLES])
    render_certificate_pdf(samples[0])  # fonts are registered once per process
    seconds = []
    for certificate in samples:
        started = time.perf_counter()
        pdf = render_certificate_pdf(certificate)
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    # Where a PDF's time goes, from a separate pass: the timings above are taken without the profiler.
    pdf_profile = profiled(
        lambda: [render_certificate_pdf(certificate) for certificate in samples[:PDF_PROFILED]]
    )
    enrollments = eligible_enrollments(count)
    sampler = StackSampler()
    with workers(smtp_port, out_dir, "p5") as profiles:
        sampler.start()
        started = time.perf_counter()
        for enrollment in enrollments:
            issue_certificate(enrollment, actor=None)
        issued_seconds = time.perf_counter() - started
        issue_profile = sampler.stop()
        emailed = wait_until(
            lambda: handler.count("certified-")[1] >= count, cap=CERTIFICATES_CAP_SECONDS, started=started
        )
    messages, recipients, repeated = handler.count("certified-")
    return {
        "pdf_samples": len(seconds),
        "pdf_bytes": len(pdf),
        "pdf_median_seconds": statistics.median(seconds),
        "pdf_p95_seconds": percentile(seconds, 95),
        "pdf_profile": pdf_profile,
        "pdf_profiled": PDF_PROFILED,
        "certificates": count,
        "issue_seconds": issued_seconds,
        "issue_profile": issue_profile,
        "emailed_seconds": emailed,
        "smtp_messages": messages,
        "smtp_recipients": recipients,
        "smtp_recipients_twice": repeated,
        "with_pdf": len(handler.with_pdf),
        "worker_profiles": worker_profiles(profiles),
        "cap": CERTIFICATES_CAP_SECONDS,
    }
