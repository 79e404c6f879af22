"""Chromium through Playwright against pytest-django's live server (system Chromium by executable_path),
and axe-core (bundled by the axe-playwright-python package) to audit the pages the tests visit."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import axe_playwright_python
import pytest
from django.conf import settings
from django.test import Client

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the same thread are fine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

# The world of the access sweep, for the accessibility audit of every page it names.
from tests.access.conftest import world  # noqa: F401

# A real Celery worker on the shared Redis and an SMTP server, for the journey that waits for its emails
# (module-scoped: started once for the module that asks for them, and only then).
from tests.integration.conftest import (  # noqa: F401
    celery_app_on_redis,
    outbox_worker,
    redis_broker,
    smtp_port,
    smtp_server,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 390, "height": 844}


def chromium_executable() -> str | None:
    """The system Chromium (CHROMIUM_PATH or Debian's); None lets Playwright use its own download."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def refused_by_csp(context: BrowserContext) -> list[str]:
    """What the Content Security Policy blocks on the context's pages, as Chromium reports it: the site
    must work under its own policy, so a test ends with this list empty."""
    refusals: list[str] = []

    def listen(message) -> None:
        if "Content Security Policy" in message.text:
            refusals.append(f"{message.page.url if message.page else ''}: {message.text}")

    context.on("console", listen)
    return refusals


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE, locale="en-GB", accept_downloads=True)
    context.set_default_timeout(10_000)
    refusals = refused_by_csp(context)
    yield context
    context.close()
    assert refusals == [], "the Content Security Policy blocked part of a page"


@pytest.fixture
def page(phone: BrowserContext) -> Page:
    return phone.new_page()


def screenshot(page: Page, name: str) -> Path:
    """Keep a full-page screenshot under test-artifacts/ for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(context: BrowserContext, base_url: str, user) -> None:
    """Give the browser a signed-in session of `user`, as the sign-in page would (journeys that are
    about signing in use the form instead)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


# axe-core as the package ships it. Evaluated through the DevTools protocol, it runs under the site's
# Content Security Policy unchanged (a <script> tag injected into the page would be refused by it).
AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
IMPACTS = ("critical", "serious", "moderate", "minor")
BLOCKING = ("critical", "serious")


@dataclass(frozen=True)
class AxeAudit:
    """axe-core's violations on one page, kept for the table printed at the end of the run."""

    name: str
    url: str
    violations: list[dict]

    def count(self, impact: str) -> int:
        return sum(1 for violation in self.violations if violation["impact"] == impact)

    @property
    def blocking(self) -> list[dict]:
        return [violation for violation in self.violations if violation["impact"] in BLOCKING]

    def describe(self, violations: list[dict] | None = None) -> str:
        lines = []
        for violation in self.violations if violations is None else violations:
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
            lines.append(f"  {violation['impact']}: {violation['id']} — {violation['help']} — {targets}")
        return f"{self.name} ({self.url}):\n" + "\n".join(lines)


AUDITS: list[AxeAudit] = []


def audit(page: Page, name: str) -> AxeAudit:
    """Run axe-core's rules (WCAG 2.x A and AA, and its best practices) on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    result = AxeAudit(name=name, url=page.url, violations=results["violations"])
    AUDITS.append(result)
    return result


def assert_accessible(page: Page, name: str) -> AxeAudit:
    """Audit the page and fail on any serious or critical violation."""
    result = audit(page, name)
    assert not result.blocking, result.describe(result.blocking)
    return result


def pytest_terminal_summary(terminalreporter) -> None:
    if not AUDITS:
        return
    terminalreporter.section("axe-core: violations per page (all impacts)")
    width = max(len(result.name) for result in AUDITS)
    terminalreporter.write_line(f"{'page'.ljust(width)}  " + "  ".join(f"{i:>8}" for i in IMPACTS))
    for result in AUDITS:
        counts = "  ".join(f"{result.count(impact):>8}" for impact in IMPACTS)
        terminalreporter.write_line(f"{result.name.ljust(width)}  {counts}")
    blocking = sum(len(result.blocking) for result in AUDITS)
    terminalreporter.write_line(f"{len(AUDITS)} pages audited, {blocking} serious or critical violations")
