"""The audio socket: who may connect, consent before audio, chunks stored encrypted as they arrive,
refusals of bad chunks, a dropped connection that resumes without losing or reordering audio."""

import itertools

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from tests.voice.ws import communicator, frame, pcm, receive_until
from voice.models import ConsultationRecording, RecordingChunk, RecordingStatus, TranscriptStatus
from voice.services import recording_withdraw_consent
from voice.services.recordings import recording_audio_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def run(coroutine_function, *args):
    return async_to_sync(coroutine_function)(*args)


def test_anonymous_users_are_refused_in_connect(consented):
    async def scenario():
        comm = communicator(consented.pk, AnonymousUser())
        connected, code = await comm.connect()
        assert not connected and code == 4401

    run(scenario)


def test_a_token_in_the_query_string_does_not_log_anyone_in(consented):
    async def scenario():
        comm = communicator(
            consented.pk, AnonymousUser(), path=f"/ws/voice/{consented.pk}/?token=abc&session=x"
        )
        connected, code = await comm.connect()
        assert not connected and code == 4401

    run(scenario)


def test_staff_not_allowed_this_consultation_are_refused(consented, doctor_b, front_desk_a):
    async def scenario(user):
        comm = communicator(consented.pk, user)
        connected, code = await comm.connect()
        assert not connected and code == 4403

    run(scenario, doctor_b)  # a doctor of another branch
    run(scenario, front_desk_a)  # front desk of the same branch


def test_a_registered_check_replaces_the_default(consented, doctor_a):
    from voice import permissions

    permissions.register(can_record=lambda user, recording: False)

    async def scenario():
        connected, code = await communicator(consented.pk, doctor_a).connect()
        assert not connected and code == 4403

    run(scenario)


def test_an_unknown_recording_is_refused(doctor_a, branch_a):
    async def scenario():
        connected, code = await communicator("5b0e4c8e-7a51-4c2a-9a55-2f3c1d0f1e11", doctor_a).connect()
        assert not connected and code == 4404

    run(scenario)


def test_the_origin_is_checked_by_the_asgi_application(consented, doctor_a, settings):
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    client = Client()
    client.force_login(doctor_a)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()
    path = f"/ws/voice/{consented.pk}/"

    async def scenario(origin: bytes) -> bool:
        comm = WebsocketCommunicator(application, path, headers=[(b"origin", origin), (b"cookie", cookie)])
        connected, _ = await comm.connect()
        if connected:
            ready = await comm.receive_json_from()
            assert ready["type"] == "ready"
            await comm.disconnect()
        return connected

    settings.ALLOWED_HOSTS = ["localhost"]
    assert run(scenario, b"https://evil.example") is False
    assert run(scenario, b"http://localhost") is True  # the session cookie logs the doctor in


def test_no_audio_is_accepted_before_consent(recording, doctor_a):
    async def scenario():
        comm = communicator(recording.pk, doctor_a)
        assert (await comm.connect())[0]
        ready = await comm.receive_json_from()
        assert ready["consent_required"] is True and ready["next_index"] == 0
        await comm.send_to(bytes_data=frame(0, pcm(0)))
        error, _ = await receive_until(comm, "error", "ack")
        assert error["type"] == "error" and error["code"] == "consent_required"
        await comm.disconnect()

    run(scenario)
    assert not RecordingChunk.objects.filter(recording=recording).exists()
    assert ConsultationRecording.objects.get(pk=recording.pk).status == RecordingStatus.AWAITING_CONSENT


def test_bad_chunks_are_refused_and_nothing_is_stored(consented, doctor_a, settings):
    settings.VOICE_MAX_CHUNK_BYTES = 64 * 1024

    async def scenario():
        comm = communicator(consented.pk, doctor_a)
        assert (await comm.connect())[0]
        await comm.receive_json_from()
        refusals = {}
        for name, payload in {
            "too short for an index": b"\x00\x00",
            "empty": frame(0, b""),
            "odd bytes": frame(0, b"\x01\x02\x03"),
            "oversized": frame(0, b"\x00\x00" * (40 * 1024)),
            "out of order": frame(3, pcm(3)),
        }.items():
            await comm.send_to(bytes_data=payload)
            reply, _ = await receive_until(comm, "error", "ack")
            refusals[name] = (reply["type"], reply.get("code"), reply.get("next_index"))
        await comm.send_json_to({"type": "bogus"})
        bogus, _ = await receive_until(comm, "error")
        await comm.disconnect()
        return refusals, bogus

    refusals, bogus = run(scenario)
    assert refusals == {
        "too short for an index": ("error", "corrupt_chunk", None),
        "empty": ("error", "empty_chunk", None),
        "odd bytes": ("error", "corrupt_chunk", None),
        "oversized": ("error", "chunk_too_large", None),
        "out of order": ("error", "chunk_gap", 0),
    }
    assert bogus["code"] == "bad_message"
    recording = ConsultationRecording.objects.get(pk=consented.pk)
    assert recording.chunk_count == 0 and recording.audio_size_bytes == 0
    assert not RecordingChunk.objects.filter(recording=consented).exists()


def test_a_dropped_connection_resumes_and_the_audio_is_whole_and_in_order(consented, doctor_a):
    chunks = [pcm(i) for i in range(10)]

    async def first_connection():
        comm = communicator(consented.pk, doctor_a)
        assert (await comm.connect())[0]
        await comm.receive_json_from()
        for i in range(5):
            await comm.send_to(bytes_data=frame(i, chunks[i]))
            ack, _ = await receive_until(comm, "ack")
            assert ack["index"] == i and ack["stored"] is True
        await comm.send_to(bytes_data=frame(5, chunks[5]))  # in flight when the line drops
        await comm.disconnect(code=1006)

    async def second_connection():
        comm = communicator(consented.pk, doctor_a)
        assert (await comm.connect())[0]
        ready = await comm.receive_json_from()
        await comm.send_json_to({"type": "resume", "next_index": 6})
        resume, _ = await receive_until(comm, "resume")
        assert (
            resume["next_index"] == ready["next_index"] and resume["last_index"] == resume["next_index"] - 1
        )
        start = resume["next_index"]
        assert start in (5, 6)
        if start == 6:  # chunk 5 did arrive: a resend of it is acknowledged and changes nothing
            await comm.send_to(bytes_data=frame(5, chunks[5]))
            again, _ = await receive_until(comm, "ack")
            assert again["stored"] is False
        for i in range(start, 10):
            await comm.send_to(bytes_data=frame(i, chunks[i]))
            ack, _ = await receive_until(comm, "ack")
            assert ack["index"] == i
        await comm.send_to(bytes_data=frame(4, pcm(99)))  # a different chunk 4: refused
        conflict, _ = await receive_until(comm, "error")
        assert conflict["code"] == "chunk_conflict"
        await comm.send_json_to({"type": "stop"})
        done, _ = await receive_until(comm, "finalized")
        await comm.wait()
        return done

    run(first_connection)
    done = run(second_connection)
    assert done["status"] == "finalized" and done["audio"]["chunks"] == 10
    recording = ConsultationRecording.objects.get(pk=consented.pk)
    assert recording_audio_bytes(recording) == b"".join(chunks)
    assert recording.audio_size_bytes == sum(len(c) for c in chunks)
    assert float(recording.audio_duration_seconds) == 5.0
    # the demo transcriber heard the whole visit across both connections, times from the start
    transcript = recording.transcript
    assert transcript.status == TranscriptStatus.COMPLETE
    import json

    utterances = json.loads(transcript.utterances)
    assert [u["id"] for u in utterances] == [f"u{i}" for i in range(1, len(utterances) + 1)]
    assert all(a["start"] <= b["start"] for a, b in itertools.pairwise(utterances))


def test_live_results_come_back_interim_and_final_and_only_finals_are_stored(consented, doctor_a):
    async def scenario():
        comm = communicator(consented.pk, doctor_a)
        assert (await comm.connect())[0]
        await comm.receive_json_from()
        messages = []
        for i in range(20):  # 10 s of audio: the demo says a line every 4 s
            await comm.send_to(bytes_data=frame(i, pcm(i)))
            _, seen = await receive_until(comm, "ack")
            messages += seen
        await comm.send_json_to({"type": "stop"})
        _, seen = await receive_until(comm, "finalized")
        messages += seen
        await comm.wait()
        return messages

    messages = run(scenario)
    kinds = [m["type"] for m in messages]
    assert "interim" in kinds and "final" in kinds
    finals = [m["utterance"] for m in messages if m["type"] == "final"]
    stored = ConsultationRecording.objects.get(pk=consented.pk).transcript
    import json

    assert json.loads(stored.utterances) == finals
    assert finals[0]["speaker"] == 0 and finals[1]["speaker"] == 1


def test_withdrawing_consent_stops_the_socket_and_refuses_more_audio(consented, doctor_a):
    async def scenario():
        comm = communicator(consented.pk, doctor_a)
        assert (await comm.connect())[0]
        await comm.receive_json_from()
        await comm.send_to(bytes_data=frame(0, pcm(0)))
        await receive_until(comm, "ack")
        from channels.db import database_sync_to_async

        await database_sync_to_async(recording_withdraw_consent)(
            acting_user=doctor_a, recording=consented, reason="patient asked", delete_audio=True
        )
        stopped, _ = await receive_until(comm, "stopped")
        assert stopped["reason"] == "consent_withdrawn"
        closed = await comm.receive_output(timeout=5)
        assert closed["type"] == "websocket.close"

        again = communicator(consented.pk, doctor_a)
        assert (await again.connect())[0]
        ready = await again.receive_json_from()
        assert ready["status"] == RecordingStatus.DELETED
        error = await again.receive_json_from()
        assert error["code"] == "recording_closed"

    run(scenario)
    recording = ConsultationRecording.objects.get(pk=consented.pk)
    assert recording.status == RecordingStatus.DELETED and recording.consent_given is False
    assert not RecordingChunk.objects.filter(recording=recording).exists()
