# The partners' role: a line's or the railway's system posting and reading its own EDI messages.
from django.db import migrations


def role_create(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="edi_partner")


class Migration(migrations.Migration):
    dependencies = [("aktau_tos", "0004_api_tokens")]

    operations = [migrations.RunPython(role_create, migrations.RunPython.noop)]
