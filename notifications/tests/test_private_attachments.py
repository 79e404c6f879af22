"""Files the outbox sent reach only their recipient and staff who may read the outbox, never a public
address: a course's .ics carries its private meeting link."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from notifications.models import EmailAttachment
from notifications.services import Attachment, queue_email

pytestmark = pytest.mark.django_db

CALENDAR = b"BEGIN:VCALENDAR\r\nX-MEETING:https://meet.example.org/private-room\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def attachment(parent) -> EmailAttachment:
    """The calendar attached to an email the outbox holds for Alice."""
    email = queue_email(
        to_email=parent.email,
        user=parent,
        template="outbox_test",
        context={"name": parent.full_name},
        key="test:calendar",
        attachments=[Attachment(filename="baby-massage.ics", content=CALENDAR, content_type="text/calendar")],
    )
    return email.attachments.get()


def download_url(attachment: EmailAttachment) -> str:
    return reverse("notifications:attachment_download", args=[attachment.pk])


def content_of(response) -> bytes:
    return b"".join(response.streaming_content)


def staff_member(user_factory, *permissions: str):
    member = user_factory(email="olga@example.org", is_staff=True, is_superuser=False)
    member.user_permissions.add(*Permission.objects.filter(codename__in=permissions))
    return member


def test_signed_out_visitor_is_sent_to_sign_in(client, attachment):
    response = client.get(download_url(attachment))

    assert response.status_code == 302
    assert urlparse(response["Location"]).path == reverse("account_login")


def test_the_recipient_downloads_the_file_as_it_was_sent(client, parent, attachment):
    client.force_login(parent)

    response = client.get(download_url(attachment))

    assert response.status_code == 200
    assert content_of(response) == CALENDAR
    assert response["Content-Type"] == "text/calendar"
    assert response["Content-Disposition"] == 'attachment; filename="baby-massage.ics"'
    assert response["Cache-Control"] == "private, no-store"


def test_another_parent_gets_404(client, other_parent, attachment):
    client.force_login(other_parent)

    assert client.get(download_url(attachment)).status_code == 404


def test_staff_with_only_the_permission_to_read_the_outbox_downloads_it(client, user_factory, attachment):
    client.force_login(staff_member(user_factory, "view_outgoingemail"))

    response = client.get(download_url(attachment))

    assert response.status_code == 200
    assert content_of(response) == CALENDAR


def test_staff_without_the_permission_to_read_the_outbox_gets_404(client, user_factory, attachment):
    client.force_login(staff_member(user_factory, "view_user"))

    assert client.get(download_url(attachment)).status_code == 404


def test_a_file_that_is_gone_is_a_404(client, parent, attachment):
    attachment.file.storage.delete(attachment.file.name)
    client.force_login(parent)

    assert client.get(download_url(attachment)).status_code == 404


def test_the_file_lives_outside_media_and_its_old_public_address_serves_nothing(
    client, parent, settings, attachment
):
    stored = Path(attachment.file.path).resolve()
    client.force_login(parent)

    assert stored.read_bytes() == CALENDAR
    assert stored.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert client.get(f"{settings.MEDIA_URL}{attachment.file.name}").status_code != 200
    assert client.get(download_url(attachment)).status_code == 200


def test_the_admin_links_the_checked_download_not_a_public_file(client, user_factory, settings, attachment):
    # The inline lists attachments to whoever may view them as well as the email.
    client.force_login(staff_member(user_factory, "view_outgoingemail", "view_emailattachment"))

    page = client.get(reverse("admin:notifications_outgoingemail_change", args=[attachment.email_id]))

    assert page.status_code == 200
    assert f'href="{download_url(attachment)}"' in page.content.decode()
    assert f"{settings.MEDIA_URL}{attachment.file.name}" not in page.content.decode()
