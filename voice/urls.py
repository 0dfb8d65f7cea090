"""/api/voice/ (config/urls.py)."""

from django.urls import path

from voice import api

app_name = "voice"

urlpatterns = [
    path("recordings/", api.RecordingStartApi.as_view(), name="recording-start"),
    path("recordings/<uuid:recording_id>/", api.RecordingDetailApi.as_view(), name="recording-detail"),
    path(
        "recordings/<uuid:recording_id>/consent/", api.RecordingConsentApi.as_view(), name="recording-consent"
    ),
    path(
        "recordings/<uuid:recording_id>/consent/withdraw/",
        api.RecordingConsentWithdrawApi.as_view(),
        name="recording-consent-withdraw",
    ),
    path(
        "recordings/<uuid:recording_id>/finalize/",
        api.RecordingFinalizeApi.as_view(),
        name="recording-finalize",
    ),
    path("recordings/<uuid:recording_id>/upload/", api.RecordingUploadApi.as_view(), name="recording-upload"),
    path(
        "recordings/<uuid:recording_id>/transcribe/",
        api.RecordingTranscribeApi.as_view(),
        name="recording-transcribe",
    ),
    path(
        "recordings/<uuid:recording_id>/delete-audio/",
        api.RecordingAudioDeleteApi.as_view(),
        name="recording-delete-audio",
    ),
    path("recordings/<uuid:recording_id>/audio/", api.RecordingAudioApi.as_view(), name="recording-audio"),
    path("recordings/<uuid:recording_id>/transcript/", api.TranscriptGetApi.as_view(), name="transcript"),
    path("recordings/<uuid:recording_id>/draft/", api.DraftApi.as_view(), name="draft"),
    path("recordings/<uuid:recording_id>/draft/verify/", api.DraftVerifyApi.as_view(), name="draft-verify"),
    path(
        "consultations/<uuid:consultation_id>/recordings/",
        api.ConsultationRecordingsApi.as_view(),
        name="consultation-recordings",
    ),
    path(
        "consultations/<uuid:consultation_id>/usage/",
        api.ConsultationUsageApi.as_view(),
        name="consultation-usage",
    ),
    path("usage/monthly/", api.UsageMonthlyApi.as_view(), name="usage-monthly"),
]
