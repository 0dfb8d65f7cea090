"""Voice jobs: thin, ids only (never text), idempotent; each calls one service."""

import logging
import time

from celery import shared_task
from django.db import OperationalError

from clinic.api_errors import ApplicationError
from voice import conf
from voice.providers import ProviderError
from voice.services.drafts import DraftRetry, draft_generate, draft_give_up
from voice.services.recordings import retention_purge
from voice.services.transcripts import transcribe_recording, transcript_mark_failed

logger = logging.getLogger(__name__)

TRANSCRIBE_MAX_RETRIES = 5
EAGER_BACKOFF_CAP = 2.0  # seconds; an eager task runs inside the request that asked for it


@shared_task(bind=True, max_retries=None, acks_late=True)
def draft_generate_task(self, transcript_id: str, generation: int) -> str:
    """One attempt at a notes draft; transient provider failures come back with backoff (the
    attempts are counted on the transcript, VOICE_NOTES_MAX_ATTEMPTS in all)."""
    try:
        while True:
            try:
                return draft_generate(transcript_id=transcript_id, generation=generation)
            except DraftRetry as retry:
                if not self.request.is_eager:
                    raise self.retry(countdown=retry.countdown, exc=retry.error) from None
                # Without a worker (no Redis: the demo), retry in place, briefly.
                time.sleep(min(retry.countdown, EAGER_BACKOFF_CAP))
    except OperationalError as exc:
        if self.request.retries >= conf.notes_max_attempts():
            draft_give_up(
                transcript_id=transcript_id, generation=generation, message="The database was unavailable."
            )
            raise
        raise self.retry(countdown=conf.notes_retry_backoff(), exc=exc) from exc


@shared_task(bind=True, max_retries=TRANSCRIBE_MAX_RETRIES, acks_late=True)
def transcribe_recording_task(self, recording_id: str, force: bool = False) -> str:
    """The whole recording through the pre-recorded API; retried with backoff when the provider
    is briefly unavailable, then marked failed (the audio stays for a later try)."""
    attempt = self.request.retries
    while True:
        try:
            transcript = transcribe_recording(recording_id=recording_id, force=force)
        except ProviderError as exc:
            if not exc.transient:
                return "failed"
            if attempt >= TRANSCRIBE_MAX_RETRIES:
                transcript_mark_failed(recording_id=recording_id, message=f"{exc.message} Try again later.")
                return "failed"
            countdown = min(conf.notes_retry_backoff() * 2**attempt, 600)
            if not self.request.is_eager:
                raise self.retry(countdown=countdown, exc=exc) from None
            attempt += 1
            time.sleep(min(countdown, EAGER_BACKOFF_CAP))
            continue
        except ApplicationError as exc:  # the audio was deleted meanwhile, or the notes are verified
            logger.info("recording %s not transcribed: %s", recording_id, exc.code)
            return "skipped"
        return "complete" if transcript is not None else "skipped"


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def retention_purge_task() -> dict:
    """Daily: delete audio past its retention and transcript text past seven years."""
    result = retention_purge()
    logger.info("voice retention: %s", result)
    return result
