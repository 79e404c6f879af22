"""Certificate PDFs are private: the holder downloads their own at /teach/certificate/certificate.pdf and
staff who may view certificates download any from its admin page. A revoked certificate has no PDF, and
no public address (the verification token printed in the QR code, /media/) serves one."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from urllib.parse import urlparse

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse
from pypdf import PdfReader

from accounts.tests.factories import UserFactory
from certification import services
from certification.models import Certificate
from certification.tests.factories import CertificateFactory, eligible_enrollment
from notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

MY_PDF = reverse("certification:my_certificate_pdf")
MY_CERTIFICATE = reverse("certification:my_certificate")


def admin_pdf_url(certificate: Certificate) -> str:
    return reverse("admin:certification_certificate_pdf", args=[certificate.pk])


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def stored_bytes(certificate: Certificate) -> bytes:
    with certificate.pdf.storage.open(certificate.pdf.name, "rb") as handle:
        return handle.read()


def printed_text(pdf: bytes) -> str:
    return PdfReader(BytesIO(pdf)).pages[0].extract_text()


@pytest.fixture
def certificate(instructor, staff) -> Certificate:
    """Carol's certificate, issued and emailed, so its PDF is in the private storage."""
    issued = services.issue_certificate(eligible_enrollment(trainee=instructor), actor=staff)
    services.queue_certificate_email(issued.pk, version=1)
    return Certificate.objects.get(pk=issued.pk)


@pytest.fixture
def viewer():
    """Staff, not a superuser, who may only view certificates."""
    user = UserFactory(is_staff=True, full_name="Vera Viewer")
    user.user_permissions.add(Permission.objects.get(codename="view_certificate"))
    return user


def test_the_holder_downloads_the_stored_pdf_and_no_cache_keeps_it(client, instructor, certificate):
    client.force_login(instructor)

    response = client.get(MY_PDF)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = body(response)
    assert pdf.startswith(b"%PDF") and pdf == stored_bytes(certificate)
    assert f"{certificate.number}.pdf" in response["Content-Disposition"]
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_the_holders_page_links_the_private_pdf(client, instructor, certificate):
    client.force_login(instructor)

    page = client.get(MY_CERTIFICATE).content.decode()

    assert MY_PDF in page
    assert f"/certificates/verify/{certificate.token}/certificate.pdf" not in page


def test_signed_out_visitor_gets_the_pdf_from_no_address(client, certificate, settings, tmp_path):
    # A copy an earlier version left in public media, at the address it used to have.
    settings.MEDIA_ROOT = tmp_path
    leftover = tmp_path / certificate.pdf.name
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(stored_bytes(certificate))

    holder_url = client.get(MY_PDF)
    admin_url = client.get(admin_pdf_url(certificate))
    media_url = client.get(f"/media/{certificate.pdf.name}")
    token_url = client.get(f"/certificates/verify/{certificate.token}/certificate.pdf")

    assert holder_url.status_code == 302
    assert urlparse(holder_url["Location"]).path == reverse("account_login")
    assert admin_url.status_code == 302
    assert urlparse(admin_url["Location"]).path == reverse("admin:login")
    assert media_url.status_code == 404
    assert token_url.status_code == 404


def test_the_verification_page_offers_no_pdf(client, certificate):
    page = client.get(certificate.get_absolute_url()).content.decode()

    assert "VALID" in page and certificate.number in page
    assert ".pdf" not in page and "Download" not in page


def test_staff_who_may_view_certificates_download_it_from_admin(client, viewer, certificate):
    client.force_login(viewer)

    change_page = client.get(reverse("admin:certification_certificate_change", args=[certificate.pk]))
    response = client.get(admin_pdf_url(certificate))

    assert admin_pdf_url(certificate) in change_page.content.decode()
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert body(response) == stored_bytes(certificate)


def test_staff_without_the_view_permission_get_no_pdf(client, certificate):
    client.force_login(UserFactory(is_staff=True))

    response = client.get(admin_pdf_url(certificate))

    assert response.status_code in (403, 404)
    assert not body(response).startswith(b"%PDF")


def test_another_signed_in_person_without_a_certificate_gets_404(client, other_instructor, certificate):
    client.force_login(other_instructor)

    assert client.get(MY_PDF).status_code == 404


def test_another_holder_gets_their_own_pdf_never_the_holders(client, other_instructor, certificate):
    own = CertificateFactory(
        holder=other_instructor, number="IMC-2020-00077", name_on_certificate="Dave Dunn"
    )
    client.force_login(other_instructor)

    response = client.get(MY_PDF)

    assert response.status_code == 200
    pdf = body(response)
    assert pdf != stored_bytes(certificate)
    assert f"{own.number}.pdf" in response["Content-Disposition"]
    assert certificate.name_on_certificate not in printed_text(pdf)


def test_revoking_deletes_the_stored_file_and_no_address_serves_the_pdf(
    client, instructor, staff, viewer, certificate, django_capture_on_commit_callbacks
):
    name, storage = certificate.pdf.name, certificate.pdf.storage
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        services.revoke_certificate(certificate, actor=staff, reason="Breach.", public_statement="Revoked.")

    assert not storage.exists(name)
    certificate.refresh_from_db()
    assert not certificate.pdf and not certificate.pdf_is_current
    client.force_login(instructor)
    assert client.get(MY_PDF).status_code == 404
    assert MY_PDF not in client.get(MY_CERTIFICATE).content.decode()
    client.force_login(viewer)
    assert client.get(admin_pdf_url(certificate)).status_code == 404
    change_page = client.get(reverse("admin:certification_certificate_change", args=[certificate.pk]))
    assert admin_pdf_url(certificate) not in change_page.content.decode()
    client.force_login(staff)
    assert client.get(admin_pdf_url(certificate)).status_code == 404


def test_the_revoked_pdf_is_deleted_only_after_commit(staff, certificate, django_capture_on_commit_callbacks):
    name, storage = certificate.pdf.name, certificate.pdf.storage

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.revoke_certificate(certificate, actor=staff, reason="Breach.", public_statement="Revoked.")
    assert storage.exists(name)
    for callback in callbacks:
        callback()

    assert not storage.exists(name)


def test_a_reinstated_certificate_gets_a_fresh_pdf(
    client, instructor, staff, certificate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.revoke_certificate(certificate, actor=staff, reason="Breach.", public_statement="Revoked.")
    services.reinstate_certificate(certificate, actor=staff, reason="Appeal upheld.")
    client.force_login(instructor)

    response = client.get(MY_PDF)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = body(response)
    assert pdf.startswith(b"%PDF") and certificate.number in printed_text(pdf)


def test_a_reinstated_certificate_is_emailed_with_a_newly_stored_pdf(
    staff, certificate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.revoke_certificate(certificate, actor=staff, reason="Breach.", public_statement="Revoked.")
    services.reinstate_certificate(certificate, actor=staff, reason="Appeal upheld.")
    resent = services.resend_certificate(certificate, actor=staff)

    services.queue_certificate_email(certificate.pk, version=resent.email_version)

    certificate.refresh_from_db()
    assert certificate.pdf_is_current and certificate.pdf.storage.exists(certificate.pdf.name)
    attachment = OutgoingEmail.objects.get(key=f"certificate-issued:{certificate.pk}:2").attachments.get()
    with attachment.file.open("rb") as handle:
        assert handle.read() == stored_bytes(certificate)


def test_renewal_deletes_the_previous_file_and_serves_the_new_revision(
    client, instructor, staff, certificate, django_capture_on_commit_callbacks
):
    previous_name, previous_pdf = certificate.pdf.name, stored_bytes(certificate)
    renewed = services.renew_certificate(certificate, actor=staff, reason="Renewal fee paid.")
    client.force_login(instructor)
    # Before the email task stores the new PDF, the old one is not served either: it shows the old dates.
    assert printed_text(body(client.get(MY_PDF))) != printed_text(previous_pdf)

    with django_capture_on_commit_callbacks(execute=True):
        services.queue_certificate_email(renewed.pk, version=renewed.email_version)

    renewed.refresh_from_db()
    assert renewed.pdf.name != previous_name and renewed.pdf_revision == renewed.revision == 2
    assert not renewed.pdf.storage.exists(previous_name)
    served = body(client.get(MY_PDF))
    assert served == stored_bytes(renewed) and printed_text(served) != printed_text(previous_pdf)


def test_correcting_the_name_of_an_expired_certificate_drops_the_old_file(
    client, instructor, staff, certificate, django_capture_on_commit_callbacks
):
    previous_name = certificate.pdf.name
    with (
        time_machine.travel(certificate.valid_until + timedelta(days=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.correct_certificate_name(certificate, actor=staff, name="Carol Castro-Ruiz")
    with time_machine.travel(certificate.valid_until + timedelta(days=1), tick=False):
        client.force_login(instructor)
        response = client.get(MY_PDF)

    assert not certificate.pdf.storage.exists(previous_name)
    assert response.status_code == 200
    assert "Carol Castro-Ruiz" in printed_text(body(response))


def test_an_expired_certificate_is_still_downloaded_by_holder_and_staff(
    client, instructor, viewer, certificate
):
    with time_machine.travel(certificate.valid_until + timedelta(days=1), tick=False):
        client.force_login(instructor)
        holder = client.get(MY_PDF)
        page = client.get(MY_CERTIFICATE).content.decode()
        client.force_login(viewer)
        staff = client.get(admin_pdf_url(certificate))

    assert holder.status_code == 200 and body(holder) == stored_bytes(certificate)
    assert MY_PDF in page and "EXPIRED" in page
    assert staff.status_code == 200 and body(staff).startswith(b"%PDF")


def test_the_holder_pdf_address_takes_only_get(client, instructor, certificate):
    client.force_login(instructor)

    assert client.post(MY_PDF).status_code == 405


def test_a_pdf_not_stored_yet_is_rendered_for_the_holder(client, instructor):
    certificate = CertificateFactory(holder=instructor, number="IMC-2020-00078")
    client.force_login(instructor)

    response = client.get(MY_PDF)

    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert certificate.number in printed_text(response.content)
    assert not Certificate.objects.get(pk=certificate.pk).pdf
