"""Email backends for fault-test workers only (tests/fault/worker_settings.py names them by env)."""

from __future__ import annotations

import os
import time

from django.core.mail.backends.smtp import EmailBackend as SMTPBackend


class PauseAfterSendBackend(SMTPBackend):
    """Sends through SMTP, then stands still before returning, as a worker would if it stalled after the
    server accepted the message and before the row is marked sent: the window in which the fault test
    kills it (the one duplicate the outbox accepts: docs/domain.md, Emails: the outbox)."""

    def send_messages(self, email_messages) -> int:
        sent = super().send_messages(email_messages)
        time.sleep(float(os.environ.get("TEST_PAUSE_AFTER_SEND_SECONDS", "120")))
        return sent
