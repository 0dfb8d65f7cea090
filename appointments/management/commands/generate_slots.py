"""`manage.py generate_slots [--branch CODE] [--weeks N]`: create missing slots from the schedules.

Idempotent: run it as often as you like; the daily beat job does the same.
"""

from django.core.management.base import BaseCommand, CommandError

from appointments.services import slot_generate
from clinic.models import Branch


class Command(BaseCommand):
    help = "Generate appointment slots from doctors' weekly schedules (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--branch", help="Branch code (default: every branch).")
        parser.add_argument(
            "--weeks", type=int, help="Weeks ahead (default: APPOINTMENT_SLOT_WEEKS_AHEAD, 4)."
        )

    def handle(self, *args, branch=None, weeks=None, **options):
        if weeks is not None and weeks < 1:
            raise CommandError("--weeks must be at least 1.")
        target = None
        if branch:
            target = Branch.objects.filter(code=branch).first()
            if target is None:
                raise CommandError(f"No branch with code {branch!r}.")
        created = slot_generate(branch=target, weeks=weeks)
        self.stdout.write(self.style.SUCCESS(f"{created} slots added."))
