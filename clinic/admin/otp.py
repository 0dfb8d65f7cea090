"""Staff manage their own authenticator apps (TOTP devices); superusers manage everyone's.

django-otp's TOTPDeviceAdmin is kept (its QR-code page included) with two changes: a person who
is not a superuser sees and adds only their own devices, and the user is picked by name, not by id.
"""

from django.contrib import admin
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice


class OwnTOTPDeviceAdmin(TOTPDeviceAdmin):
    raw_id_fields = []
    autocomplete_fields = ["user"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if request.user.is_superuser else [*readonly, "user"]

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.user = request.user
        super().save_model(request, obj, form, change)

    def _own(self, request, obj) -> bool:
        return (
            request.user.is_active
            and request.user.is_staff
            and (obj is None or obj.user_id == request.user.pk)
        )

    def has_module_permission(self, request):
        return request.user.is_superuser or self._own(request, None)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or self._own(request, obj)

    def has_add_permission(self, request):
        return request.user.is_superuser or self._own(request, None)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser or self._own(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser or self._own(request, obj)


if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, OwnTOTPDeviceAdmin)
