"""The four staff roles as groups. Their permissions are (re)applied by clinic.roles.sync_role_permissions
after every migrate, so that models added by later apps get their permissions too."""

from django.db import migrations

ROLES = ["Admin", "Front desk", "Doctor", "Therapist/Nurse"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("clinic", "0002_access_log_append_only"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
