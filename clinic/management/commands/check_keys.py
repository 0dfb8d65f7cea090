from django.core.management.base import BaseCommand

from clinic import keystore


class Command(BaseCommand):
    help = (
        "Fail with a clear message when the encryption keys are missing or do not open the stored data keys."
    )

    def handle(self, *args, **options):
        keystore.assert_keys_usable()
        self.stdout.write(self.style.SUCCESS(f"keys OK (current KEK {keystore.kek_ring().current_id})"))
