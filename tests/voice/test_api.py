"""The console's HTTP API: start, consent, stop, upload, transcript, draft (request, poll, review,
verify), playback and usage; who may do what; one error shape."""

import io
import uuid

import pytest

from clinic.models import AccessLog
from tests.conftest import api_as
from tests.voice.ws import pcm
from voice import hooks
from voice.models import ConsultationRecording, RecordingStatus
from voice.services.recordings import chunk_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def start_body(patient_a, branch_a):
    return {
        "consultation_id": str(uuid.uuid4()),
        "patient_id": str(patient_a.pk),
        "branch_id": str(branch_a.pk),
    }


def test_a_doctor_of_the_branch_starts_a_recording_awaiting_consent(doctor_a, start_body):
    response = api_as(doctor_a).post("/api/voice/recordings/", start_body, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "awaiting_consent" and body["consent"]["given"] is False
    assert body["audio"] == {
        "format": "pcm16",
        "sample_rate": 16000,
        "chunks": 0,
        "last_index": -1,
        "bytes": 0,
        "seconds": None,
        "deleted_at": None,
        "auto_delete_at": None,
    }
    assert body["provider"]["demo"] is True  # the console must say so
    again = api_as(doctor_a).post("/api/voice/recordings/", start_body, format="json")
    assert again.json()["id"] == body["id"]


@pytest.mark.parametrize("who", ["front_desk_a", "doctor_b", "anonymous"])
def test_others_cannot_start_or_read_recordings(who, request, start_body, recording, api):
    client = api if who == "anonymous" else api_as(request.getfixturevalue(who))
    started = client.post("/api/voice/recordings/", start_body, format="json")
    assert started.status_code == 403
    assert not ConsultationRecording.objects.filter(consultation_id=start_body["consultation_id"]).exists()
    for path in ("", "transcript/", "draft/", "audio/"):
        assert client.get(f"/api/voice/recordings/{recording.pk}/{path}").status_code == 403
    consent = client.post(
        f"/api/voice/recordings/{recording.pk}/consent/", {"method": "verbal_recorded"}, format="json"
    )
    assert consent.status_code == 403
    recording.refresh_from_db()
    assert recording.consent_given is False
    assert not AccessLog.objects.exists()


def test_a_registered_consultation_resolver_guards_the_start(doctor_a, start_body, patient_a, branch_a):
    other_patient = uuid.uuid4()
    hooks.register_consultation_resolver(
        lambda consultation_id: hooks.ConsultationInfo(patient_id=other_patient, branch_id=branch_a.pk)
    )
    try:
        response = api_as(doctor_a).post("/api/voice/recordings/", start_body, format="json")
    finally:
        hooks.register_consultation_resolver(None)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_the_whole_flow_over_http(doctor_a, recording, django_capture_on_commit_callbacks):
    client = api_as(doctor_a)
    base = f"/api/voice/recordings/{recording.pk}/"
    upload_early = client.post(
        f"{base}upload/",
        {"audio": io.BytesIO(b"RIFF\0\0\0\0WAVE"), "audio_format": "wav"},
        format="multipart",
    )
    assert upload_early.status_code == 409
    assert upload_early.json()["error"] == {
        "code": "consent_required",
        "message": "Record the patient's consent before any audio is accepted.",
        "fields": {},
    }
    consent = client.post(
        f"{base}consent/", {"method": "verbal_recorded"}, format="json", REMOTE_ADDR="10.0.0.7"
    )
    assert consent.status_code == 200 and consent.json()["consent"]["method"] == "verbal_recorded"
    assert ConsultationRecording.objects.get(pk=recording.pk).consent_ip_address == "10.0.0.7"

    for i in range(12):  # 6 s of audio; the audio itself arrives over the websocket (chunk_store)
        chunk_store(recording_id=recording.pk, index=i, data=pcm(i))
    from voice.providers.base import SttSegment
    from voice.services import transcript_append_final

    for i, (speaker, text) in enumerate(
        [(1, "Itchy scalp for a month."), (0, "Use ketoconazole shampoo twice a week for 4 weeks.")]
    ):
        transcript_append_final(
            recording_id=recording.pk, segment=SttSegment(text, i * 2, i * 2 + 1.5, speaker, 0.9)
        )
    with django_capture_on_commit_callbacks(execute=True):
        stopped = client.post(f"{base}finalize/")
    assert stopped.status_code == 200 and stopped.json()["status"] == "finalized"
    assert stopped.json()["transcript"]["status"] == "complete"

    transcript = client.get(f"{base}transcript/")
    assert [u["id"] for u in transcript.json()["utterances"]] == ["u1", "u2"]

    before = client.get(f"{base}draft/").json()
    assert before["status"] == "none" and before["draft"] is None
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(f"{base}draft/", {}, format="json")
    assert asked.status_code == 202
    draft = client.get(f"{base}draft/").json()
    assert draft["status"] == "ready"
    prescription = draft["draft"]["notes"]["prescriptions"][0]
    assert prescription["medicine"] == "Ketoconazole" and prescription["evidence"][0]["utterance_id"] == "u2"

    verified = client.post(f"{base}draft/verify/", {"notes": "ok"}, format="json")
    assert verified.status_code == 200 and verified.json()["draft"]["verified"] is True

    audio = client.get(f"{base}audio/")
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/wav"
    body = b"".join(audio.streaming_content)
    assert body[:4] == b"RIFF" and len(body) == 44 + 12 * len(pcm(0))
    logged = set(AccessLog.objects.filter(user_id=doctor_a.pk).values_list("record_type", flat=True))
    assert logged == {"voice_transcript", "voice_draft", "voice_recording"}

    usage = client.get(f"/api/voice/consultations/{recording.consultation_id}/usage/")
    assert usage.status_code == 200 and usage.json()["total"]["calls"] == 1  # the demo draft, free

    listed = client.get(f"/api/voice/consultations/{recording.consultation_id}/recordings/")
    assert [r["id"] for r in listed.json()] == [str(recording.pk)]


def test_withdrawal_over_http_deletes_the_audio(doctor_a, consented):
    chunk_store(recording_id=consented.pk, index=0, data=pcm(0))
    response = api_as(doctor_a).post(
        f"/api/voice/recordings/{consented.pk}/consent/withdraw/", {"reason": "patient asked"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == RecordingStatus.DELETED and response.json()["audio"]["chunks"] == 0
    assert api_as(doctor_a).get(f"/api/voice/recordings/{consented.pk}/audio/").status_code == 404


def test_the_monthly_cost_report_is_for_the_back_office(doctor_a, admin_user, consented):
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from voice.models import UsageService
    from voice.services.usage import usage_record

    usage_record(
        recording=consented,
        service=UsageService.STT_LIVE,
        provider="deepgram",
        model="nova-3-medical",
        started_at=timezone.now(),
        audio_seconds=600,
    )
    usage_record(
        recording=consented,
        service=UsageService.NOTES,
        provider="anthropic",
        model="claude-sonnet-5-5",
        started_at=timezone.now(),
        input_tokens=3000,
        output_tokens=1000,
    )
    assert api_as(doctor_a).get("/api/voice/usage/monthly/").status_code == 403
    admin_user.groups.add(Group.objects.get(name="Admin"))
    report = api_as(admin_user).get("/api/voice/usage/monthly/").json()
    assert report["total"]["calls"] == 2 and report["total"]["consultations"] == 1
    assert report["total"]["cost_usd"] == "0.093000"  # 10 min live x $0.0077 + 3000 x $2/M + 1000 x $10/M
    assert report["total"]["cost_inr"] == "8.1840"  # at 88 INR to the dollar
    assert report["inr_per_consultation"] == "8.18"
    assert {line["service"] for line in report["lines"]} == {"stt_live", "notes"}
