"""P4 and P5: what goes through the outbox in bulk, delivered by two real Celery workers to a real SMTP
server, driven through the Celery tasks beat runs and the services admins use.

Every family and trainee here is a new account with one email due, so the SMTP server counts messages by
recipient and the bench needs to know nothing of how the outbox keys, renders or batches its emails.

P4, reminders. 10,000 due: 1,250 courses of eight confirmed families, each course's first session within
the next day.
  1. With the two workers running, one sweep (`classes.tasks.queue_session_reminders`, in a process of its
     own): *queued* is the time until the sweep has returned and the outbox holds a row for every reminder;
     *delivered* the time until SMTP has every reminder.
  2. 10,000 more become due, and two sweeps start at the same instant in two processes while
     `notifications.tasks.requeue_stuck_emails` runs every two seconds with a one-second threshold (beat
     runs it every minute), handing rows still waiting to the workers again so that two tasks race for one
     row. Each reminder must reach SMTP exactly once.
P5, certificates: the PDF timed per certificate in this process, then 500 eligible trainees issued their
certificate one after another with `issue_certificate`, until SMTP has every certificate email.

Every wait has a cap, so a run whose app misses a target by far still ends: a step stopped at its cap is
reported as such (and judged MISSED).
"""

from __future__ import annotations

from pathlib import Path

from bench.delivery.certificates import certificate_bench
from bench.delivery.processes import smtp_server
from bench.delivery.reminders import FAMILIES_PER_COURSE, reminder_bench, sweep
from bench.seed import DOMAIN

__all__ = ["main", "sweep"]

REMINDERS = 10_000
CERTIFICATES = 500


def main(out: str, factor: str = "1") -> dict:
    out_dir = Path(out).parent
    reminders = max(round(REMINDERS * float(factor)) // FAMILIES_PER_COURSE * FAMILIES_PER_COURSE, 80)
    certificates = max(round(CERTIFICATES * float(factor)), 20)
    with smtp_server() as (handler, port):
        p4 = reminder_bench(handler, port, out_dir, reminders)
        p5 = certificate_bench(handler, port, out_dir, certificates)
    return {"p4": p4, "p5": p5, "recipient_domain": DOMAIN}
