"""The staff roles as Django groups and the permissions each holds (docs/domain.md, Roles and permissions).

The data migrations created these groups; ensure_role_groups runs after every `migrate` (and after a test
database is flushed, which sends the same signal) so that each group exists with at least these
permissions. It only adds: permissions an administrator granted on top stay. Permissions are named as
strings, so this floor imports nothing of the apps above it.
"""

from __future__ import annotations

from accounts.models import (
    CERTIFICATION_ADMINS_GROUP,
    COURSE_COORDINATORS_GROUP,
    PAYMENTS_OFFICERS_GROUP,
    TRAINERS_GROUP,
)

ROLE_GROUPS: dict[str, list[tuple[str, str]]] = {
    TRAINERS_GROUP: [
        ("certification", "view_trainingcourse"),
        ("certification", "view_enrollment"),
        ("certification", "change_enrollment"),
    ],
    CERTIFICATION_ADMINS_GROUP: [
        ("certification", "view_trainingcourse"),
        ("certification", "add_trainingcourse"),
        ("certification", "change_trainingcourse"),
        ("certification", "view_enrollment"),
        ("certification", "change_enrollment"),
        ("certification", "view_certificate"),
        ("certification", "view_certificateevent"),
        ("certification", "issue_certificate"),
        ("certification", "manage_certificate"),
        # Families' evaluations of practicum courses are part of a trainee's record.
        ("classes", "view_evaluation"),
        ("association", "view_dashboard"),
    ],
    COURSE_COORDINATORS_GROUP: [
        ("classes", "manage_any_course"),
        ("classes", "view_course"),
        ("classes", "change_course"),
        ("classes", "view_session"),
        ("classes", "view_booking"),
        ("classes", "view_attendance"),
        ("classes", "view_venue"),
        ("classes", "view_courseaction"),
        ("classes", "view_evaluation"),
        ("association", "view_dashboard"),
    ],
    PAYMENTS_OFFICERS_GROUP: [
        ("payments", "view_payment"),
        ("payments", "view_refund"),
        ("payments", "view_receipt"),
        ("payments", "refund_payment"),
    ],
}


def ensure_role_groups(*, apps=None, **kwargs) -> None:
    """Create each role's group if it is missing and give it the permissions that exist so far (a
    post_migrate receiver: it runs once per migrated app, so the last run sees every permission)."""
    if apps is None:
        from django.apps import apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = {pair for permissions in ROLE_GROUPS.values() for pair in permissions}
    existing = {
        (permission.content_type.app_label, permission.codename): permission
        for permission in Permission.objects.select_related("content_type").filter(
            codename__in={codename for _app, codename in wanted}
        )
    }
    for name, permissions in ROLE_GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*(existing[pair] for pair in permissions if pair in existing))
