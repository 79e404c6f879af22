"""Files the outbox sent, streamed only to the person they were sent to and to staff who read the outbox."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from notifications.models import EmailAttachment


def _attachment_for(user, pk: int) -> EmailAttachment:
    """The attachment, when this person received its email or may read the outbox; otherwise a 404, so
    nobody learns that an email to someone else exists."""
    attachments = EmailAttachment.objects.select_related("email")
    if not user.has_perm("notifications.view_outgoingemail"):
        attachments = attachments.filter(email__user_id=user.pk)
    return get_object_or_404(attachments, pk=pk)


@login_required
@require_safe
def attachment_download(request, pk: int):
    """One attachment as it was sent (a course's .ics can carry its private meeting link)."""
    attachment = _attachment_for(request.user, pk)
    if not attachment.file:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        # Purged with the email's body, or lost: either way there is nothing to give.
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )
    # Someone's calendar or certificate must not stay in a shared or proxy cache.
    response["Cache-Control"] = "private, no-store"
    return response
