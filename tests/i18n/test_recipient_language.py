"""Emails and PDFs speak the recipient's language, whoever caused them and in whatever language they were
working: an English-speaking instructor moving a session writes to a Spanish-speaking family in Spanish.

Every change here happens under `translation.override("en")`, as it would in the instructor's request or
in a Celery worker (which has no language of its own), so a string rendered outside the recipient's
language shows up in English. The clock is fixed, so dates can be spelled out in full.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pypdf
import pytest
import time_machine
from django.utils import translation

from certification import tasks as certification_tasks
from certification.services import issue_certificate
from certification.tests.factories import eligible_enrollment
from classes.services import (
    SessionPlan,
    book_course,
    create_course,
    create_venue,
    mark_course_published,
    move_session,
    queue_home_practice_guides,
    queue_session_reminders,
)
from classes.tests.factories import BabyFactory
from instructors.services import queue_booking_notices
from notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")
# Wednesday 20 February 2030; the course's first session is Tuesday 5 March 2030 at 10:00 in Madrid.
TODAY = datetime(2030, 2, 20, 9, 0, tzinfo=UTC)
FIRST_SESSION = datetime(2030, 3, 5, 10, 0)


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def spanish_parent(parent):
    parent.preferred_language = "es"
    parent.full_name = "Lucía Fernández"
    parent.save(update_fields=["preferred_language", "full_name"])
    return parent


@pytest.fixture
def course(instructor):
    """Carol's course in Madrid, set up in English: she works in English."""
    with translation.override("en"):
        venue = create_venue(
            instructor,
            name="Casa Nido",
            address="Calle Mayor 3",
            city="Madrid",
            country="ES",
            time_zone="Europe/Madrid",
        )
        draft = create_course(
            instructor,
            title="Masaje infantil",
            plan=SessionPlan(first_local=FIRST_SESSION, weeks=5),
            time_zone="Europe/Madrid",
            venue=venue,
            price=Decimal("92.50"),
            currency="EUR",
            min_age_weeks=0,
            max_age_weeks=52,
        )
        return mark_course_published(draft, actor=draft.instructor)


def booked(course, parent, name: str):
    baby = BabyFactory(parent=parent, first_name=name, date_of_birth=date(2030, 1, 9))
    return book_course(course, parent=parent, baby=baby)


def email_to(booking, prefix: str) -> OutgoingEmail:
    return OutgoingEmail.objects.get(key__startswith=f"{prefix}:{booking.pk}:")


def test_session_moved_by_an_english_speaking_instructor_reaches_a_spanish_family_in_spanish(
    course, instructor, spanish_parent, other_parent
):
    spanish = booked(course, spanish_parent, "Mateo")
    english = booked(course, other_parent, "Oliver")
    week_two = course.sessions.get(week_number=2)

    with translation.override("en"):
        move_session(week_two, actor=instructor, starts_at=datetime(2030, 3, 13, 18, 30, tzinfo=MADRID))

    email = email_to(spanish, "session-moved")
    assert email.language == "es"
    assert email.subject == "Sesión con nueva fecha: Masaje infantil, semana 2"
    assert "Hola, Lucía: la semana 2 de Masaje infantil, el curso que reservaste con Mateo" in email.body_text
    assert "Fecha anterior: martes 12 de marzo de 2030, 10:00 (Europe/Madrid)" in email.body_text
    assert "Nueva fecha: miércoles 13 de marzo de 2030, 18:30 (Europe/Madrid)" in email.body_text
    assert "Esta semana: Barriguita" in email.body_text
    assert "miércoles 13 de marzo de 2030, 18:30" in email.body_html
    assert '<html lang="es">' in email.body_html
    for english_word in ("Hello", "week", "Tuesday", "March", "Tummy"):
        assert english_word not in email.body_text + email.body_html
    # The calendar attached to it names the week topics in Spanish too.
    with email.attachments.get().file.open("rb") as handle:
        calendar = handle.read().decode()
    assert "SUMMARY:Masaje infantil — Barriguita" in calendar
    assert "Tummy" not in calendar

    control = email_to(english, "session-moved")
    assert control.language == "en"
    assert control.subject == "Session moved: Masaje infantil, week 2"
    assert "It is now on: Wednesday 13 March 2030, 18:30 (Europe/Madrid)" in control.body_text


def test_reminder_for_a_spanish_family_names_the_day_and_month_in_spanish(course, spanish_parent):
    booking = booked(course, spanish_parent, "Mateo")
    first = course.sessions.get(week_number=1)

    with translation.override("en"):
        assert queue_session_reminders(now=datetime(2030, 3, 4, 11, 0, tzinfo=UTC)) == 1

    email = email_to(booking, "reminder")
    assert email.language == "es"
    assert email.subject == "Recordatorio: Masaje infantil, martes 10:00"
    assert email.body_text.startswith(
        "Hola, Lucía: te recordamos que la semana 1 de tu curso con Mateo es el "
        "martes 5 de marzo de 2030, 10:00 (Europe/Madrid). Tema: Pedir permiso; piernas y pies."
    )
    assert "Dónde: Casa Nido, Calle Mayor 3, Madrid" in email.body_text
    assert first.starts_at == datetime(2030, 3, 5, 10, 0, tzinfo=MADRID)


def test_home_practice_guide_after_a_session_lists_strokes_and_cues_in_spanish(course, spanish_parent):
    booking = booked(course, spanish_parent, "Mateo")

    with translation.override("en"):
        assert queue_home_practice_guides(now=datetime(2030, 3, 5, 12, 0, tzinfo=UTC)) == 1

    email = email_to(booking, "guide")
    assert email.subject == "Tu práctica en casa de la semana 1: Pedir permiso; piernas y pies"
    for stroke in ("Manos en reposo", "Ordeño indio", "Rodar los dedos", "Relajación de las nalgas"):
        assert f"- {stroke}\n" in email.body_text
        assert f"<li>{stroke}</li>" in email.body_html
    assert "Pide permiso a tu bebé antes de empezar y fíjate en su respuesta." in email.body_text
    assert "Señales de que necesita parar:" in email.body_html
    for english_word in ("Resting hands", "Indian milking", "Engagement cues", "permission"):
        assert english_word not in email.body_text + email.body_html


def test_an_english_speaking_instructor_hears_of_a_spanish_family_booking_in_english(
    course, instructor, spanish_parent
):
    with translation.override("es"):
        booked(course, spanish_parent, "Mateo")

    with translation.override("es"):
        assert queue_booking_notices() == 1

    notice = OutgoingEmail.objects.get(to_email=instructor.email, key__startswith="booking-notice:")
    assert notice.language == "en"
    assert notice.subject.startswith("New booking: Masaje infantil")
    assert "Lucía Fernández with Mateo" in notice.body_text
    assert "Places taken: 1 of 8." in notice.body_text


def test_course_page_formats_price_dates_and_zone_for_the_reader(client, course):
    spanish = client.get(course.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get(course.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "92,50\xa0€" in spanish
    assert "martes, 5 de marzo, 10:00" in spanish
    assert "(hora de Europe/Madrid)" in spanish
    assert "€92.50" in english
    assert "Tuesday 5 March, 10 a.m." in english
    assert "(Europe/Madrid time)" in english


@pytest.fixture
def run_tasks_inline(monkeypatch):
    """No worker runs here: queueing the certificate task runs it at once (after commit)."""
    monkeypatch.setattr(
        certification_tasks.queue_certificate_email,
        "apply_async",
        lambda args, **options: certification_tasks.queue_certificate_email(*args),
    )


def test_certificate_for_a_spanish_speaking_holder_is_issued_emailed_and_printed_in_spanish(
    staff, user_factory, run_tasks_inline, django_capture_on_commit_callbacks
):
    holder = user_factory(full_name="Inés Navarro Peña", preferred_language="es")
    enrollment = eligible_enrollment(trainee=holder)

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        certificate = issue_certificate(enrollment, actor=staff)

    assert certificate.language == "es"
    email = OutgoingEmail.objects.get(key__startswith=f"certificate-issued:{certificate.pk}:")
    assert email.language == "es"
    assert email.subject == "Enhorabuena: ya eres Instructor/a Certificado/a de Masaje Infantil"
    assert "¡Enhorabuena! La asociación te ha certificado" in email.body_text
    assert f"Número de certificado: {certificate.number}" in email.body_text
    with email.attachments.get().file.open("rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    text = reader.pages[0].extract_text()
    for spanish in (
        "Se certifica que",
        "Inés Navarro Peña",
        "Instructor/a Certificado/a de Masaje Infantil",
        "tras completar la formación de instructores de la asociación",
        "Número de certificado",
        "Emitido",
        "20 de febrero de 2030",
        "Válido hasta",
        "20 de febrero de 2031",
        "Escanear para comprobar",
        "que este certificado está vigente.",
        "Verificación en",
    ):
        assert spanish in text
    for english in ("This certifies that", "Certified Infant Massage Instructor", "Valid until", "February"):
        assert english not in text
    assert reader.metadata.title == "Instructor/a Certificado/a de Masaje Infantil — Inés Navarro Peña"
