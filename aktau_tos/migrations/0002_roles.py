# The six roles of docs/api/scanner.md as groups. Their admin permissions are granted after every migrate
# by aktau_tos.roles.roles_grant_permissions, since permissions of later models do not exist yet here.
from django.db import migrations

ROLES = ("operator", "yard_clerk", "driver", "customs_officer", "dg_officer", "manager")


def roles_create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("aktau_tos", "0001_idempotent_request"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(roles_create, migrations.RunPython.noop)]
