"""The egress ledger is append-only in the database itself: UPDATE and DELETE raise (as the access
log in clinic 0002). TRUNCATE is left to the table owner (tests flush with it)."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION voice_egresslog_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'voice_egresslog is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER voice_egresslog_append_only
    BEFORE UPDATE OR DELETE ON voice_egresslog
    FOR EACH ROW EXECUTE FUNCTION voice_egresslog_refuse_change();
"""

REVERSE = """
DROP TRIGGER IF EXISTS voice_egresslog_append_only ON voice_egresslog;
DROP FUNCTION IF EXISTS voice_egresslog_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("voice", "0002_seed_pii_patterns")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
