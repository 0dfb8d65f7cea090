from django.core.management.base import BaseCommand

from clinic.selectors.access_log import access_log_verify


class Command(BaseCommand):
    help = (
        "Recompute the access log's hash chain. Prints the head hash when intact (keep it somewhere "
        "else to detect a later rewrite); exits 1 naming the first broken row otherwise."
    )

    def handle(self, *args, **options):
        result = access_log_verify()
        if not result.ok:
            self.stderr.write(self.style.ERROR(str(result)))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(str(result)))
