"""The privacy promise, end to end: a consultation streamed over the audio socket, transcribed live
through the real Deepgram SDK (a loopback stub full of the patient's identifiers, spoken and
written), drafted through the real Anthropic SDK (a loopback stub that keeps every byte it got).
No identifier of the patient reaches the LLM in any form; the doctor's draft names the patient."""

import datetime
import json
import re

import pytest
from asgiref.sync import async_to_sync

from clinic.models import AccessLog
from tests.factories import MedicineFactory, make_patient
from tests.voice.ws import communicator, frame, pcm, receive_until
from voice import hooks
from voice.models import ConsultationRecording, DraftStatus, EgressLog, EgressOutcome, UsageService
from voice.selectors import draft_for_note, draft_get_for_user
from voice.services import draft_request, recording_record_consent, recording_start

pytestmark = pytest.mark.django_db(transaction=True)

AADHAAR = "2341 2341 2346"
SCRIPT = [
    (0, "Good morning Mr. Kumar, please sit down."),
    (1, "Good morning doctor. I am Ramesh Kumar, I came last month also."),
    (0, "Can you confirm your mobile number for the records?"),
    (1, "Yes, it is nine eight four five zero, one two three four five."),
    (1, "Or write it as 98450 12345, the same number."),
    (0, "And your Aadhaar for the insurance form?"),
    (1, "My Aadhaar is 2341 2341 2346."),
    (1, "That is two three four one, two three four one, two three four six."),
    (1, "My email is ramesh dot kumar 75 at gmail dot com."),
    (1, "I stay at Flat 12, Green Park Residency, 100 Feet Road, Indiranagar, Bengaluru 560038."),
    (1, "Date of birth 13/12/1975."),
    (1, "The itching and redness started one month ago on both cheeks."),
    (1, "My wife Sunita also had the same rash. You can call her on 83840 19161."),
    (1, "Sunita-ji told me to show you. ramesh kumar is fine otherwise."),
    (0, "Any allergies to medicines?"),
    (1, "Yes, I get rashes with sulfa drugs."),
    (0, "Were you ever on doxycycline before?"),
    (0, "There are papules on both cheeks, moderate acne, grade 3."),
    (0, "Start Isotretinoin 20 mg once daily after dinner for 8 weeks."),
    (0, "Start Levocetirizine 5 mg 1-0-1 for 10 days."),
    (0, "Come back after 10 days, Mr. Kumar."),
]
# Every form in which this patient's identifiers could leave: names, numbers (any spacing), words.
NAMES = ["ramesh", "kumar", "sunita"]
NUMBERS = ["9845012345", "8384019161", "234123412346", "560038", "13121975"]
WORDS = [
    "nine eight four five",
    "one two three four five",
    "two three four one",
    "green park",
    "indiranagar",
    "100 feet road",
    "flat 12",
    "gmail",
    "13/12/1975",
]


def _number_pattern(digits: str) -> re.Pattern:
    return re.compile(r"[\s,.\-()/+]*".join(digits))


def assert_no_identifier(raw: bytes) -> None:
    text = raw.decode("utf-8")
    decoded = json.loads(text[text.index("{") :]) if "{" in text else {}
    lowered = (text + json.dumps(decoded, ensure_ascii=False)).lower()
    for name in NAMES:
        assert not re.search(rf"(?<![a-z]){name}", lowered), f"the name {name!r} left the building"
    for digits in NUMBERS:
        assert not _number_pattern(digits).search(lowered), f"the number {digits} left the building"
    for words in WORDS:
        assert words not in lowered, f"{words!r} left the building"


@pytest.fixture
def ramesh(branch_a):
    patient = make_patient(
        branch=branch_a,
        first_name="Ramesh",
        last_name="Kumar",
        phone="+91 98450 12345",
        email="ramesh.kumar75@gmail.com",
        date_of_birth=datetime.date(1975, 12, 13),
        address="Flat 12, Green Park Residency, 100 Feet Road, Indiranagar, Bengaluru 560038",
        pin_code="560038",
        emergency_contact_name="Sunita Kumar",
        emergency_contact_relation="wife",
        emergency_contact_phone="+91 83840 19161",
    )

    def aadhaar_source(*, patient):  # the clinic's record of the Aadhaar (the kernel has no column)
        return {"aadhaar": AADHAAR} if patient.pk == patient_id else {}

    patient_id = patient.pk
    hooks.register_identifier_source(aadhaar_source)
    yield patient
    hooks.unregister_identifier_source(aadhaar_source)


@pytest.fixture
def medicines(hospital):
    for generic, brand in (
        ("Isotretinoin", "Isotroin"),
        ("Levocetirizine", "Levocet"),
        ("Doxycycline", "Doxt-SL"),
    ):
        MedicineFactory(hospital=hospital, generic_name=generic, brand_name=brand)


def _stream_the_consultation(recording, user, lines: int) -> list[dict]:
    async def scenario():
        comm = communicator(recording.pk, user)
        assert (await comm.connect())[0]
        ready = await comm.receive_json_from()
        assert ready["provider"] == "deepgram" and ready["consent_required"] is False
        messages = []
        for i in range(lines * 2 + 1):  # half a second a chunk; the stub says a line a second
            await comm.send_to(bytes_data=frame(i, pcm(i, seconds=0.5)))
            _, seen = await receive_until(comm, "ack")
            messages += seen
        await comm.send_json_to({"type": "stop"})
        done, seen = await receive_until(comm, "finalized", timeout=20)
        messages += seen
        await comm.wait()
        assert done["transcript"]["status"] == "complete"
        return messages

    return async_to_sync(scenario)()


def test_no_identifier_of_the_patient_reaches_the_llm_and_the_doctor_sees_the_name(
    ramesh,
    medicines,
    doctor_a,
    branch_a,
    deepgram_stub,
    deepgram_settings,
    anthropic_stub,
    anthropic_settings,
):
    import uuid

    deepgram_stub.script = list(SCRIPT)
    recording = recording_start(
        acting_user=doctor_a, consultation_id=uuid.uuid4(), patient=ramesh, branch=branch_a
    )
    recording = recording_record_consent(acting_user=doctor_a, recording=recording, method="verbal_recorded")
    messages = _stream_the_consultation(recording, doctor_a, len(SCRIPT))

    # live: interim and final results reached the tablet; the stream was Deepgram's, with our options
    assert {"interim", "final"} <= {m["type"] for m in messages}
    stream = deepgram_stub.streams[0]
    assert stream.query["model"] == ["nova-3-medical"] and stream.query["language"] == ["en-IN"]
    assert stream.query["mip_opt_out"] == ["true"] and stream.query["encoding"] == ["linear16"]
    assert {"Isotretinoin", "Doxt-SL"} <= set(stream.query["keyterm"])
    assert stream.controls[-1] == "CloseStream" and stream.closed_cleanly
    transcript = ConsultationRecording.objects.get(pk=recording.pk).transcript
    utterances = json.loads(transcript.utterances)
    assert [u["text"] for u in utterances] == [text for _, text in SCRIPT]

    # the draft, through the real Anthropic SDK
    draft_request(acting_user=doctor_a, recording=recording)  # eager: the task runs after commit
    transcript.refresh_from_db()
    assert transcript.draft_status == DraftStatus.READY, transcript.draft_error_message

    # 1. every byte the LLM stub received is free of the patient's identifiers, in every form
    assert len(anthropic_stub.requests) == 1
    raw = anthropic_stub.received_bytes()
    assert_no_identifier(raw)
    body = json.loads(anthropic_stub.requests[0]["raw"])
    prompt = body["messages"][0]["content"]
    token = transcript.session_token.session_token
    assert token in prompt and "[PHONE_REDACTED]" in prompt and "[AADHAAR_REDACTED]" in prompt
    assert "Isotretinoin 20 mg once daily" in prompt and "sulfa drugs" in prompt  # clinical content kept
    assert not ({"temperature", "top_p", "top_k", "tool_choice"} & set(body))
    assert body["output_config"]["format"]["type"] == "json_schema"

    # 2. the doctor's draft names the patient again, with evidence, flags and omissions
    _, document = draft_get_for_user(user=doctor_a, recording_id=recording.pk)
    notes = document["notes"]
    hpi = notes["history_of_present_illness"][0]
    assert hpi["text"].startswith("Ramesh Kumar reports") and token not in json.dumps(document)
    assert hpi["supported"] is True
    assert [p["medicine"] for p in notes["prescriptions"]] == ["Isotretinoin", "Levocetirizine"]
    assert all(p["supported"] for p in notes["prescriptions"])
    assert notes["follow_up"]["in_days"] == 10
    assert [o["medicine"] for o in document["possible_omissions"]] == ["Doxt-SL"]
    assert document["confidence"] == 1.0
    assert AccessLog.objects.filter(record_type="voice_draft", user_id=doctor_a.pk).exists()
    for_note = draft_for_note(user=doctor_a, recording_id=recording.pk)
    assert "chief_complaint" in for_note["sections"] and for_note["draft_id"] == document["draft_id"]

    # 3. the ledger: what left, by size and hash; never the text
    ledger = {row.purpose: row for row in EgressLog.objects.filter(consultation_id=recording.consultation_id)}
    assert {"stt_keyterms", "stt_live_audio", "notes_draft"} <= set(ledger)
    assert all(row.outcome == EgressOutcome.SENT for row in ledger.values())
    assert ledger["notes_draft"].redaction_counts["phone"] >= 3
    assert ledger["stt_live_audio"].payload_bytes == len(stream.audio)

    # 4. usage and cost: the live minutes and the tokens, in USD and INR
    usage = {row.service: row for row in recording.usage.all()}
    assert (
        usage[UsageService.STT_LIVE].provider == "deepgram"
        and usage[UsageService.STT_LIVE].total_cost_usd > 0
    )
    notes_usage = usage[UsageService.NOTES]
    assert (notes_usage.input_tokens, notes_usage.output_tokens) == (1200, 450)
    assert str(notes_usage.claude_cost_usd) == "0.006900"  # 1200 x $2/M + 450 x $10/M
    assert notes_usage.total_cost_inr == notes_usage.total_cost_usd * notes_usage.usd_inr_rate


def test_a_leak_injected_past_the_anonymizer_is_stopped_by_the_egress_guard(
    ramesh, doctor_a, branch_a, anthropic_stub, anthropic_settings, monkeypatch
):
    import uuid

    from voice.providers.base import SttSegment
    from voice.services import drafts, recording_finalize, transcript_append_final
    from voice.services.recordings import chunk_store

    recording = recording_start(
        acting_user=doctor_a, consultation_id=uuid.uuid4(), patient=ramesh, branch=branch_a
    )
    recording = recording_record_consent(acting_user=doctor_a, recording=recording, method="verbal_recorded")
    chunk_store(recording_id=recording.pk, index=0, data=pcm(0))
    for i, (speaker, text) in enumerate(SCRIPT[:6]):
        transcript_append_final(recording_id=recording.pk, segment=SttSegment(text, i, i + 1, speaker, 0.9))
    recording_finalize(acting_user=doctor_a, recording=recording)

    real = drafts.anonymize_utterances

    def leaky(*args, **kwargs):  # a bug that puts the phone number back after anonymization
        prepared = real(*args, **kwargs)
        prepared.prompt += "\n[u99] Speaker 1: call me on 98 450 123 45"
        return prepared

    monkeypatch.setattr(drafts, "anonymize_utterances", leaky)
    draft_request(acting_user=doctor_a, recording=recording)
    transcript = ConsultationRecording.objects.get(pk=recording.pk).transcript
    assert transcript.draft_status == DraftStatus.FAILED and transcript.draft_error_code == "egress_refused"
    assert "Write the notes by hand" in transcript.draft_error_message
    assert anthropic_stub.requests == []  # nothing was sent
    refused = EgressLog.objects.get(purpose="notes_draft")
    assert refused.outcome == EgressOutcome.REFUSED, refused.outcome
    assert refused.refusal_counts == {"phone": 1}, refused.refusal_counts
    assert refused.payload_sha256 == ""
    assert transcript.utterance_count == 6  # the transcript is untouched
