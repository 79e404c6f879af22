"""The Trainers and Certification admins groups (docs/domain.md, Roles and permissions), with their model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TRAINERS = "Trainers"
CERTIFICATION_ADMINS = "Certification admins"

GROUP_PERMISSIONS = {
    TRAINERS: [
        "view_trainingcourse",
        "view_enrollment",
        "change_enrollment",
    ],
    CERTIFICATION_ADMINS: [
        "view_trainingcourse",
        "add_trainingcourse",
        "change_trainingcourse",
        "view_enrollment",
        "change_enrollment",
        "view_certificate",
        "add_certificate",
        "change_certificate",
        "view_certificateevent",
    ],
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; create ours now so the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="certification", codename__in=codenames)
        )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
