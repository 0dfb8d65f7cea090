"""The voice app's refusals, each with a code the console and the API client can act on."""

from rest_framework import status

from clinic.api_errors import ApplicationError, Conflict


class NotAllowed(ApplicationError):
    code = "forbidden"
    http_status = status.HTTP_403_FORBIDDEN


class ConsentRequired(Conflict):
    code = "consent_required"


class RecordingClosed(Conflict):
    code = "recording_closed"


class ChunkRefused(ApplicationError):
    """A chunk of audio that is not stored: empty, corrupt, too large, out of order, or a resend
    with different bytes. Nothing already stored changes."""

    code = "chunk_refused"


class DraftNotReady(Conflict):
    code = "draft_not_ready"
