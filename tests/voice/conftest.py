"""Shared fixture of the voice tests: one patient's identifiers, as the record holds them."""

import pytest

from voice.privacy import KnownIdentifiers


@pytest.fixture
def known_tarun() -> KnownIdentifiers:
    return KnownIdentifiers.from_dict(
        {
            "name": "Tarun Kumar",
            "phone": "9845012345",
            "aadhaar": "234123412346",
            "pan": "ABCPK1234F",
            "abha_number": "91-1234-5678-9012",
            "abha_address": "tarunk92@abdm",
            "email": "tarun.kumar92@gmail.com",
            "dob": "13/12/1975",
            "address": "flat 221, Green Park Residency, MG Road, Indiranagar, Chennai 600038",
            "relatives": [{"name": "Mary Kumar", "relation": "wife", "phone": "8384019161"}],
        },
        session_token="PATIENT_A7X9K2",
    )


# --- recordings: fixtures of the recording, transcript and draft tests ---------------------------
import uuid  # noqa: E402

from tests.fakes.anthropic import anthropic_settings, anthropic_stub  # noqa: E402,F401
from tests.fakes.deepgram import deepgram_settings, deepgram_stub  # noqa: E402,F401
from voice import hooks as voice_hooks  # noqa: E402
from voice import permissions as voice_permissions  # noqa: E402
from voice.privacy import patterns as pattern_store  # noqa: E402


@pytest.fixture(autouse=True)
def _voice_defaults(settings, request):
    """Demo providers unless a test points the real SDKs at the stubs; fresh pattern cache; tasks
    run in this process (as without Redis) unless the test has a real worker."""
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = "celery_worker_queue" not in request.fixturenames
    settings.VOICE_STT_PROVIDER = "fake"
    settings.VOICE_NOTES_PROVIDER = "fake"
    settings.VOICE_NOTES_RETRY_BACKOFF_SECONDS = 0.0
    pattern_store.clear_cache()
    # The voice tests use voice's own defaults (consultation ids without Consultation rows); the
    # checks and resolver consultations registers in its AppConfig.ready come back afterwards.
    saved_checks, saved_resolver = dict(voice_permissions._checks), voice_hooks.consultation_resolver()
    voice_permissions.reset()
    voice_hooks.register_consultation_resolver(None)
    yield
    app.conf.task_always_eager = eager
    pattern_store.clear_cache()
    voice_permissions._checks.update(saved_checks)
    voice_hooks.register_consultation_resolver(saved_resolver)


@pytest.fixture
def recording(doctor_a, patient_a, branch_a):
    from voice.services import recording_start

    return recording_start(
        acting_user=doctor_a,
        consultation_id=uuid.uuid4(),
        patient=patient_a,
        branch=branch_a,
        sample_rate=16000,
    )


@pytest.fixture
def consented(recording, doctor_a):
    from voice.services import recording_record_consent

    return recording_record_consent(acting_user=doctor_a, recording=recording, method="verbal_recorded")
