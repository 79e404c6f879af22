"""The staff role groups exist with their permissions after migrate, and again after a flush."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.models import CERTIFICATION_ADMINS_GROUP, COURSE_COORDINATORS_GROUP, TRAINERS_GROUP
from accounts.roles import ROLE_GROUPS


def _held(name: str) -> set[tuple[str, str]]:
    return set(Group.objects.get(name=name).permissions.values_list("content_type__app_label", "codename"))


@pytest.mark.django_db
def test_every_role_group_holds_its_permissions():
    for name, permissions in ROLE_GROUPS.items():
        assert set(permissions) <= _held(name), name
    assert ("classes", "manage_any_course") in _held(COURSE_COORDINATORS_GROUP)
    assert ("certification", "issue_certificate") in _held(CERTIFICATION_ADMINS_GROUP)
    assert ("certification", "issue_certificate") not in _held(TRAINERS_GROUP)


@pytest.mark.django_db(transaction=True)
def test_groups_come_back_after_the_database_is_flushed():
    call_command("flush", interactive=False, verbosity=0)

    for name, permissions in ROLE_GROUPS.items():
        assert set(permissions) <= _held(name), name
