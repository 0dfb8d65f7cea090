from django.apps import AppConfig, apps
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


def _sync_roles_after_migrate(sender, using="default", **kwargs) -> None:
    """Re-apply clinic.roles once per migrate, after the last app's permissions exist."""
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender.label == last.label:
        from clinic.roles import sync_role_permissions

        sync_role_permissions(using=using)


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"
    default = True

    def ready(self) -> None:
        from clinic import checks  # noqa: F401  (registers system checks)
        from clinic.context_processors import connect_invalidation
        from clinic.messaging import checks as messaging_checks  # noqa: F401

        connect_invalidation()  # the top bar's cached workplace (clinic/context_processors.py)
        post_migrate.connect(_sync_roles_after_migrate, dispatch_uid="clinic.roles.sync_role_permissions")


class ClinicAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the back-office site (2FA, our header) as `admin.site`.

    Listed in INSTALLED_APPS instead of "django.contrib.admin".
    """

    default = False
    default_site = "clinic.admin_site.ClinicAdminSite"
