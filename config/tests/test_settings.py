"""config/settings.py read from a controlled environment, each time in a fresh interpreter.

Settings are evaluated once per process, so every case starts Python anew with only the variables it names.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.env import env_amount, env_bool, env_choice, env_currency, env_int, env_list, env_str

REPO_ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_KEY = "a-long-random-production-secret-key-0123456789-abcdefghij"

READ_SETTINGS = """
import json
import django
from django.conf import settings
from django.core.files.storage import default_storage
names = json.loads({names!r})
values = {{name: getattr(settings, name) for name in names}}
values["default_storage_class"] = default_storage.__class__.__name__
print(json.dumps(values, default=str))
"""


@pytest.fixture
def environment(tmp_path) -> dict[str, str]:
    """Only what Python needs plus a private VAR_DIR: nothing leaks in from the test process."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


@pytest.fixture
def production(environment) -> dict[str, str]:
    return {**environment, "DEBUG": "false", "SECRET_KEY": PRODUCTION_KEY}


def _start(env: dict[str, str], *names: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", READ_SETTINGS.format(names=json.dumps(names))],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_from(env: dict[str, str], *names: str) -> dict:
    result = _start(env, *names)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def refusal_from(env: dict[str, str]) -> str:
    result = _start(env, "DEBUG")
    assert result.returncode != 0, result.stdout
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    return result.stderr.strip().splitlines()[-1]


def test_an_empty_environment_refuses_to_start_without_a_secret_key(environment):
    assert "SECRET_KEY" in refusal_from(environment)


def test_debug_false_without_a_secret_key_refuses_to_start(environment):
    assert "SECRET_KEY" in refusal_from({**environment, "DEBUG": "false"})


def test_production_refuses_the_development_key_even_when_set_explicitly(environment):
    env = {**environment, "DEBUG": "false", "SECRET_KEY": settings.DEV_SECRET_KEY}

    assert "SECRET_KEY" in refusal_from(env)


def test_production_refuses_a_short_secret_key(environment):
    assert "SECRET_KEY" in refusal_from({**environment, "DEBUG": "false", "SECRET_KEY": "too-short"})


def test_debug_starts_on_sqlite_in_wal_mode_and_the_filesystem_broker(environment, tmp_path):
    values = settings_from({**environment, "DEBUG": "true"}, "DATABASES", "CELERY_BROKER_URL", "CACHES")

    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(tmp_path / "var" / "db.sqlite3")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert values["CELERY_BROKER_URL"] == "filesystem://"
    assert (tmp_path / "var" / "broker" / "queue").is_dir()
    assert values["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_debug_relaxes_cookies_and_https(environment):
    values = settings_from(
        {**environment, "DEBUG": "true"},
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "ALLOWED_HOSTS",
    )

    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is False
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]


def test_database_url_switches_to_postgres_with_bounded_lock_waits(production):
    env = {**production, "DATABASE_URL": "postgres://nurture:secret@db.internal:5432/nurturing_touch"}

    database = settings_from(env, "DATABASES")["DATABASES"]["default"]

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["HOST"] == "db.internal"
    assert database["NAME"] == "nurturing_touch"
    assert "lock_timeout=3000" in database["OPTIONS"]["options"]
    assert database["CONN_HEALTH_CHECKS"] is True


def test_celery_broker_url_switches_to_redis(production):
    env = {**production, "CELERY_BROKER_URL": "redis://broker.internal:6379/1"}

    values = settings_from(env, "CELERY_BROKER_URL", "CELERY_BROKER_TRANSPORT_OPTIONS")

    assert values["CELERY_BROKER_URL"] == "redis://broker.internal:6379/1"
    assert values["CELERY_BROKER_TRANSPORT_OPTIONS"] == {"visibility_timeout": 3600}


def test_redis_url_switches_the_cache_to_redis(production):
    env = {**production, "REDIS_URL": "redis://cache.internal:6379/2"}

    cache = settings_from(env, "CACHES")["CACHES"]["default"]

    assert cache == {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": "redis://cache.internal:6379/2",
    }


def test_production_is_strict_about_https_and_cookies(production):
    values = settings_from(
        production,
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "ALLOWED_HOSTS",
    )

    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] > 0
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["ALLOWED_HOSTS"] == []


def test_proxy_headers_are_trusted_only_when_configured(production):
    values = settings_from(
        production, "SECURE_PROXY_SSL_HEADER", "TRUSTED_PROXY_COUNT", "ALLAUTH_TRUSTED_PROXY_COUNT"
    )

    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["TRUSTED_PROXY_COUNT"] == values["ALLAUTH_TRUSTED_PROXY_COUNT"] == 0


def test_behind_a_proxy_the_https_header_and_the_proxy_count_are_read(production):
    env = {**production, "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto", "TRUSTED_PROXY_COUNT": "1"}

    values = settings_from(
        env, "SECURE_PROXY_SSL_HEADER", "TRUSTED_PROXY_COUNT", "ALLAUTH_TRUSTED_PROXY_COUNT"
    )

    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["TRUSTED_PROXY_COUNT"] == values["ALLAUTH_TRUSTED_PROXY_COUNT"] == 1


@pytest.mark.parametrize("count", ["abc", "-1", "1.5"])
def test_a_proxy_count_that_means_nothing_refuses_to_start(production, count):
    assert "TRUSTED_PROXY_COUNT" in refusal_from({**production, "TRUSTED_PROXY_COUNT": count})


def test_allowed_hosts_and_trusted_origins_come_from_comma_separated_lists(production):
    env = {
        **production,
        "ALLOWED_HOSTS": "nurturingtouch.example, www.nurturingtouch.example",
        "CSRF_TRUSTED_ORIGINS": "https://nurturingtouch.example,https://www.nurturingtouch.example",
    }

    values = settings_from(env, "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS")

    assert values["ALLOWED_HOSTS"] == ["nurturingtouch.example", "www.nurturingtouch.example"]
    assert values["CSRF_TRUSTED_ORIGINS"] == [
        "https://nurturingtouch.example",
        "https://www.nurturingtouch.example",
    ]


def test_bucket_name_puts_media_on_s3_compatible_storage(production):
    env = {**production, "AWS_STORAGE_BUCKET_NAME": "nurturing-touch-media"}

    values = settings_from(env, "STORAGES")

    assert values["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert values["default_storage_class"] == "S3Storage"


def test_without_a_bucket_media_stays_on_the_local_disk(production):
    values = settings_from(production, "STORAGES")

    assert values["default_storage_class"] == "FileSystemStorage"


def test_a_boolean_that_means_nothing_refuses_to_start(production):
    assert "DEBUG" in refusal_from({**production, "DEBUG": "maybe"})


def test_a_port_that_is_not_a_number_refuses_to_start(production):
    assert "EMAIL_PORT" in refusal_from({**production, "EMAIL_PORT": "abc"})


def test_env_str_falls_back_to_the_default_when_unset_or_blank(monkeypatch):
    monkeypatch.delenv("NT_SAMPLE", raising=False)
    assert env_str("NT_SAMPLE", "fallback") == "fallback"

    monkeypatch.setenv("NT_SAMPLE", "   ")
    assert env_str("NT_SAMPLE", "fallback") == "fallback"

    monkeypatch.setenv("NT_SAMPLE", "  value  ")
    assert env_str("NT_SAMPLE", "fallback") == "value"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), ("Yes", True), ("ON", True), ("0", False), ("false", False), ("no", False)],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("NT_SAMPLE", raw)

    assert env_bool("NT_SAMPLE", not expected) is expected


def test_env_bool_uses_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("NT_SAMPLE", raising=False)

    assert env_bool("NT_SAMPLE", True) is True


def test_env_bool_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("NT_SAMPLE", "maybe")

    with pytest.raises(ImproperlyConfigured, match="NT_SAMPLE must be a boolean"):
        env_bool("NT_SAMPLE", False)


def test_env_int_reads_numbers_and_defaults(monkeypatch):
    monkeypatch.delenv("NT_SAMPLE", raising=False)
    assert env_int("NT_SAMPLE", 25) == 25

    monkeypatch.setenv("NT_SAMPLE", " 587 ")
    assert env_int("NT_SAMPLE", 25) == 587


def test_env_int_rejects_words(monkeypatch):
    monkeypatch.setenv("NT_SAMPLE", "abc")

    with pytest.raises(ImproperlyConfigured, match="NT_SAMPLE must be a whole number"):
        env_int("NT_SAMPLE", 25)


def test_env_int_rejects_numbers_below_the_minimum(monkeypatch):
    monkeypatch.setenv("NT_SAMPLE", "0")

    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("NT_SAMPLE", 25, minimum=1)


def test_env_int_rejects_numbers_above_the_maximum(monkeypatch):
    monkeypatch.setenv("NT_SAMPLE", "101")

    with pytest.raises(ImproperlyConfigured, match="at most 100"):
        env_int("NT_SAMPLE", 25, minimum=0, maximum=100)


@pytest.mark.parametrize("typed", ["sixty", "-5", "NaN", "1,50"])
def test_env_amount_rejects_what_is_not_an_amount(monkeypatch, typed):
    monkeypatch.setenv("NT_SAMPLE", typed)

    with pytest.raises(ImproperlyConfigured, match="NT_SAMPLE must be an amount"):
        env_amount("NT_SAMPLE", "60.00")


def test_env_amount_and_currency_read_a_fee(monkeypatch):
    monkeypatch.setenv("NT_SAMPLE", " 45.50 ")
    monkeypatch.setenv("NT_SAMPLE_CURRENCY", "gbp")

    assert str(env_amount("NT_SAMPLE", "60.00")) == "45.50"
    assert env_currency("NT_SAMPLE_CURRENCY", "EUR") == "GBP"


@pytest.mark.parametrize("typed", ["euro", "E1", "€€€"])
def test_env_currency_rejects_what_is_not_a_code(monkeypatch, typed):
    monkeypatch.setenv("NT_SAMPLE", typed)

    with pytest.raises(ImproperlyConfigured, match="three-letter currency code"):
        env_currency("NT_SAMPLE", "EUR")


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("NT_SAMPLE", " a.example , b.example,, ")

    assert env_list("NT_SAMPLE") == ["a.example", "b.example"]


def test_env_list_returns_a_copy_of_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("NT_SAMPLE", raising=False)
    default = ["localhost"]

    hosts = env_list("NT_SAMPLE", default)
    hosts.append("changed")

    assert default == ["localhost"]
    assert env_list("NT_SAMPLE") == []


def test_env_choice_accepts_a_known_value_and_rejects_others(monkeypatch):
    monkeypatch.setenv("NT_SAMPLE", "WARNING")
    assert env_choice("NT_SAMPLE", "INFO", {"INFO", "WARNING"}) == "WARNING"

    monkeypatch.setenv("NT_SAMPLE", "LOUD")
    with pytest.raises(ImproperlyConfigured, match="NT_SAMPLE must be one of INFO, WARNING"):
        env_choice("NT_SAMPLE", "INFO", {"INFO", "WARNING"})
