"""docker-compose.yml cannot be run here (no Docker engine): what its readers rely on is checked as text."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
ENV_EXAMPLE = dict(
    line.split("=", 1)
    for line in (ROOT / ".env.example").read_text().splitlines()
    if line and not line.startswith("#")
)


def test_every_variable_compose_reads_is_in_the_env_example_or_the_readme():
    readme = (ROOT / "README.md").read_text()
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", (ROOT / "docker-compose.yml").read_text()))

    undocumented = {name for name in used if name not in ENV_EXAMPLE and f"`{name}`" not in readme}

    assert not undocumented


def test_the_fake_stripe_server_runs_only_in_its_profile_and_the_example_turns_it_on():
    services = COMPOSE["services"]

    assert services["localstripe"]["profiles"] == ["fake-stripe"]
    assert services["localstripe-webhooks"]["profiles"] == ["fake-stripe"]
    assert "localstripe_webhooks" in services["localstripe-webhooks"]["command"]
    assert all("profiles" not in services[name] for name in ("web", "worker", "beat", "migrate"))
    assert ENV_EXAMPLE["COMPOSE_PROFILES"] == "fake-stripe"
    # The containers reach the fake server by its service name, the visitor's browser by the loopback port.
    assert ENV_EXAMPLE["STRIPE_API_BASE"] == "http://localstripe:8420"
    published = services["localstripe"]["ports"][0]
    assert published == "127.0.0.1:${LOCALSTRIPE_PORT:-8420}:8420"
    assert ENV_EXAMPLE["STRIPE_JS_URL"].startswith(f"http://localhost:{ENV_EXAMPLE['LOCALSTRIPE_PORT']}/")


def test_every_app_service_gets_the_payment_settings():
    web = COMPOSE["services"]["web"]["environment"]

    for name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE", "STRIPE_JS_URL"):
        assert name in web
    assert COMPOSE["services"]["worker"]["environment"] == web


def test_exactly_one_beat():
    assert COMPOSE["services"]["beat"]["deploy"]["replicas"] == 1
