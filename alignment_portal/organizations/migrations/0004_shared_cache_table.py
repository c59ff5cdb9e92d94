"""The database table production's cache falls back to when CACHE_URL is unset (settings.py):
created by migrate, so no deployment has to remember `createcachetable`."""

from django.conf import settings
from django.db import migrations


def create_cache_table(apps, schema_editor):
    from django.core.management.commands.createcachetable import Command

    command = Command()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, settings.CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(
        f"DROP TABLE IF EXISTS {schema_editor.quote_name(settings.CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("organizations", "0003_recompute_claims")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
