"""The access log is append-only in the database itself: UPDATE and DELETE raise.

A superuser can still disable the trigger; the hash chain (manage.py verify_access_log) then shows
exactly which row was touched. TRUNCATE is left to table owners (tests flush with it); production's
application role does not own the table (docs/operations.md).
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION clinic_accesslog_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'clinic_accesslog is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER clinic_accesslog_append_only
    BEFORE UPDATE OR DELETE ON clinic_accesslog
    FOR EACH ROW EXECUTE FUNCTION clinic_accesslog_refuse_change();
"""

REVERSE = """
DROP TRIGGER IF EXISTS clinic_accesslog_append_only ON clinic_accesslog;
DROP FUNCTION IF EXISTS clinic_accesslog_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("clinic", "0001_initial")]

    operations = [
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS btree_gist;", migrations.RunSQL.noop),
        migrations.RunSQL(FORWARD, REVERSE),
    ]
