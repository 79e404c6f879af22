"""Calendar subscriptions: the secret address of a person's feed."""

from __future__ import annotations

import secrets

from django.db import transaction

from accounts.models import User
from classes.models import CalendarFeed


def renew_calendar_feed(owner: User, *, kind: str) -> CalendarFeed:
    """Give the person's calendar feed of this kind a new secret address, creating the feed the first
    time; the old address stops working at once (anyone who had it gets a 404).

    Raises ValueError for an unknown kind (a programming error: the views name the kind). Queues
    nothing.
    """
    if kind not in CalendarFeed.Kind.values:
        raise ValueError(f"unknown calendar feed: {kind}")
    with transaction.atomic():
        feed, created = CalendarFeed.objects.select_for_update().get_or_create(
            owner=owner, kind=kind, defaults={"token": secrets.token_urlsafe(32)}
        )
        if not created:
            feed.token = secrets.token_urlsafe(32)
            feed.save(update_fields=["token"])
    return feed
