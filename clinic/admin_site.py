"""The back-office admin site: django-otp's OTPAdminSite, with two-factor switched by a setting.

With ADMIN_REQUIRE_2FA on, the login form asks for a TOTP token and the admin refuses any user
whose session was not verified by one of their OTP devices (django_otp.admin.OTPAdminSite). With it
off (the demo), it is the plain admin. The setting is read on each request, so tests can switch it
with override_settings. This class becomes `django.contrib.admin.site` through
clinic.apps.ClinicAdminConfig, so every `admin.site.register(...)` keeps working.

First device for a user who cannot log in yet: `manage.py add_totp_device <username>`.
"""

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


class ClinicAdminSite(OTPAdminSite):
    site_header = "Intelli-Clinic back office"
    site_title = "Intelli-Clinic back office"
    index_title = "Clinic administration"

    def __init__(self, name: str = "admin"):
        # OTPAdminSite names itself "otpadmin"; ours stays "admin" so that admin URLs reverse as usual.
        AdminSite.__init__(self, name)

    @staticmethod
    def two_factor_required() -> bool:
        return settings.ADMIN_REQUIRE_2FA

    @property
    def login_form(self):
        return OTPAdminAuthenticationForm if self.two_factor_required() else AdminAuthenticationForm

    @property
    def login_template(self):
        return OTPAdminSite.login_template if self.two_factor_required() else None

    def has_permission(self, request):
        if self.two_factor_required():
            return super().has_permission(request)  # also requires request.user.is_verified()
        return AdminSite.has_permission(self, request)
