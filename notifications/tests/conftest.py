from __future__ import annotations

import pytest

from notifications import tasks


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple[int, int | None]]:
    """Deliveries handed to the broker, as (email id, countdown); a batch hand-off counts each row.

    The publish is replaced, not the services that publish, so every path that hands a row over is seen.
    """
    calls: list[tuple[int, int | None]] = []

    def publish_one(args, countdown=None, **options):
        calls.append((args[0], countdown))

    def publish_batch(args, **options):
        calls.extend((email_id, None) for email_id in args[0])

    monkeypatch.setattr(tasks.deliver_email, "apply_async", publish_one)
    monkeypatch.setattr(tasks.deliver_emails, "apply_async", publish_batch)
    return calls
