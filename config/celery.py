"""The Celery app. Tasks live in each app's tasks.py and only call services."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("intelli_clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def refuse_to_start_without_usable_keys(**kwargs) -> None:
    """A worker with a missing or wrong key-encryption key would fail every task: stop at once."""
    import django

    django.setup()
    from clinic.keystore import assert_keys_usable

    assert_keys_usable()
