"""Re-wrap every data key under the current ENCRYPTION_KEK, then prove the data still decrypts.

Operator steps (docs/operations.md): put the new key in ENCRYPTION_KEK, list the old one in
ENCRYPTION_OLD_KEKS, run this command, then remove the old key from the environment.
"""

from django.core.management.base import BaseCommand, CommandError

from clinic import keystore
from clinic.services.patients import patients_verify_decryptable


class Command(BaseCommand):
    help = "Re-wrap all data keys under the current key-encryption key and verify every patient decrypts."

    def handle(self, *args, **options):
        result = keystore.kek_rotate()
        kek_id = keystore.kek_ring().current_id
        self.stdout.write(
            f"re-wrapped {result['rewrapped']} of {result['total']} data keys under KEK {kek_id}"
        )
        check = patients_verify_decryptable()
        if check.failed:
            raise CommandError(
                f"{check.failed} of {check.checked} patients could not be decrypted "
                f"(first: {check.first_failed_id}); "
                "keep the old key in ENCRYPTION_OLD_KEKS and investigate before removing it."
            )
        self.stdout.write(
            self.style.SUCCESS(f"verified: all {check.checked} patients decrypt with the new key")
        )
