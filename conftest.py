"""The cast every test can use, and every factory as a fixture.

Alice and Bob are parents, Carol and Dave instructors, Erin a trainee and Sam staff (healthchecks' hc/test.py
style). Each is a plain, verified account that signs in with PASSWORD; a test adds what a role needs
(a course, a profile, a certificate) with the factories, so the role is visible where it is used.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache

from accounts.models import User
from accounts.tests import factories as account_factories
from accounts.tests.factories import PASSWORD, UserFactory
from certification.tests import factories as certification_factories
from classes.tests import factories as class_factories
from instructors.tests import factories as instructor_factories
from notifications.tests import factories as notification_factories


def _person(email: str, full_name: str, **extra) -> User:
    user = UserFactory(email=email, full_name=full_name, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def parent(db) -> User:
    return _person("alice@example.org", "Alice Alvarez")


@pytest.fixture
def other_parent(db) -> User:
    return _person("bob@example.org", "Bob Baker")


@pytest.fixture
def instructor(db) -> User:
    return _person("carol@example.org", "Carol Castro")


@pytest.fixture
def other_instructor(db) -> User:
    return _person("dave@example.org", "Dave Dunn")


@pytest.fixture
def trainee(db) -> User:
    return _person("erin@example.org", "Erin Evans")


@pytest.fixture
def staff(db) -> User:
    return _person("sam@example.org", "Sam Staff", is_staff=True, is_superuser=True)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits (allauth's and ours) live in the cache; no test may inherit another's counters."""
    cache.clear()
    yield
    cache.clear()


def _fixture_name(factory_name: str) -> str:
    """UserFactory → user_factory, InstructorProfileFactory → instructor_profile_factory."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", factory_name).lower()


def _register(module) -> None:
    for name in dir(module):
        if name.endswith("Factory") and getattr(module, name).__module__ == module.__name__:
            factory_class = getattr(module, name)
            globals()[_fixture_name(name)] = pytest.fixture(name=_fixture_name(name))(
                lambda db, factory_class=factory_class: factory_class
            )


for _module in (
    account_factories,
    class_factories,
    instructor_factories,
    certification_factories,
    notification_factories,
):
    _register(_module)
