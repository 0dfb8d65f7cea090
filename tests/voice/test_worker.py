"""A notes draft made by a real Celery worker (Redis), through the real anthropic SDK to the stub,
with a transient failure retried by Celery itself. CI runs this with REDIS_URL set."""

import pytest

from tests.live_services import needs_redis
from tests.voice.ws import pcm
from voice.models import ConsultationTranscript, DraftStatus
from voice.providers.base import SttSegment
from voice.services import draft_request, recording_finalize, transcript_append_final
from voice.services.recordings import chunk_store
from voice.tasks import draft_generate_task


@pytest.fixture
def worker_env(monkeypatch, anthropic_stub, anthropic_settings):
    """What the worker process reads from its environment: the stub, quick retries."""
    monkeypatch.setenv("VOICE_NOTES_PROVIDER", "anthropic")
    monkeypatch.setenv("ANTHROPIC_API_KEY", anthropic_stub.api_key)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_stub.base_url)
    monkeypatch.setenv("VOICE_NOTES_RETRY_BACKOFF_SECONDS", "0.2")
    monkeypatch.setenv("VOICE_NOTES_MAX_ATTEMPTS", "3")
    return anthropic_stub


@needs_redis
@pytest.mark.worker
def test_a_real_worker_drafts_the_notes_and_retries_a_rate_limit(
    worker_env, celery_worker_queue, consented, doctor_a, monkeypatch
):
    chunk_store(recording_id=consented.pk, index=0, data=pcm(0))
    for i, (speaker, text) in enumerate(
        [(1, "Itchy rash on the neck for a week."), (0, "Start cetirizine 10 mg at night for 5 days.")]
    ):
        transcript_append_final(recording_id=consented.pk, segment=SttSegment(text, i, i + 0.9, speaker, 0.9))
    recording_finalize(acting_user=doctor_a, recording=consented)
    sent = []
    monkeypatch.setattr(
        draft_generate_task,
        "delay",
        lambda *args: sent.append(draft_generate_task.apply_async(args=args, queue=celery_worker_queue)),
    )
    worker_env.fail_next(429)
    draft_request(acting_user=doctor_a, recording=consented)
    assert len(sent) == 1
    assert sent[0].get(timeout=90) == "ready"
    transcript = ConsultationTranscript.objects.get(recording=consented)
    assert transcript.draft_status == DraftStatus.READY and transcript.draft_attempts == 2
    assert len(worker_env.requests) == 2
    assert (
        "PATIENT_" in worker_env.requests[-1]["raw"].decode() and b"Ramesh" not in worker_env.received_bytes()
    )
