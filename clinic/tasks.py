"""Periodic chores of the clinic kernel. Thin: each calls one selector or service."""

import logging

from celery import shared_task
from django.db import OperationalError

from clinic.selectors.access_log import access_log_verify

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def access_log_verify_task() -> dict:
    """Nightly: re-compute the access log's hash chain and shout when it is broken."""
    result = access_log_verify()
    if result.ok:
        logger.info("access log chain intact: %s rows", result.rows_checked)
    else:
        logger.error("access log chain BROKEN at row %s (%s)", result.broken_row_id, result.problem)
    return {"ok": result.ok, "rows_checked": result.rows_checked, "broken_row_id": result.broken_row_id}
