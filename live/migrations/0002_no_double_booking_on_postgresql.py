"""No double booking, enforced by PostgreSQL: a teacher (or a student) cannot hold two
requested/approved sessions whose times overlap, even when two requests race. The exclusion
constraints need btree_gist (for `=` on the user id inside a GiST index). On SQLite this
migration does nothing; services check under a write-locked transaction instead."""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINTS = {
    "live_no_teacher_overlap": "teacher_id",
    "live_no_student_overlap": "student_id",
}


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE live_livesession ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({column} WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            "WHERE (status IN ('requested', 'approved'))"
        )


def remove_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE live_livesession DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("live", "0001_availability_and_sessions")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_constraints, remove_constraints),
    ]
