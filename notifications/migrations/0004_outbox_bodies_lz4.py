"""The outbox's bodies compressed with lz4 instead of pglz on Postgres (14 and newer, built with lz4 as
Debian's and the official images are): a reminder sweep stores thousands of rendered bodies at once, and
pglz was most of the time the database spent on each insert. Values stored before keep their own
compression; only new ones use lz4. Other databases have nothing to change."""

from django.db import migrations

COLUMNS = ("body_text", "body_html")


def compress_with(method: str):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        columns = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION {method}" for column in COLUMNS)
        schema_editor.execute(f"ALTER TABLE notifications_outgoingemail {columns}")

    return apply


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_deferred_rendering")]

    operations = [migrations.RunPython(compress_with("lz4"), compress_with("pglz"))]
