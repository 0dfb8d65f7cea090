"""Notes drafts: the schema and evidence checks, omissions, and the task's behaviour when the notes
service fails (timeout, 429, 500, malformed JSON, max_tokens, refusal): retried with backoff, then
a clear failure with nothing lost; idempotent; costed."""

import json
from decimal import Decimal

import pytest

from tests.factories import MedicineFactory
from tests.fakes.anthropic import Failure
from tests.voice.ws import pcm
from voice import drafting
from voice.models import ConsultationTranscript, DraftStatus, UsageService, UsageStatus, VoiceAIUsageLog
from voice.providers.base import SttSegment
from voice.services import (
    draft_generate,
    draft_request,
    recording_finalize,
    transcript_append_final,
    transcript_verify,
)
from voice.services.recordings import chunk_store
from voice.tasks import draft_generate_task

pytestmark = pytest.mark.django_db

CONVERSATION = [
    (0, "Good morning, what brings you here today?"),
    (1, "I have itchy red patches on both forearms for three weeks."),
    (0, "Any allergies to medicines?"),
    (1, "Yes, I get a rash with sulfa drugs."),
    (0, "Start cetirizine 10 mg once daily at night for 10 days."),
    (0, "Come back after 14 days."),
]


@pytest.fixture
def transcribed(consented, doctor_a):
    chunk_store(recording_id=consented.pk, index=0, data=pcm(0))
    for i, (speaker, text) in enumerate(CONVERSATION):
        transcript_append_final(
            recording_id=consented.pk, segment=SttSegment(text, 2.0 * i, 2.0 * i + 1.8, speaker, 0.9)
        )
    return recording_finalize(acting_user=doctor_a, recording=consented)


def _transcript(recording) -> ConsultationTranscript:
    return ConsultationTranscript.objects.get(recording=recording)


def _request(recording, user, capture, **kwargs) -> ConsultationTranscript:
    with capture(execute=True):
        draft_request(acting_user=user, recording=recording, **kwargs)
    return _transcript(recording)


# ------------------------------------------------------------------ pure checks


def test_evidence_must_quote_its_own_utterance():
    draft = {
        "chief_complaint": [
            {
                "text": "Itchy patches.",
                "evidence": [{"utterance_id": "u2", "quote": "itchy red patches on BOTH forearms"}],
            }
        ],
        "history_of_present_illness": [
            {"text": "Three weeks.", "evidence": [{"utterance_id": "u1", "quote": "three weeks"}]}
        ],
        "subjective": [{"text": "Made up.", "evidence": []}],
        "objective": [],
        "assessment": [{"text": "Eczema.", "evidence": [{"utterance_id": "u9", "quote": "eczema"}]}],
        "plan": [],
        "prescriptions": [],
        "allergies_mentioned": [],
        "follow_up": {"recommended": False, "in_days": None, "instructions": "", "evidence": []},
    }
    utterances = {
        "u1": "Good morning, what brings you here?",
        "u2": "I have itchy red patches on both forearms.",
    }
    assert drafting.check_evidence(draft, utterances) == 3
    assert draft["chief_complaint"][0]["supported"] is True  # case and punctuation do not matter
    assert draft["history_of_present_illness"][0]["problems"] == ["u1: quote not found"]
    assert draft["subjective"][0]["problems"] == ["no evidence"]
    assert draft["assessment"][0]["problems"] == ["u9: no such utterance"]


def test_medicines_said_but_not_drafted_are_possible_omissions():
    medicines = [
        drafting.medicine_names("Cetirizine", "Okacet"),
        drafting.medicine_names("Clindamycin phosphate", "Clindac-A"),
        drafting.medicine_names("Adapalene + Clindamycin", "Deriva-CMS"),
        drafting.medicine_names("Mometasone", "Elocon"),
    ]
    utterances = [
        ("u1", "Use Clindac A gel at night."),
        ("u2", "Start okacet 10 mg."),
        ("u3", "Stop elocon now."),
    ]
    draft = {"prescriptions": [{"medicine": "Cetirizine"}]}
    omissions = drafting.possible_omissions(draft, utterances, medicines)
    assert omissions == [
        {"medicine": "Clindac-A", "utterance_ids": ["u1"]},
        {"medicine": "Elocon", "utterance_ids": ["u3"]},
    ]


def test_a_reply_outside_the_schema_is_invalid():
    with pytest.raises(drafting.DraftInvalid):
        drafting.parse_draft("{not json")
    with pytest.raises(drafting.DraftInvalid, match="notes schema"):
        drafting.parse_draft(
            json.dumps({**{s: [] for s in drafting.SECTIONS}, "prescriptions": [{"medicine": 1}]})
        )


def test_the_prompt_asks_for_evidence_and_forbids_guessing():
    prompt = drafting.SYSTEM_PROMPT
    assert "quote" in prompt and "never guess a name" in prompt and "PATIENT_" in prompt
    assert drafting.DRAFT_SCHEMA["additionalProperties"] is False
    line = drafting.build_prompt([("u1", 0, "Hello."), ("u2", None, "Hi.")])
    assert "[u1] Speaker 0: Hello." in line and "[u2] Speaker ?: Hi." in line


# ------------------------------------------------------------------ the task, demo provider


def test_a_demo_draft_is_made_with_evidence_and_flagged_as_demo(
    transcribed, doctor_a, hospital, django_capture_on_commit_callbacks
):
    MedicineFactory(hospital=hospital, generic_name="Cetirizine", brand_name="Okacet")
    transcript = _request(transcribed, doctor_a, django_capture_on_commit_callbacks)
    assert transcript.draft_status == DraftStatus.READY, transcript.draft_error_message
    document = json.loads(transcript.draft)
    assert document["demo"] is True and document["provider"] == "fake"
    notes = document["notes"]
    assert notes["prescriptions"][0]["medicine"] == "Cetirizine" and notes["prescriptions"][0]["supported"]
    assert notes["allergies_mentioned"][0]["substance"] == "sulfa drugs"
    assert notes["follow_up"]["in_days"] == 14
    assert document["possible_omissions"] == []
    usage = VoiceAIUsageLog.objects.get(service=UsageService.NOTES)
    assert usage.total_cost_usd == 0 and usage.provider == "fake"


def test_asking_again_while_queued_or_ready_changes_nothing_unless_forced(
    transcribed, doctor_a, django_capture_on_commit_callbacks
):
    first = _request(transcribed, doctor_a, django_capture_on_commit_callbacks)
    draft_id = json.loads(first.draft)["draft_id"]
    again = _request(transcribed, doctor_a, django_capture_on_commit_callbacks)
    assert again.draft_generation == 1 and json.loads(again.draft)["draft_id"] == draft_id
    forced = _request(transcribed, doctor_a, django_capture_on_commit_callbacks, force=True)
    assert forced.draft_generation == 2 and json.loads(forced.draft)["draft_id"] != draft_id


def test_the_task_is_idempotent_and_ignores_a_superseded_generation(transcribed, doctor_a):
    draft_request(acting_user=doctor_a, recording=transcribed)  # on_commit not run: the task is ours to call
    transcript = _transcript(transcribed)
    assert draft_generate(transcript_id=transcript.pk, generation=1) == "ready"
    assert draft_generate(transcript_id=transcript.pk, generation=1) == "skipped"  # run twice
    assert draft_generate(transcript_id=transcript.pk, generation=0) == "skipped"  # an old request
    assert VoiceAIUsageLog.objects.filter(service=UsageService.NOTES).count() == 1


def test_no_draft_without_a_transcript(consented, doctor_a):
    from voice.errors import DraftNotReady

    with pytest.raises(DraftNotReady):
        draft_request(acting_user=doctor_a, recording=consented)


def test_verify_records_who_and_when_and_blocks_new_drafts(
    transcribed, doctor_a, django_capture_on_commit_callbacks
):
    from clinic.api_errors import Conflict

    _request(transcribed, doctor_a, django_capture_on_commit_callbacks)
    verified = transcript_verify(
        acting_user=doctor_a, recording=transcribed, notes="Checked; dose corrected."
    )
    assert verified.doctor_verified and verified.verified_by == doctor_a and verified.verified_at
    assert _transcript(transcribed).verification_notes == "Checked; dose corrected."
    with pytest.raises(Conflict):
        draft_request(acting_user=doctor_a, recording=transcribed, force=True)


# ------------------------------------------------------------------ the real SDK against the stub


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        (Failure(delay=2.0), "provider_timeout"),
        (Failure(status=429), "provider_rate_limited"),
        (Failure(status=500), "provider_unavailable"),
        (Failure(status=529), "provider_unavailable"),
        (Failure(malformed=True), "provider_malformed"),
        (Failure(stop_reason="max_tokens"), "draft_truncated"),
        (Failure(text='{"chief_complaint": "not a list"}'), "draft_invalid"),
    ],
)
def test_outages_are_retried_then_fail_clearly_with_nothing_lost(
    failure,
    code,
    transcribed,
    doctor_a,
    anthropic_stub,
    anthropic_settings,
    django_capture_on_commit_callbacks,
):
    anthropic_settings.VOICE_NOTES_TIMEOUT_SECONDS = 0.5
    anthropic_stub.fail_next_with(failure, times=3)  # VOICE_NOTES_MAX_ATTEMPTS = 3
    transcript = _request(transcribed, doctor_a, django_capture_on_commit_callbacks)
    assert transcript.draft_status == DraftStatus.FAILED
    assert transcript.draft_error_code == code and transcript.draft_attempts == 3
    assert "by hand" in transcript.draft_error_message
    assert len(anthropic_stub.requests) == 3
    assert transcript.utterance_count == len(CONVERSATION) and len(json.loads(transcript.utterances)) == 6
    failed = VoiceAIUsageLog.objects.filter(service=UsageService.NOTES, processing_status=UsageStatus.FAILED)
    assert failed.count() == 3 and all(row.error_message.startswith(code) for row in failed)


def test_a_transient_failure_then_success_gives_a_draft(
    transcribed, doctor_a, anthropic_stub, anthropic_settings, django_capture_on_commit_callbacks
):
    anthropic_stub.fail_next(429)
    anthropic_stub.fail_next(500)
    transcript = _request(transcribed, doctor_a, django_capture_on_commit_callbacks)
    assert transcript.draft_status == DraftStatus.READY and transcript.draft_attempts == 3
    assert transcript.draft_error_code == "" and len(anthropic_stub.requests) == 3
    usage = VoiceAIUsageLog.objects.filter(service=UsageService.NOTES).order_by("created_at")
    assert [u.processing_status for u in usage] == ["failed", "failed", "completed"]
    ok = usage.last()
    assert ok.claude_cost_usd == Decimal("0.006900") and ok.model == "claude-sonnet-5-5"
    assert ok.total_cost_inr == (ok.total_cost_usd * Decimal("88.00")).quantize(Decimal("0.0001"))


@pytest.mark.parametrize(
    ("failure", "code"),
    [(Failure(stop_reason="refusal"), "draft_refused"), (Failure(status=401), "provider_auth")],
)
def test_a_refusal_or_bad_credentials_fail_at_once(
    failure,
    code,
    transcribed,
    doctor_a,
    anthropic_stub,
    anthropic_settings,
    django_capture_on_commit_callbacks,
):
    anthropic_stub.fail_next_with(failure)
    transcript = _request(transcribed, doctor_a, django_capture_on_commit_callbacks)
    assert transcript.draft_status == DraftStatus.FAILED and transcript.draft_error_code == code
    assert transcript.draft_attempts == 1 and len(anthropic_stub.requests) == 1


def test_the_stub_takes_the_key_as_x_api_key_too(anthropic_stub):
    import httpx

    body = {
        "model": "m",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "[u1] Speaker 1: itching."}],
        "output_config": {"format": {"type": "json_schema", "schema": {}}},
    }
    headers = {"anthropic-version": "2023-06-01"}
    ok = httpx.post(
        f"{anthropic_stub.base_url}/v1/messages",
        json=body,
        headers={**headers, "X-Api-Key": anthropic_stub.api_key},
    )
    assert ok.status_code == 200 and ok.json()["content"][0]["type"] == "text"
    bad = httpx.post(
        f"{anthropic_stub.base_url}/v1/messages",
        json={**body, "temperature": 0.2},
        headers={**headers, "X-Api-Key": anthropic_stub.api_key},
    )
    assert bad.status_code == 400 and bad.json()["error"]["type"] == "invalid_request_error"


def test_the_task_retries_through_celery(transcribed, doctor_a, anthropic_stub, anthropic_settings):
    anthropic_stub.fail_next(500)
    draft_request(acting_user=doctor_a, recording=transcribed)
    transcript = _transcript(transcribed)
    result = draft_generate_task.apply(args=[str(transcript.pk), 1])
    assert result.get() == "ready"
    assert _transcript(transcribed).draft_attempts == 2
