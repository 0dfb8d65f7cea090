"""The back office sees states, costs and consent, never audio or text; it can delete audio."""

import pytest
from django.test import Client
from django.utils import timezone

from tests.voice.ws import pcm
from voice.models import RecordingChunk, RecordingStatus, UsageService
from voice.providers.base import SttSegment
from voice.services import transcript_append_final
from voice.services.recordings import chunk_store
from voice.services.usage import usage_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def back_office(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_recording_and_transcript_pages_show_states_not_text(back_office, consented):
    chunk_store(recording_id=consented.pk, index=0, data=pcm(0))
    transcript_append_final(
        recording_id=consented.pk, segment=SttSegment("Itchy scalp for weeks.", 0, 1, 1, 0.9)
    )
    listing = back_office.get("/admin/voice/consultationrecording/")
    assert listing.status_code == 200 and str(consented.consultation_id) in listing.content.decode()
    detail = back_office.get(f"/admin/voice/consultationtranscript/{consented.transcript.pk}/change/")
    assert detail.status_code == 200 and "Itchy" not in detail.content.decode()


def test_the_usage_list_gives_the_months_total_in_inr(back_office, consented):
    usage_record(
        recording=consented,
        service=UsageService.NOTES,
        provider="anthropic",
        model="claude-sonnet-5-5",
        started_at=timezone.now(),
        input_tokens=5000,
        output_tokens=1500,
    )
    page = back_office.get("/admin/voice/voiceaiusagelog/").content.decode()
    assert "₹2.20 ($0.0250) for 1 consultation(s)" in page  # 5000 x $2/M + 1500 x $10/M = $0.025 at 88


def test_the_back_office_can_delete_audio(back_office, consented):
    chunk_store(recording_id=consented.pk, index=0, data=pcm(0))
    response = back_office.post(
        "/admin/voice/consultationrecording/",
        {"action": "delete_audio", "_selected_action": [str(consented.pk)]},
    )
    assert response.status_code == 302
    consented.refresh_from_db()
    assert consented.status == RecordingStatus.DELETED and consented.deletion_reason == "back office request"
    assert not RecordingChunk.objects.filter(recording=consented).exists()


def test_an_unknown_provider_name_is_a_system_check_error(settings):
    from voice.checks import providers_exist

    settings.DEBUG = False
    assert [e.id for e in providers_exist()] == ["voice.I001"]  # the demo, in production
    settings.VOICE_STT_PROVIDER = "local"
    settings.VOICE_NOTES_PROVIDER = "anthropic"
    assert providers_exist() == []
    settings.VOICE_STT_PROVIDER = "whisper-cloud"
    assert [e.id for e in providers_exist()] == ["voice.E001"]
