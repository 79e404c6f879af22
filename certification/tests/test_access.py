"""Who may open each certification URL. Every pattern in certification.urls must be listed here, so a new
view cannot escape the table; private pages send visitors to sign in, and show each person their own."""

from __future__ import annotations

import pytest
from django.urls import reverse

from certification import services, urls
from certification.tests.factories import CertificateFactory, TrainingCourseFactory

pytestmark = pytest.mark.django_db

# name: (kwargs builder, anonymous visitor's status, signed-in holder's status)
ACCESS = {
    "training_list": (lambda certificate, training: {}, 200, 200),
    "training_apply": (lambda certificate, training: {"pk": training.pk}, 302, 200),
    "progress": (lambda certificate, training: {}, 302, 200),
    "verify_lookup": (lambda certificate, training: {}, 200, 200),
    "verify_token": (lambda certificate, training: {"token": certificate.token}, 200, 200),
    "my_certificate": (lambda certificate, training: {}, 302, 200),
    # Actions: a GET is refused, signed in or not.
    "pay_training_fee": (lambda certificate, training: {"pk": certificate.enrollment.pk}, 405, 405),
    "renew_certificate": (lambda certificate, training: {}, 405, 405),
    "my_certificate_pdf": (lambda certificate, training: {}, 302, 200),
    "my_certificate_badge": (lambda certificate, training: {}, 302, 200),
    "my_credential_jwt": (lambda certificate, training: {}, 302, 200),
    "my_credential_json": (lambda certificate, training: {}, 302, 200),
    "my_credential_png": (lambda certificate, training: {}, 302, 200),
    # What verifiers fetch: public, like the verification page.
    "credential_jwt": (lambda certificate, training: {"token": certificate.token}, 200, 200),
    "credential_json": (lambda certificate, training: {"token": certificate.token}, 200, 200),
    "credential_png": (lambda certificate, training: {"token": certificate.token}, 200, 200),
    "check_credential": (lambda certificate, training: {}, 200, 200),
    "did_document": (lambda certificate, training: {}, 200, 200),
    "jwks": (lambda certificate, training: {}, 200, 200),
    "status_list": (
        lambda certificate, training: {
            "number": services.current_credential(certificate).certificate.status_list_id
        },
        200,
        200,
    ),
}


def test_every_url_pattern_is_in_the_access_table():
    assert {pattern.name for pattern in urls.urlpatterns} == set(ACCESS)


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_anonymous_visitor_and_holder_get_what_the_table_says(client, instructor, name):
    certificate = CertificateFactory(holder=instructor)
    training = TrainingCourseFactory()
    build, anonymous, holder = ACCESS[name]
    url = reverse(f"certification:{name}", kwargs=build(certificate, training))

    response = client.get(url)
    assert response.status_code == anonymous
    if anonymous == 302:
        assert reverse("account_login") in response["Location"]

    client.force_login(instructor)
    assert client.get(url).status_code == holder


def test_the_pdf_of_a_revoked_certificate_is_not_served_even_to_its_holder(client, instructor, staff):
    certificate = CertificateFactory(holder=instructor)
    services.revoke_certificate(certificate, actor=staff, reason="x", public_statement="y")
    client.force_login(instructor)

    assert client.get(reverse("certification:my_certificate_pdf")).status_code == 404


def test_verification_and_lookup_refuse_methods_they_do_not_take(client):
    certificate = CertificateFactory()

    assert client.post(reverse("certification:verify_token", args=[certificate.token])).status_code == 405
    assert client.put(reverse("certification:verify_lookup")).status_code == 405


def test_a_holders_credential_files_are_their_own(client, instructor, other_instructor, parent):
    """The /teach/ addresses name no certificate: Carol gets hers, Dave his, a parent (none) a 404."""
    mine = CertificateFactory(holder=instructor, name_on_certificate="Carol Castro")
    CertificateFactory(holder=other_instructor, name_on_certificate="Dave Dunn")
    for name in ("my_credential_jwt", "my_credential_json", "my_credential_png"):
        url = reverse(f"certification:{name}")
        client.force_login(instructor)
        carol = client.get(url)
        client.force_login(other_instructor)
        dave = client.get(url)
        client.force_login(parent)
        assert client.get(url).status_code == 404
        assert carol.status_code == dave.status_code == 200 and carol.content != dave.content
        assert "attachment" in carol["Content-Disposition"] and mine.number in carol["Content-Disposition"]
