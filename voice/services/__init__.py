"""Every write of the voice app. Views, the websocket consumer, tasks and admin actions call these."""

from voice.services.drafts import draft_generate, draft_give_up, draft_request
from voice.services.recordings import (
    chunk_store,
    recording_audio_iter,
    recording_delete_audio,
    recording_finalize,
    recording_record_consent,
    recording_start,
    recording_upload,
    recording_withdraw_consent,
    retention_purge,
)
from voice.services.transcripts import (
    transcribe_recording,
    transcript_append_final,
    transcript_mark_interrupted,
    transcript_verify,
)

__all__ = [
    "chunk_store",
    "draft_generate",
    "draft_give_up",
    "draft_request",
    "recording_audio_iter",
    "recording_delete_audio",
    "recording_finalize",
    "recording_record_consent",
    "recording_start",
    "recording_upload",
    "recording_withdraw_consent",
    "retention_purge",
    "transcribe_recording",
    "transcript_append_final",
    "transcript_mark_interrupted",
    "transcript_verify",
]
