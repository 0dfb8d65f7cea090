"""First authenticator for a staff user, when the admin already demands a token (ADMIN_REQUIRE_2FA).

    manage.py add_totp_device priya
    manage.py add_totp_device priya --name "Work phone" --replace

Prints the otpauth:// URL and the same as a QR code in the terminal: scan it with an authenticator
app (Google Authenticator, Microsoft Authenticator, FreeOTP, ...), then log in with the 6 digits.
Further devices are added by the user in the admin, under Two-factor authentication > TOTP devices.
"""

import io

import qrcode
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Create a confirmed TOTP device for a user and print its otpauth URL and QR code."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--name", default="Authenticator app", help="What the device is called in the admin."
        )
        parser.add_argument(
            "--replace", action="store_true", help="Delete the user's TOTP device of the same name first."
        )

    @transaction.atomic
    def handle(self, *args, username, name, replace, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        if not user.is_staff:
            self.stderr.write(
                self.style.WARNING(f"{username} is not staff: the admin will refuse them anyway.")
            )
        existing = TOTPDevice.objects.filter(user=user, name=name)
        if existing.exists():
            if not replace:
                raise CommandError(f"{username} already has a TOTP device called {name!r}; use --replace.")
            existing.delete()
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)

        self.stdout.write(
            f"TOTP device {name!r} created for {username}. Scan this with an authenticator app:\n"
        )
        qr = qrcode.QRCode(border=1)
        qr.add_data(device.config_url)
        picture = io.StringIO()
        qr.print_ascii(out=picture, invert=True)
        self.stdout.write(picture.getvalue())
        self.stdout.write("Or enter this URL in the app by hand (it contains the secret: do not share it):")
        self.stdout.write(device.config_url)
