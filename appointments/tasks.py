"""Periodic scheduling chores (beat entries in config/settings.py). Thin and safe to run twice:
each calls one service, which is idempotent."""

import logging

from celery import shared_task
from django.db import OperationalError

from appointments.services import appointments_mark_no_shows, idempotency_keys_purge, slot_generate

logger = logging.getLogger(__name__)

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def slots_generate_task() -> int:
    """Daily: keep every active schedule's slots generated APPOINTMENT_SLOT_WEEKS_AHEAD weeks ahead."""
    created = slot_generate()
    logger.info("slot generation added %s slots", created)
    return created


@shared_task(**RETRY)
def no_shows_mark_task() -> int:
    """Every 10 minutes: confirmed appointments not checked in after the grace period become no-shows."""
    marked = appointments_mark_no_shows()
    if marked:
        logger.info("marked %s appointments as no-shows", marked)
    return marked


@shared_task(**RETRY)
def idempotency_keys_purge_task() -> int:
    """Daily: forget booking Idempotency-Keys older than the keeping period (at least 24 hours)."""
    return idempotency_keys_purge()
