"""Point localstripe's webhooks at our web process (`make run`, scripts/localstripe.sh).

Real Stripe is configured in its dashboard instead (README "Payments"); this only talks to the fake
server, and refuses when live keys are set.
"""

from __future__ import annotations

import time

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse


class Command(BaseCommand):
    help = "Register our Stripe webhook endpoint with localstripe (the fake Stripe server)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--site-url", default=settings.SITE_URL, help="Where localstripe reaches our web."
        )
        parser.add_argument("--wait", type=float, default=15.0, help="Seconds to wait for localstripe.")

    def handle(self, *args, site_url: str, wait: float, **options) -> None:
        if not settings.PAYMENTS_TEST_MODE or "api.stripe.com" in settings.STRIPE_API_BASE:
            raise CommandError("STRIPE_API_BASE is Stripe itself: set its webhook in the Stripe dashboard.")
        endpoint = site_url.rstrip("/") + reverse("payments:stripe_webhook")
        deadline = time.monotonic() + wait
        while True:
            try:
                response = requests.post(
                    f"{settings.STRIPE_API_BASE}/_config/webhooks/nurturing-touch",
                    data={"url": endpoint, "secret": settings.STRIPE_WEBHOOK_SECRET},
                    timeout=5,
                )
                response.raise_for_status()
                break
            except requests.RequestException as error:
                if time.monotonic() > deadline:
                    raise CommandError(
                        f"localstripe at {settings.STRIPE_API_BASE} did not answer: {error}"
                    ) from None
                time.sleep(0.2)
        self.stdout.write(f"localstripe sends Stripe's events to {endpoint}")
