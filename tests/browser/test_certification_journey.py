"""A professional applies for a training on a phone; staff record her results and issue her certificate in
Django admin; anyone scanning the QR sees VALID, and REVOKED with the public statement after a revocation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import Browser, Page

from accounts.tests.factories import PASSWORD, UserFactory
from certification import tasks
from certification.models import Certificate, Enrollment
from certification.tests.factories import TrainingCourseFactory, practicum_course
from notifications.models import OutgoingEmail
from tests.browser.conftest import assert_accessible, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def desk(browser: Browser) -> Iterator[Page]:
    """Staff work in Django admin on a laptop."""
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def run_admin_action(desk: Page, enrollment: Enrollment, action: str) -> None:
    desk.locator(f"input[name=_selected_action][value='{enrollment.pk}']").check()
    desk.locator("select[name=action]").select_option(label=action)
    desk.get_by_role("button", name="Go").click()
    desk.wait_for_load_state()


def test_trainee_applies_is_certified_verified_and_revoked(
    browser, page, desk, live_server, trainee, staff, settings
):
    settings.SITE_URL = live_server.url
    training = TrainingCourseFactory(
        title="Instructor training — Madrid", trainer=UserFactory(full_name="Margaret Ellis"), capacity=12
    )

    # Erin finds the training on her phone and applies.
    sign_in(page, live_server.url, trainee.email)
    page.goto(f"{live_server.url}/training/")
    assert "Instructor training — Madrid" in page.content()
    assert_accessible(page, "certification-trainings")
    screenshot(page, "certification-trainings")
    page.get_by_role("link", name="Apply").click()
    page.wait_for_url(re.compile(r"/apply/$"))
    assert_accessible(page, "certification-apply")
    page.get_by_label("Your professional background").select_option("Midwife")
    page.get_by_label("Your experience with babies and families").fill("Twelve years on a maternity ward.")
    page.get_by_label("Why do you want to teach infant massage?").fill("Parents ask me how to soothe babies.")
    page.get_by_role("button", name="Send my application").click()
    page.wait_for_url(re.compile(r"/training/progress/"))
    assert "Wait for the trainer" in page.content()
    enrollment = Enrollment.objects.get(trainee=trainee, training=training)
    assert OutgoingEmail.objects.filter(key=f"training-application-received:{enrollment.pk}").exists()

    # Staff accept the application in admin.
    desk.goto(f"{live_server.url}/admin/login/")
    desk.locator("#id_username").fill(staff.email)
    desk.locator("#id_password").fill(PASSWORD)
    desk.get_by_role("button", name=re.compile("log in", re.I)).click()
    desk.goto(f"{live_server.url}/admin/certification/enrollment/")
    run_admin_action(desk, enrollment, "Accept application")
    assert "1 application accepted." in desk.content()

    # Months pass: the training is over, and Erin taught her practicum course to five families.
    today = timezone.localdate()
    training.starts_on, training.ends_on = today - timedelta(days=60), today - timedelta(days=57)
    training.save(update_fields=["starts_on", "ends_on"])
    Enrollment.objects.filter(pk=enrollment.pk).update(deadline=training.ends_on + relativedelta(months=6))
    practicum_course(trainee, families=5, first_session_at=timezone.now() - timedelta(days=45))

    # Staff record the training attended, the exam passed and the fee paid.
    desk.goto(f"{live_server.url}/admin/certification/enrollment/{enrollment.pk}/change/")
    desk.locator("#id_training_attended").check()
    desk.locator("#id_exam_score").fill("92")
    desk.locator("#id_fee_paid").check()
    desk.locator("input[name=_save]").click()
    desk.wait_for_load_state()

    page.goto(f"{live_server.url}/training/progress/")
    assert "5 of 5 families completed." in page.content()
    assert "the association will issue your certificate shortly" in page.content()
    assert_accessible(page, "certification-progress")
    screenshot(page, "certification-progress")

    desk.goto(f"{live_server.url}/admin/certification/enrollment/")
    desk.locator("#toggle-nav-sidebar").click()
    row = desk.locator(f"input[name=_selected_action][value='{enrollment.pk}']").locator("xpath=ancestor::tr")
    assert row.locator("td.field-eligible img[alt='True']").count() == 1
    screenshot(desk, "certification-admin-enrollments")
    run_admin_action(desk, enrollment, "Issue certificate")
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert f"Certificate {certificate.number} issued" in desk.content()

    # No worker runs here: the task the issue queued after commit runs now, twice for good measure.
    tasks.queue_certificate_email(certificate.pk, 1)
    tasks.queue_certificate_email(certificate.pk, 1)
    email = OutgoingEmail.objects.get(template="certificate_issued")
    assert email.to_email == trainee.email
    assert [attachment.filename for attachment in email.attachments.all()] == [f"{certificate.number}.pdf"]

    # Erin sees her certificate with its history and sharing links.
    page.goto(f"{live_server.url}/teach/certificate/")
    assert certificate.number in page.content()
    assert "VALID" in page.locator("#certificate-status").inner_text()
    assert_accessible(page, "certification-my-certificate")
    screenshot(page, "certification-my-certificate")

    # Anyone can look it up by number and surname, or scan the QR code, and see it is valid.
    page.goto(f"{live_server.url}/certificates/verify/")
    assert_accessible(page, "certification-verify-lookup")
    page.get_by_label("Certificate number").fill(certificate.number.lower())
    page.get_by_label("Holder's surname").fill("EVANS")
    page.get_by_role("button", name="Check this certificate").click()
    page.wait_for_url(re.compile(certificate.token))
    page.goto(live_server.url + certificate.get_absolute_url())
    status = page.locator("#certificate-status")
    assert "VALID" in status.inner_text()
    # The PDF is the holder's document: the public page proves validity without handing it out.
    assert page.get_by_role("link", name="Download the certificate (PDF)").count() == 0
    assert_accessible(page, "certification-verify-valid")
    screenshot(page, "certification-verify-valid")

    # An admin revokes it through the admin form; the internal reason stays internal.
    desk.goto(f"{live_server.url}/admin/certification/certificate/{certificate.pk}/change/")
    desk.get_by_role("link", name="Revoke").click()
    desk.get_by_label("Internal reason").fill("Complaint 2026-14 from a family in Leeds.")
    desk.get_by_label("Public statement").fill("Revoked for a breach of the association's code of ethics.")
    screenshot(desk, "certification-admin-revoke")
    desk.locator("input[type=submit][value=Revoke]").click()
    desk.wait_for_load_state()
    assert "Certificate revoked." in desk.content()

    page.reload()
    status_text = page.locator("#certificate-status").inner_text()
    assert "REVOKED on" in status_text
    assert "Revoked for a breach of the association's code of ethics." in status_text
    assert "Complaint 2026-14" not in page.content()
    assert page.get_by_role("link", name="Download the certificate (PDF)").count() == 0
    assert_accessible(page, "certification-verify-revoked")
    screenshot(page, "certification-verify-revoked")
