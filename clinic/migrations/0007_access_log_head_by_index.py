"""The access-log trigger finds the chain's head through the primary key's index, whatever the
table's statistics say (decision 0052).

The trigger's `ORDER BY id DESC LIMIT 1` is planned once per session from the statistics of the
moment. Planned while the table was small (a new install, a database analyzed before the log
filled), it is a sequential scan and a sort, which the session keeps until the table is analyzed
again: every append then reads the whole log, and writing a read grows slower with every row
(measured: +0.3 ms per 600 rows). With sequential scans off for the function only (restored when
it returns), the head is always one backward step of the index.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("clinic", "0006_access_log_chained_by_database")]
    operations = [
        migrations.RunSQL(
            "ALTER FUNCTION clinic_accesslog_chain() SET enable_seqscan = off",
            "ALTER FUNCTION clinic_accesslog_chain() RESET enable_seqscan",
        )
    ]
