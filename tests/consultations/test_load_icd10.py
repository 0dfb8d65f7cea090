"""`manage.py load_icd10` leaves the ICD-10 search ready: the search's GIN indexes have no pending
entries after it, so the first searches after a load do not scan the whole pending list."""

from django.core.management import call_command
from django.db import connection

from consultations.models import DiagnosisCode
from consultations.services.icd10 import icd10_load


def pending_pages(index: str) -> int:
    """Merges the index's pending list and says how many pages it held (0: nothing was pending)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        return cursor.fetchone()[0]


def test_a_bulk_load_alone_leaves_entries_pending_in_the_search_index(db):
    # The reason for the command's last step: without it the new rows wait in the pending list.
    DiagnosisCode.objects.all().delete()
    icd10_load(chapters=["XII", "I"])
    assert pending_pages("icd_search") > 0


def test_the_command_loads_and_leaves_no_pending_entries_in_the_search_indexes(db, capsys):
    DiagnosisCode.objects.all().delete()
    call_command("load_icd10", chapters=["XII", "I"])
    assert "codes loaded or refreshed" in capsys.readouterr().out
    assert DiagnosisCode.objects.filter(code="L70.0", title="Acne vulgaris").exists()
    assert DiagnosisCode.objects.filter(code__startswith="A").count() > 100
    assert pending_pages("icd_search") == 0
    assert pending_pages("icd_title_trgm") == 0
