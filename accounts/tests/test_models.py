from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from accounts.models import CERTIFICATION_ADMINS_GROUP, TRAINERS_GROUP, User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_create_user_stores_the_email_in_lower_case():
    user = User.objects.create_user("Alice.Alvarez@Example.ORG", "correct-horse-battery")

    assert user.email == "alice.alvarez@example.org"
    assert user.check_password("correct-horse-battery")
    assert not user.is_staff
    assert not user.is_superuser


def test_create_user_requires_an_email():
    with pytest.raises(ValueError, match="email"):
        User.objects.create_user("", "correct-horse-battery")


def test_create_superuser_makes_staff_superuser():
    user = User.objects.create_superuser("Sam@Example.org", "correct-horse-battery")

    assert user.email == "sam@example.org"
    assert user.is_staff
    assert user.is_superuser


def test_login_lookup_ignores_the_case_of_the_email():
    user = UserFactory(email="alice@example.org")

    assert User.objects.get_by_natural_key("ALICE@example.org") == user


def test_two_accounts_cannot_share_an_email_in_different_case():
    User.objects.create(email="a@x.org")

    with pytest.raises(IntegrityError, match="user_email_unique_ci"), transaction.atomic():
        User.objects.create(email="A@x.org")


def test_full_clean_rejects_an_unknown_time_zone():
    user = UserFactory.build(time_zone="Europe/Atlantis")

    with pytest.raises(ValidationError) as excinfo:
        user.full_clean()

    assert list(excinfo.value.message_dict) == ["time_zone"]


def test_full_clean_accepts_a_known_time_zone_and_lowercases_the_email():
    user = UserFactory.build(email="Carol@Example.org", time_zone="America/Mexico_City")

    user.full_clean()

    assert user.email == "carol@example.org"


def _apply_migration(app_label: str, name: str) -> None:
    executor = MigrationExecutor(connection)
    node = (app_label, name)
    state_before = executor.loader.project_state(node, at_end=False)
    with connection.schema_editor() as schema_editor:
        executor.loader.graph.nodes[node].apply(state_before, schema_editor)


@pytest.mark.parametrize(
    ("group_name", "codenames"),
    [
        (TRAINERS_GROUP, {"view_trainingcourse", "view_enrollment", "change_enrollment"}),
        (
            CERTIFICATION_ADMINS_GROUP,
            {
                "view_trainingcourse",
                "add_trainingcourse",
                "change_trainingcourse",
                "view_enrollment",
                "change_enrollment",
                "view_certificate",
                "add_certificate",
                "change_certificate",
                "view_certificateevent",
            },
        ),
    ],
)
def test_role_groups_migration_creates_each_group_with_its_permissions(group_name, codenames):
    # Run the migration itself on a database without the group: a transactional test elsewhere
    # flushes migration data, so reading what the test database was built with would depend on order.
    Group.objects.filter(name=group_name).delete()
    _apply_migration("certification", "0002_role_groups")

    group = Group.objects.get(name=group_name)

    permissions = set(group.permissions.values_list("content_type__app_label", "codename"))

    assert permissions == {("certification", codename) for codename in codenames}
