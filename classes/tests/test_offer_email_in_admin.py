"""A waitlist offer's signed link takes or gives away a place: the family gets it working, staff reading
the outbox see a mask. The offer is made by the booking services, as it is in real life."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from classes.emails import offer_version, read_offer_token
from classes.models import Booking
from classes.services import book_course, cancel_booking
from notifications.models import OutgoingEmail
from notifications.services import SECRET_MASK, DeliveryOutcome, deliver_email

OFFER_LINK = re.compile(r"https?://\S+/classes/offers/(?P<token>[^/\s]+)/")


@pytest.mark.django_db(transaction=True)
def test_the_offer_link_is_masked_in_admin_and_opens_the_offer_as_delivered(
    parent, other_parent, user_factory, course_factory, session_factory, baby_factory
):
    course = course_factory(capacity=1)
    for _ in range(5):
        session_factory(course=course)
    holding = book_course(course, parent=other_parent, baby=baby_factory(parent=other_parent))
    waiting = book_course(course, parent=parent, baby=baby_factory(parent=parent))
    cancel_booking(holding, by=other_parent)
    offered = Booking.objects.get(pk=waiting.pk, status=Booking.Status.OFFERED)
    email = OutgoingEmail.objects.get(key__startswith=f"place-offered:{offered.pk}:")
    reader = user_factory(email="olga@example.org", is_staff=True, is_superuser=False)
    reader.user_permissions.add(Permission.objects.get(codename="view_outgoingemail"))
    staff = Client()
    staff.force_login(reader)
    change_page = reverse("admin:notifications_outgoingemail_change", args=[email.pk])
    page_before_delivery = staff.get(change_page).content.decode()

    assert deliver_email(email.pk) == (DeliveryOutcome.SENT, None)

    [sent] = mail.outbox
    link = OFFER_LINK.search(sent.body)
    assert link, sent.body
    assert read_offer_token(link["token"]) == (offered.pk, offer_version(offered))
    assert f'href="{link[0]}"' in sent.alternatives[0][0]
    for page in (page_before_delivery, staff.get(change_page).content.decode()):
        assert link["token"] not in page
        assert str(SECRET_MASK) in page
    email.refresh_from_db()
    assert email.secrets == []
    offer_page = Client().get(urlparse(link[0]).path)
    assert offer_page.status_code == 200
    assert "Accept the place" in offer_page.content.decode()
