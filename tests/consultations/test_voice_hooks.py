"""The consultation's rules decide who records and reads its voice data (consultations/voice_hooks.py,
decision 0019), and the note takes an AI draft only from a ready draft of this visit's own recording."""

import uuid

import pytest
from django.test import Client
from django.utils import timezone

from clinic.models import AccessLog
from consultations.models import Consultation, ConsultationNote, ConsultationStatus
from consultations.services.workflow import consultation_start
from tests.conftest import api_as
from tests.consultations.conftest import checked_in_appointment
from tests.factories import make_patient
from voice.models import ConsultationRecording
from voice.providers.base import SttSegment
from voice.services import draft_request, recording_finalize, recording_record_consent
from voice.services.recordings import chunk_store
from voice.services.transcripts import transcript_append_final

SILENCE = b"\x00\x00" * 1600  # 0.1 s of 16 kHz PCM16


@pytest.fixture(autouse=True)
def _demo_providers_in_process(settings):
    """The fake speech and notes providers, and the draft task run in this process."""
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.VOICE_STT_PROVIDER = "fake"
    settings.VOICE_NOTES_PROVIDER = "fake"
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def patient_b(branch_a):
    return make_patient(branch=branch_a, first_name="Sunita", last_name="Iyer", phone="+91 90080 11223")


def start_body(consultation: Consultation) -> dict:
    return {
        "consultation_id": str(consultation.pk),
        "patient_id": str(consultation.patient_id),
        "branch_id": str(consultation.branch_id),
    }


def test_the_consultations_doctor_starts_a_recording_of_the_open_visit(consultation_a, doctor_a):
    response = api_as(doctor_a).post("/api/voice/recordings/", start_body(consultation_a), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["consultation_id"] == str(consultation_a.pk)
    assert response.json()["status"] == "awaiting_consent"


def test_a_doctor_of_another_branch_cannot_record_and_nothing_is_created(consultation_a, doctor_b):
    response = api_as(doctor_b).post("/api/voice/recordings/", start_body(consultation_a), format="json")
    assert response.status_code == 403
    assert not ConsultationRecording.objects.exists()


def test_another_doctor_of_the_branch_reads_but_does_not_record(consultation_a, doctor_a, doctor_a2):
    body = start_body(consultation_a)
    started = api_as(doctor_a).post("/api/voice/recordings/", body, format="json").json()
    refused = api_as(doctor_a2).post("/api/voice/recordings/", start_body(consultation_a), format="json")
    assert refused.status_code == 403
    consent = api_as(doctor_a2).post(
        f"/api/voice/recordings/{started['id']}/consent/", {"method": "verbal_recorded"}, format="json"
    )
    assert consent.status_code == 403
    assert ConsultationRecording.objects.get().consent_given is False
    assert api_as(doctor_a2).get(f"/api/voice/recordings/{started['id']}/").status_code == 200


def test_a_completed_visit_cannot_start_a_recording(consultation_a, doctor_a):
    Consultation.objects.filter(pk=consultation_a.pk).update(
        status=ConsultationStatus.COMPLETED, completed_at=timezone.now()
    )
    response = api_as(doctor_a).post("/api/voice/recordings/", start_body(consultation_a), format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "recording_closed"
    assert not ConsultationRecording.objects.exists()


def test_an_unknown_consultation_or_another_patient_cannot_be_recorded(consultation_a, doctor_a, patient_b):
    unknown = {**start_body(consultation_a), "consultation_id": str(uuid.uuid4())}
    assert api_as(doctor_a).post("/api/voice/recordings/", unknown, format="json").status_code == 403
    other = {**start_body(consultation_a), "patient_id": str(patient_b.pk)}
    assert api_as(doctor_a).post("/api/voice/recordings/", other, format="json").status_code == 403
    assert not ConsultationRecording.objects.exists()


def _drafted_recording(consultation, doctor, on_commit) -> ConsultationRecording:
    started = api_as(doctor).post("/api/voice/recordings/", start_body(consultation), format="json").json()
    recording = ConsultationRecording.objects.get(pk=started["id"])
    recording = recording_record_consent(acting_user=doctor, recording=recording, method="verbal_recorded")
    chunk_store(recording_id=recording.pk, index=0, data=SILENCE)
    for i, (speaker, text) in enumerate(
        [(1, "Itchy rash on the neck for a week."), (0, "Start cetirizine 10 mg at night for 5 days.")]
    ):
        transcript_append_final(recording_id=recording.pk, segment=SttSegment(text, i, i + 0.9, speaker, 0.9))
    recording = recording_finalize(acting_user=doctor, recording=recording)
    with on_commit(execute=True):  # the draft task is sent after commit
        draft_request(acting_user=doctor, recording=recording)
    return recording


def test_the_note_takes_the_ready_draft_the_server_reads_itself(
    consultation_a, doctor_a, django_capture_on_commit_callbacks
):
    recording = _drafted_recording(consultation_a, doctor_a, django_capture_on_commit_callbacks)
    response = api_as(doctor_a).post(
        f"/api/consultations/{consultation_a.pk}/note/ai-draft/",
        {"recording_id": str(recording.pk)},
        format="json",
    )
    assert response.status_code == 200, response.content
    note = ConsultationNote.objects.get(consultation=consultation_a)
    assert note.source == "ai_draft" and note.chief_complaint
    assert response.json()["sections"]["chief_complaint"] == note.chief_complaint
    assert note.evidence["chief_complaint"][0]["evidence"][0]["utterance_id"] == "u1"
    assert AccessLog.objects.filter(record_type="voice_draft", record_id=recording.transcript.pk).exists()


def test_a_draft_typed_by_the_client_is_not_accepted(consultation_a, doctor_a):
    fabricated = {"draft": {"draft_id": str(uuid.uuid4()), "sections": {"assessment": [{"text": "Fine."}]}}}
    response = api_as(doctor_a).post(
        f"/api/consultations/{consultation_a.pk}/note/ai-draft/", fabricated, format="json"
    )
    assert response.status_code == 400
    assert not ConsultationNote.objects.filter(consultation=consultation_a, source="ai_draft").exists()


def test_another_visits_recording_cannot_fill_this_note(
    consultation_a, doctor_a, patient_b, branch_a, django_capture_on_commit_callbacks
):
    other = consultation_start(
        acting_user=doctor_a,
        appointment=checked_in_appointment(patient=patient_b, doctor_user=doctor_a, branch=branch_a),
    )
    recording = _drafted_recording(other, doctor_a, django_capture_on_commit_callbacks)
    response = api_as(doctor_a).post(
        f"/api/consultations/{consultation_a.pk}/note/ai-draft/",
        {"recording_id": str(recording.pk)},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["recording_id"]
    assert not ConsultationNote.objects.filter(consultation=consultation_a, source="ai_draft").exists()


@pytest.mark.parametrize(("stt", "notes", "demo"), [("fake", "fake", True), ("deepgram", "anthropic", False)])
def test_the_console_says_when_it_is_a_demo(consultation_a, doctor_a, settings, stt, notes, demo):
    settings.VOICE_STT_PROVIDER, settings.VOICE_NOTES_PROVIDER = stt, notes
    client = Client()
    client.force_login(doctor_a)
    page = client.get(f"/doctor/visit/{consultation_a.pk}/").content.decode()
    assert "data-voice-console" in page and "Record the visit" in page
    assert ("Demo:</strong> nothing is sent to any service" in page) is demo


def test_the_care_team_sees_the_console_without_its_controls(consultation_a, doctor_a2):
    client = Client()
    client.force_login(doctor_a2)
    page = client.get(f"/doctor/visit/{consultation_a.pk}/").content.decode()
    assert "Recorded by the visit&#x27;s doctor" in page or "Recorded by the visit's doctor" in page
    assert "Record the visit" not in page


def test_only_the_visits_doctor_accepts_a_draft_and_only_a_ready_one(
    consultation_a, doctor_a, doctor_a2, django_capture_on_commit_callbacks
):
    body = start_body(consultation_a)
    started = api_as(doctor_a).post("/api/voice/recordings/", body, format="json").json()
    url = f"/api/consultations/{consultation_a.pk}/note/ai-draft/"
    not_ready = api_as(doctor_a).post(url, {"recording_id": started["id"]}, format="json")
    assert not_ready.status_code == 409 and not_ready.json()["error"]["code"] == "draft_not_ready"

    recording = _drafted_recording(consultation_a, doctor_a, django_capture_on_commit_callbacks)
    refused = api_as(doctor_a2).post(url, {"recording_id": str(recording.pk)}, format="json")
    assert refused.status_code == 403
    assert not ConsultationNote.objects.filter(consultation=consultation_a, source="ai_draft").exists()
