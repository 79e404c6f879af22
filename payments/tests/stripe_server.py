"""localstripe, the fake Stripe server, as the tests run it: a process of their own on a free port, spoken to
over HTTP the way Stripe.js's stand-in and Stripe's webhooks do. Nothing between our code and the Stripe
API is mocked."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

LOCALSTRIPE = Path(sys.executable).with_name("localstripe")
PUBLISHABLE_KEY = "pk_test_localstripe"
SECRET_KEY = "sk_test_localstripe"
WEBHOOK_SECRET = "whsec_localstripe"

# Stripe's test cards, as localstripe answers them.
CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000341"
CARD_3D_SECURE = "4000002500003155"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class StripeServer:
    base: str
    process: subprocess.Popen

    def _get(self, path: str, **params) -> dict:
        response = requests.get(f"{self.base}{path}", params=params, auth=(SECRET_KEY, ""), timeout=10)
        response.raise_for_status()
        return response.json()

    def card(self, number: str = CARD_OK) -> str:
        """What the Elements stand-in does when Pay is pressed: a token for the card, by the publishable
        key; its card id is the payment method our server attaches."""
        response = requests.post(
            f"{self.base}/v1/tokens",
            data={
                "card[number]": number,
                "card[exp_month]": "12",
                "card[exp_year]": "2030",
                "card[cvc]": "123",
                "key": PUBLISHABLE_KEY,
            },
            timeout=10,
        )
        response.raise_for_status()
        return response.json()["card"]["id"]

    def authenticate(self, intent_id: str, client_secret: str, *, success: bool = True) -> dict:
        """The stand-in's 3-D Secure box, answered."""
        response = requests.post(
            f"{self.base}/v1/payment_intents/{intent_id}/_authenticate",
            params={"success": "true" if success else "false"},
            json={"key": PUBLISHABLE_KEY, "client_secret": client_secret},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    def intent(self, intent_id: str) -> dict:
        return self._get(f"/v1/payment_intents/{intent_id}")

    def charges_for(self, intent_id: str) -> list[dict]:
        charges = self._get("/v1/charges", limit=100)["data"]
        return [charge for charge in charges if charge.get("payment_intent") == intent_id]

    def succeeded_charges(self, intent_ids) -> int:
        return sum(
            1
            for intent_id in intent_ids
            for charge in self.charges_for(intent_id)
            if charge["status"] == "succeeded"
        )

    def refunds_for(self, intent_id: str) -> list[dict]:
        return self._get("/v1/refunds", payment_intent=intent_id)["data"]

    def events(self, *, type: str) -> list[dict]:
        return self._get("/v1/events", type=type)["data"]

    def event_for(self, intent_id: str, *, type: str = "payment_intent.succeeded") -> dict:
        return next(event for event in self.events(type=type) if event["data"]["object"]["id"] == intent_id)

    def send_webhooks_to(self, url: str) -> None:
        response = requests.post(
            f"{self.base}/_config/webhooks/tests",
            data={"url": url, "secret": WEBHOOK_SECRET},
            timeout=10,
        )
        response.raise_for_status()


def signature_for(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header localstripe (and Stripe) put on a webhook."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = hmac.new(secret.encode(), b"%d.%s" % (timestamp, payload), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signed}"


def webhook_body(event: dict) -> bytes:
    return json.dumps(event, indent=2, sort_keys=True).encode()


@contextmanager
def running_stripe_server() -> Iterator[StripeServer]:
    port = free_port()
    process = subprocess.Popen(
        [str(LOCALSTRIPE), "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"{base}/js.stripe.com/v3/", timeout=1)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("localstripe did not start") from None
                time.sleep(0.1)
        yield StripeServer(base=base, process=process)
    finally:
        process.terminate()
        process.wait(timeout=10)
