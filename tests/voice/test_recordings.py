"""Recordings: consent in the database's own rules, encrypted chunks (ciphertext in a raw read, bound
to their place), finalize, upload, deletion on withdrawal and at the end of retention."""

import datetime
import json
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from clinic import keystore
from clinic.models import AccessLog
from tests.voice.ws import pcm
from voice.errors import ChunkRefused, ConsentRequired, RecordingClosed
from voice.models import (
    ConsultationRecording,
    ConsultationTranscript,
    RecordingChunk,
    RecordingStatus,
    TranscriptStatus,
)
from voice.selectors import recording_audio_for_user
from voice.services import (
    chunk_store,
    recording_delete_audio,
    recording_finalize,
    recording_record_consent,
    recording_start,
    recording_upload,
    recording_withdraw_consent,
    retention_purge,
    transcript_append_final,
)
from voice.services.recordings import recording_audio_bytes

pytestmark = pytest.mark.django_db


def _store(recording, count: int = 3) -> list[bytes]:
    chunks = [pcm(i, seconds=0.25) for i in range(count)]
    for i, data in enumerate(chunks):
        chunk_store(recording_id=recording.pk, index=i, data=data)
    return chunks


def test_starting_twice_returns_the_open_recording(recording, doctor_a, patient_a, branch_a):
    again = recording_start(
        acting_user=doctor_a, consultation_id=recording.consultation_id, patient=patient_a, branch=branch_a
    )
    assert again.pk == recording.pk
    assert recording.status == RecordingStatus.AWAITING_CONSENT
    assert recording.staff == doctor_a.staff and recording.stt_provider == "fake"
    assert ConsultationTranscript.objects.filter(recording=recording).count() == 1


def test_the_database_refuses_a_recording_without_consent(recording):
    with transaction.atomic(), pytest.raises(IntegrityError, match="voice_recording_requires_consent"):
        ConsultationRecording.objects.filter(pk=recording.pk).update(status=RecordingStatus.RECORDING)
    with transaction.atomic(), pytest.raises(IntegrityError, match="voice_recording_valid_consent"):
        ConsultationRecording.objects.filter(pk=recording.pk).update(consent_given=True)


def test_consent_needs_its_proof_for_otp_and_signature(recording, doctor_a):
    with pytest.raises(ValidationError):
        recording_record_consent(acting_user=doctor_a, recording=recording, method="otp")
    with pytest.raises(ValidationError):
        recording_record_consent(acting_user=doctor_a, recording=recording, method="thumbprint")
    recording.refresh_from_db()
    assert recording.consent_given is False  # the refusals changed nothing
    done = recording_record_consent(
        acting_user=doctor_a,
        recording=recording,
        method="otp",
        reference="otp-verification-42",
        ip_address="10.1.2.3",
    )
    assert done.consent_given and done.consent_method == "otp" and done.consent_ip_address == "10.1.2.3"
    assert done.status == RecordingStatus.CONSENTED
    assert done.history.first().history_change_reason == "consent: otp"


def test_audio_needs_consent(recording):
    with pytest.raises(ConsentRequired):
        chunk_store(recording_id=recording.pk, index=0, data=pcm(0))
    assert recording.chunks.count() == 0


def test_chunks_are_ciphertext_in_the_database_and_bound_to_their_place(consented):
    chunks = _store(consented, 3)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT index, data FROM voice_recordingchunk WHERE recording_id = %s ORDER BY index",
            [consented.pk],
        )
        rows = [(index, bytes(data)) for index, data in cursor.fetchall()]
    assert [index for index, _ in rows] == [0, 1, 2]
    for (_, blob), plain in zip(rows, chunks, strict=True):
        assert plain[:64] not in blob and len(blob) > len(plain)  # nonce, key id and tag around it
    # a chunk moved to another index (or another recording) does not open there
    with pytest.raises(keystore.KeyUnavailable):
        keystore.decrypt_bytes(blob=rows[0][1], context=RecordingChunk.aad_context(consented.pk, 1))
    with pytest.raises(keystore.KeyUnavailable):
        keystore.decrypt_bytes(blob=rows[0][1], context=RecordingChunk.aad_context(uuid.uuid4(), 0))
    # swap two chunks' ciphertexts in place: reading the recording fails rather than reorder audio
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE voice_recordingchunk SET data = %s WHERE recording_id = %s AND index = 1",
            [rows[0][1], consented.pk],
        )
    with pytest.raises(keystore.KeyUnavailable):
        recording_audio_bytes(consented)


def test_transcripts_are_ciphertext_in_the_database(consented):
    from voice.providers.base import SttSegment

    transcript_append_final(
        recording_id=consented.pk, segment=SttSegment("Itching on both arms for two weeks.", 0.0, 2.0, 1, 0.9)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, utterances FROM voice_consultationtranscript WHERE recording_id = %s", [consented.pk]
        )
        transcript_id, blob = cursor.fetchone()
    blob = bytes(blob)
    assert b"Itching" not in blob and b"arms" not in blob
    context = f"voice_consultationtranscript:{transcript_id}:utterances"
    assert json.loads(keystore.decrypt_bytes(blob=blob, context=context))[0]["text"].startswith("Itching")
    other = ConsultationTranscript.objects.exclude(pk=transcript_id).first()
    with pytest.raises(keystore.KeyUnavailable):
        keystore.decrypt_bytes(blob=blob, context=f"voice_consultationtranscript:{uuid.uuid4()}:utterances")
    assert other is None  # (one transcript in this test)


def test_finalize_joins_the_chunks_and_starts_retention(consented, doctor_a):
    chunks = _store(consented, 4)
    done = recording_finalize(acting_user=doctor_a, recording=consented)
    assert done.status == RecordingStatus.FINALIZED
    assert done.audio_size_bytes == sum(map(len, chunks))
    assert float(done.audio_duration_seconds) == 1.0
    assert done.auto_delete_at - done.finalized_at == datetime.timedelta(days=365)
    import hashlib

    assert done.audio_sha256 == hashlib.sha256(b"".join(chunks)).hexdigest()
    assert recording_finalize(acting_user=doctor_a, recording=done).finalized_at == done.finalized_at
    with pytest.raises(RecordingClosed):
        chunk_store(recording_id=consented.pk, index=4, data=pcm(4))


def test_finalize_without_audio_is_refused(consented, doctor_a):
    with pytest.raises(ValidationError):
        recording_finalize(acting_user=doctor_a, recording=consented)


def test_the_recording_size_limit(consented, settings):
    settings.VOICE_MAX_RECORDING_BYTES = 20_000
    chunk_store(recording_id=consented.pk, index=0, data=b"\x00\x00" * 8000)
    with pytest.raises(ChunkRefused) as refused:
        chunk_store(recording_id=consented.pk, index=1, data=b"\x00\x00" * 8000)
    assert refused.value.code == "recording_too_large"
    assert ConsultationRecording.objects.get(pk=consented.pk).chunk_count == 1


def test_playback_streams_a_wav_for_authorized_staff_with_an_access_log_row(consented, doctor_a, doctor_b):
    chunks = _store(consented, 2)
    stream = recording_audio_for_user(user=doctor_a, recording_id=consented.pk)
    audio = b"".join(stream.chunks)
    assert audio[:4] == b"RIFF" and audio[8:12] == b"WAVE" and audio[44:] == b"".join(chunks)
    assert stream.size == len(audio) and stream.content_type == "audio/wav"
    row = AccessLog.objects.get(record_type="voice_recording")
    assert (
        row.record_id == str(consented.pk)
        and row.patient_id == consented.patient_id
        and row.user_id == doctor_a.pk
    )
    from voice.errors import NotAllowed

    with pytest.raises(NotAllowed):
        recording_audio_for_user(user=doctor_b, recording_id=consented.pk)
    assert AccessLog.objects.filter(record_type="voice_recording").count() == 1


def test_withdrawal_stops_recording_and_deletes_the_audio(consented, doctor_a):
    _store(consented, 2)
    done = recording_withdraw_consent(acting_user=doctor_a, recording=consented, reason="changed mind")
    assert done.status == RecordingStatus.DELETED and not done.consent_given
    assert (
        done.consent_withdrawn_at
        and done.deletion_reason == "consent withdrawn"
        and done.deleted_by == doctor_a
    )
    assert not RecordingChunk.objects.filter(recording=consented).exists()
    reasons = [h.history_change_reason for h in done.history.all()]
    assert "consent withdrawn" in reasons and "audio deleted: consent withdrawn" in reasons
    with pytest.raises(RecordingClosed):
        chunk_store(recording_id=consented.pk, index=2, data=pcm(2))


def test_withdrawal_can_keep_the_audio_until_asked_and_delete_the_transcript(consented, doctor_a):
    from voice.providers.base import SttSegment

    _store(consented, 1)
    transcript_append_final(recording_id=consented.pk, segment=SttSegment("Hello.", 0, 1, 0, 0.9))
    kept = recording_withdraw_consent(acting_user=doctor_a, recording=consented, delete_audio=False)
    assert kept.status == RecordingStatus.WITHDRAWN and kept.chunk_count == 1
    recording_withdraw_consent(
        acting_user=doctor_a, recording=kept, delete_audio=True, delete_transcript=True
    )
    recording = ConsultationRecording.objects.get(pk=consented.pk)
    assert recording.status == RecordingStatus.DELETED
    transcript = recording.transcript
    assert transcript.purged_at and transcript.utterances == ""


def test_retention_deletes_old_audio_and_records_it(consented, doctor_a, recording_factory):
    _store(consented, 2)
    old = recording_finalize(acting_user=doctor_a, recording=consented)
    fresh = recording_factory()
    _store(fresh, 1)
    fresh = recording_finalize(acting_user=doctor_a, recording=fresh)
    later = old.finalized_at + datetime.timedelta(days=366)
    ConsultationRecording.objects.filter(pk=fresh.pk).update(
        auto_delete_at=later + datetime.timedelta(days=30)
    )
    assert retention_purge(now=later) == {"audio_deleted": 1, "transcripts_purged": 0}
    assert retention_purge(now=later) == {"audio_deleted": 0, "transcripts_purged": 0}  # twice is harmless
    old.refresh_from_db()
    assert old.status == RecordingStatus.DELETED and old.deletion_reason == "retention: 365 days"
    assert old.deleted_at and old.audio_size_bytes > 0  # what was deleted stays on record
    assert not RecordingChunk.objects.filter(recording=old).exists()
    assert RecordingChunk.objects.filter(recording=fresh).count() == 1


def test_transcript_text_is_removed_after_seven_years(consented, doctor_a):
    from voice.providers.base import SttSegment

    transcript_append_final(recording_id=consented.pk, segment=SttSegment("Hello.", 0, 1, 0, 0.9))
    far = timezone.now() + datetime.timedelta(days=7 * 365 + 3)
    result = retention_purge(now=far)
    assert result["transcripts_purged"] == 1
    transcript = ConsultationTranscript.objects.get(recording=consented)
    assert transcript.utterances == "" and transcript.purged_at


def test_deleting_audio_on_request_needs_a_reason(consented, doctor_a):
    _store(consented, 1)
    with pytest.raises(ValidationError):
        recording_delete_audio(acting_user=doctor_a, recording=consented, reason=" ")
    assert RecordingChunk.objects.filter(recording=consented).count() == 1
    done = recording_delete_audio(
        acting_user=doctor_a, recording=consented, reason="recorded the wrong patient"
    )
    assert done.status == RecordingStatus.DELETED and done.chunk_count == 0


def test_an_upload_is_stored_in_chunks_finalized_and_transcribed(
    consented, doctor_a, settings, django_capture_on_commit_callbacks
):
    settings.VOICE_MAX_CHUNK_BYTES = 1000
    wav = b"RIFF" + b"\x24\x00\x00\x00" + b"WAVE" + bytes(range(256)) * 10
    with django_capture_on_commit_callbacks(execute=True):
        done = recording_upload(acting_user=doctor_a, recording=consented, data=wav, audio_format="wav")
    assert done.status == RecordingStatus.FINALIZED and done.chunk_count == 3
    assert recording_audio_bytes(done) == wav
    transcript = ConsultationTranscript.objects.get(recording=consented)
    assert (
        transcript.status == TranscriptStatus.COMPLETE and transcript.utterance_count > 0
    )  # eager task, demo STT


def test_an_oversized_or_corrupt_upload_is_refused(consented, doctor_a, settings):
    settings.VOICE_MAX_UPLOAD_BYTES = 100
    with pytest.raises(ChunkRefused) as too_big:
        recording_upload(
            acting_user=doctor_a, recording=consented, data=b"RIFF" + b"\x00" * 200, audio_format="wav"
        )
    assert too_big.value.code == "upload_too_large"
    settings.VOICE_MAX_UPLOAD_BYTES = 10_000
    with pytest.raises(ChunkRefused) as corrupt:
        recording_upload(
            acting_user=doctor_a, recording=consented, data=b"not audio at all", audio_format="webm"
        )
    assert corrupt.value.code == "corrupt_chunk"
    assert ConsultationRecording.objects.get(pk=consented.pk).chunk_count == 0


@pytest.fixture
def recording_factory(doctor_a, patient_a, branch_a):
    def make():
        recording = recording_start(
            acting_user=doctor_a, consultation_id=uuid.uuid4(), patient=patient_a, branch=branch_a
        )
        return recording_record_consent(acting_user=doctor_a, recording=recording, method="verbal_recorded")

    return make


def test_history_keeps_the_states_not_every_chunk_or_utterance(consented):
    from voice.providers.base import SttSegment

    _store(consented, 5)
    for i in range(4):
        transcript_append_final(recording_id=consented.pk, segment=SttSegment(f"Line {i}.", i, i + 1, 0, 0.9))
    reasons = [
        h.history_change_reason for h in ConsultationRecording.objects.get(pk=consented.pk).history.all()
    ]
    assert len(reasons) == 3  # started, consent, recording (the first chunk)
    assert ConsultationTranscript.objects.get(recording=consented).history.count() == 1  # created
