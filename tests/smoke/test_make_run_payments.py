"""The `make run` path pays for a demo course: localstripe started by scripts/localstripe.sh (the Procfile's
`stripe` process) beside runserver and a worker, its webhooks pointed at our web process; the demo parent
books a pay-online course, pays with a test card, Stripe's webhook arrives and the worker sends the
confirmation. Subprocesses only, SQLite and the filesystem broker, as a newcomer's `make run` has them."""

from __future__ import annotations

import json
import re

import requests

from tests.smoke.test_make_run_path import (
    BIN,
    free_port,
    make_run_env,
    manage,
    query,
    running_services,
    wait_for,
)

DEMO_PASSWORD = "demo-password-2026"


def csrf_of(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_make_run_takes_a_test_payment_for_a_demo_course(tmp_path):
    env = make_run_env(tmp_path)
    port, stripe_port = free_port(), free_port()
    stripe_base = f"http://127.0.0.1:{stripe_port}"
    env.update(STRIPE_API_BASE=stripe_base, WEB_PORT=str(port))
    database = tmp_path / "db.sqlite3"
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    [(course_id, slug)] = query(
        database,
        "SELECT id, slug FROM classes_course WHERE payment_mode = 'online' AND status = 'published'"
        " ORDER BY id LIMIT 1",
    )
    [(baby_id,)] = query(
        database,
        "SELECT b.id FROM classes_baby b JOIN accounts_user u ON u.id = b.parent_id"
        " WHERE u.email = 'parent@demo.nurturingtouch.example' ORDER BY b.id LIMIT 1",
    )
    base_url = f"http://127.0.0.1:{port}"

    with running_services(env, tmp_path) as services, requests.Session() as browser:
        services.start(
            "web", str(BIN / "python"), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"
        )
        services.start(
            "worker",
            *(str(BIN / "celery"), "-A", "config", "worker", "--pool=solo", "--concurrency=1"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"),
        )
        services.start("stripe", "bash", "scripts/localstripe.sh")

        def answers(url: str):
            try:
                return browser.get(url, timeout=5)
            except requests.ConnectionError:
                return None

        wait_for(lambda: answers(f"{base_url}/healthz"), seconds=30, what="runserver", services=services)
        wait_for(
            lambda: "localstripe sends Stripe's events" in services.output("stripe") or None,
            seconds=30,
            what="localstripe and its webhook",
            services=services,
        )

        login = browser.get(f"{base_url}/accounts/login/", timeout=10)
        signed_in = browser.post(
            f"{base_url}/accounts/login/",
            data={
                "csrfmiddlewaretoken": csrf_of(login.text),
                "login": "parent@demo.nurturingtouch.example",
                "password": DEMO_PASSWORD,
            },
            timeout=10,
        )
        assert signed_in.status_code == 200, signed_in.text
        course_page = browser.get(f"{base_url}/classes/{course_id}-{slug}/", timeout=10)
        assert "Book and pay" in course_page.text
        booked = browser.post(
            f"{base_url}/classes/{course_id}/book/",
            data={"csrfmiddlewaretoken": csrf_of(course_page.text), "baby": baby_id, "expected": "book"},
            allow_redirects=False,
            timeout=10,
        )
        pay_url = base_url + booked.headers["Location"]
        assert re.search(r"/pay/\d+/$", pay_url), booked.headers["Location"]
        pay_page = browser.get(pay_url, timeout=10)
        assert "Test payments — no real money." in pay_page.text
        assert f'src="{stripe_base}/js.stripe.com/v3/"' in pay_page.text

        # What the Elements stand-in does when Pay is pressed, then what our page's script posts.
        card = requests.post(
            f"{stripe_base}/v1/tokens",
            data={
                "card[number]": "4242424242424242",
                "card[exp_month]": "12",
                "card[exp_year]": "2030",
                "card[cvc]": "123",
                "key": "pk_test_localstripe",
            },
            timeout=10,
        ).json()["card"]["id"]
        answer = browser.post(
            f"{pay_url}card/",
            data=json.dumps({"payment_method": card}),
            headers={"Content-Type": "application/json", "X-CSRFToken": csrf_of(pay_page.text)},
            timeout=30,
        ).json()
        assert answer["status"] == "succeeded", answer

        [(booking_id, status, payment_id)] = query(
            database,
            "SELECT id, status, payment_id FROM classes_booking WHERE course_id = ? AND baby_id = ?",
            course_id,
            baby_id,
        )
        assert status == "confirmed"
        wait_for(
            lambda: (
                query(database, "SELECT id FROM payments_stripeevent WHERE payment_id = ?", payment_id)
                or None
            ),
            seconds=30,
            what="localstripe's webhook",
            services=services,
        )
        wait_for(
            lambda: (
                query(
                    database,
                    "SELECT id FROM notifications_outgoingemail WHERE key = ? AND status = 'sent'",
                    f"booking-confirmed:{booking_id}",
                )
                or None
            ),
            seconds=60,
            what="the worker to send the booking confirmation",
            services=services,
        )
