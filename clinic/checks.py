"""System checks: keys must be present and well-formed before anything runs (no plaintext fallback)."""

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register("security")
def keys_configured(app_configs, **kwargs):
    from clinic import blind_index, keystore

    errors = []
    for load, check_id in ((keystore.kek_ring, "clinic.E001"), (blind_index.index_key, "clinic.E002")):
        try:
            load()
        except ImproperlyConfigured as exc:
            errors.append(Error(str(exc), id=check_id))
    return errors
