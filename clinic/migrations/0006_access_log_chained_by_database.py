"""The database chains each access-log row as it is inserted (decision 0052).

A BEFORE INSERT trigger takes the writers' lock, reads the chain's head, and sets the row's id,
accessed_at, prev_hash and row_hash. Writing a read is then one INSERT statement instead of a
transaction of five round trips (begin, lock, read the head, insert, commit), and no INSERT can
put a row anywhere but at the end of the chain, whatever it claims.

The hash is the one clinic.services.access_log.access_log_row_hash computes (the verifier still
recomputes every row in Python): sha256 over prev_hash followed by the canonical JSON of the
hashed fields, keys sorted, no spaces, text as JSON strings (PostgreSQL's to_json and Python's
json.dumps(ensure_ascii=False) escape the same characters the same way), accessed_at in UTC with
microseconds, ids as text. tests/clinic/test_access_log.py compares the two on awkward values.

In a VOLATILE function every statement takes a fresh snapshot, so the head read after the lock sees
the previous writer's committed row; rows earlier in the same INSERT are seen too (row-level BEFORE
triggers see the rows their statement already inserted). The id is drawn under the lock, so id
order is chain order; the default drawn before the trigger is left unused (ids have gaps).
"""

from django.db import migrations

# pg_advisory_xact_lock key of every access-log writer: clinic.services.access_log.ACCESS_LOG_LOCK_ID.
FORWARD = """
CREATE FUNCTION clinic_accesslog_chain() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head text;
BEGIN
    PERFORM pg_advisory_xact_lock(7593963293131106097);
    SELECT row_hash INTO head FROM clinic_accesslog ORDER BY id DESC LIMIT 1;
    NEW.id := nextval(pg_get_serial_sequence('clinic_accesslog', 'id'));
    NEW.accessed_at := clock_timestamp();
    NEW.prev_hash := coalesce(head, repeat('0', 64));
    NEW.row_hash := encode(sha256(convert_to(
        NEW.prev_hash
        || '{"access_type":' || coalesce(to_json(NEW.access_type)::text, 'null')
        || ',"accessed_at":' || to_json(
               to_char(NEW.accessed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00')::text
        || ',"actor":' || coalesce(to_json(NEW.actor)::text, 'null')
        || ',"ip_address":' || coalesce(to_json(host(NEW.ip_address))::text, 'null')
        || ',"patient_id":' || coalesce(to_json(NEW.patient_id::text)::text, 'null')
        || ',"reason":' || coalesce(to_json(NEW.reason)::text, 'null')
        || ',"record_id":' || coalesce(to_json(NEW.record_id)::text, 'null')
        || ',"record_type":' || coalesce(to_json(NEW.record_type)::text, 'null')
        || ',"user_agent":' || coalesce(to_json(NEW.user_agent)::text, 'null')
        || ',"user_id":' || coalesce(to_json(NEW.user_id::text)::text, 'null')
        || '}', 'UTF8')), 'hex');
    RETURN NEW;
END
$$;
CREATE TRIGGER clinic_accesslog_chain
    BEFORE INSERT ON clinic_accesslog
    FOR EACH ROW EXECUTE FUNCTION clinic_accesslog_chain();
"""

REVERSE = """
DROP TRIGGER IF EXISTS clinic_accesslog_chain ON clinic_accesslog;
DROP FUNCTION IF EXISTS clinic_accesslog_chain();
"""


class Migration(migrations.Migration):
    dependencies = [("clinic", "0005_message_log")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
