"""The voice console's HTTP API (the websocket carries the audio): start with consent, stop,
upload, transcript, notes draft with status polling, verification, playback, usage.
One thin view per operation; the services and selectors do the work and the checks."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.models import Branch, Patient
from clinic.services.access_log import client_ip
from voice import permissions, selectors
from voice.errors import NotAllowed
from voice.models import AudioFormat, ConsentMethod, LanguageMode
from voice.services import (
    draft_request,
    recording_delete_audio,
    recording_finalize,
    recording_record_consent,
    recording_start,
    recording_upload,
    recording_withdraw_consent,
    transcript_verify,
)


def _jsonable(value):
    """Money and seconds as exact strings, not floats."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _status(recording_id) -> dict:
    return selectors.recording_status(selectors.recording_get(recording_id))


class RecordingStatusSerializer(serializers.Serializer):
    """The console's view of a recording: states, counts, errors; never clinical text."""

    id = serializers.UUIDField()
    consultation_id = serializers.UUIDField()
    status = serializers.CharField()
    consent = serializers.DictField()
    audio = serializers.DictField()
    provider = serializers.DictField()
    transcript = serializers.DictField(allow_null=True)
    draft = serializers.DictField(allow_null=True)


class RecordingStartApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VoiceRecordingStartInput"

        consultation_id = serializers.UUIDField()
        patient_id = serializers.UUIDField()
        branch_id = serializers.UUIDField()
        language_mode = serializers.ChoiceField(choices=LanguageMode.choices, default=LanguageMode.ENGLISH)
        audio_format = serializers.ChoiceField(choices=AudioFormat.choices, default=AudioFormat.PCM16)
        sample_rate = serializers.IntegerField(required=False, allow_null=True, default=16000)

    @extend_schema(request=InputSerializer, responses={201: RecordingStatusSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if not permissions.can_start(
            request.user,
            branch_id=values["branch_id"],
            patient_id=values["patient_id"],
            consultation_id=values["consultation_id"],
        ):
            raise NotAllowed("Only a doctor of this branch can record its consultations.")
        recording = recording_start(
            acting_user=request.user,
            consultation_id=values["consultation_id"],
            patient=get_object_or_404(Patient, pk=values["patient_id"], is_deleted=False),
            branch=get_object_or_404(Branch, pk=values["branch_id"]),
            language_mode=values["language_mode"],
            audio_format=values["audio_format"],
            sample_rate=values.get("sample_rate"),
        )
        return Response(_status(recording.pk), status=status.HTTP_201_CREATED)


class RecordingDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: RecordingStatusSerializer})
    def get(self, request, recording_id):
        recording = selectors.recording_get_for_user(user=request.user, recording_id=recording_id)
        return Response(selectors.recording_status(recording))


class RecordingConsentApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VoiceRecordingConsentInput"

        method = serializers.ChoiceField(choices=ConsentMethod.choices)
        reference = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")

    @extend_schema(request=InputSerializer, responses={200: RecordingStatusSerializer})
    def post(self, request, recording_id):
        recording = selectors.recording_get_for_user(
            user=request.user, recording_id=recording_id, action="record"
        )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recording_record_consent(
            acting_user=request.user,
            recording=recording,
            method=data.validated_data["method"],
            reference=data.validated_data["reference"],
            ip_address=client_ip(request),
        )
        return Response(_status(recording.pk))


class RecordingConsentWithdrawApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VoiceRecordingConsentWithdrawInput"

        reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
        delete_audio = serializers.BooleanField(default=True)
        delete_transcript = serializers.BooleanField(default=False)

    @extend_schema(request=InputSerializer, responses={200: RecordingStatusSerializer})
    def post(self, request, recording_id):
        recording = selectors.recording_get_for_user(
            user=request.user, recording_id=recording_id, action="record"
        )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recording_withdraw_consent(acting_user=request.user, recording=recording, **data.validated_data)
        return Response(_status(recording.pk))


class RecordingFinalizeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: RecordingStatusSerializer})
    def post(self, request, recording_id):
        recording = selectors.recording_get_for_user(
            user=request.user, recording_id=recording_id, action="record"
        )
        recording_finalize(acting_user=request.user, recording=recording)
        return Response(_status(recording.pk))


class RecordingUploadApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VoiceRecordingUploadInput"

        audio = serializers.FileField()
        audio_format = serializers.ChoiceField(
            choices=[c for c in AudioFormat.choices if c[0] != AudioFormat.PCM16]
        )

    @extend_schema(request=InputSerializer, responses={200: RecordingStatusSerializer})
    def post(self, request, recording_id):
        recording = selectors.recording_get_for_user(
            user=request.user, recording_id=recording_id, action="record"
        )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["audio"]
        from voice import conf

        if upload.size > conf.max_upload_bytes():
            from voice.errors import ChunkRefused

            raise ChunkRefused(
                f"The file is {upload.size:,} bytes; uploads are at most {conf.max_upload_bytes():,} bytes.",
                code="upload_too_large",
                http_status=413,
            )
        recording_upload(
            acting_user=request.user,
            recording=recording,
            data=upload.read(),
            audio_format=data.validated_data["audio_format"],
        )
        return Response(_status(recording.pk))


class RecordingTranscribeApi(APIView):
    """Run the whole recording through the pre-recorded API again (replaces the transcript)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={202: RecordingStatusSerializer})
    def post(self, request, recording_id):
        recording = selectors.recording_get_for_user(
            user=request.user, recording_id=recording_id, action="record"
        )
        from voice.tasks import transcribe_recording_task

        if recording.status != "finalized":
            raise ValidationError("Only a finalized recording with its audio can be transcribed again.")
        transcribe_recording_task.delay(str(recording.pk), True)
        return Response(_status(recording.pk), status=status.HTTP_202_ACCEPTED)


class RecordingAudioDeleteApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VoiceRecordingAudioDeleteInput"

        reason = serializers.CharField(max_length=100)

    @extend_schema(request=InputSerializer, responses={200: RecordingStatusSerializer})
    def post(self, request, recording_id):
        recording = selectors.recording_get_for_user(
            user=request.user, recording_id=recording_id, action="record"
        )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recording_delete_audio(
            acting_user=request.user, recording=recording, reason=data.validated_data["reason"]
        )
        return Response(_status(recording.pk))


class RecordingAudioApi(APIView):
    """Playback: the decrypted audio streamed chunk by chunk; each request is an access-log row."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "audio/wav"): bytes})
    def get(self, request, recording_id):
        download = request.query_params.get("download") == "1"
        stream = selectors.recording_audio_for_user(
            user=request.user, recording_id=recording_id, request=request, download=download
        )
        response = StreamingHttpResponse(stream.chunks, content_type=stream.content_type)
        response["Content-Length"] = str(stream.size)
        response["Cache-Control"] = "no-store"
        disposition = "attachment" if download else "inline"
        response["Content-Disposition"] = f'{disposition}; filename="{stream.filename}"'
        return response


class TranscriptGetApi(APIView):
    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VoiceTranscriptGetOutput"

        status = serializers.CharField()
        utterances = serializers.ListField(child=serializers.DictField())

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request, recording_id):
        transcript, utterances = selectors.transcript_get_for_user(
            user=request.user, recording_id=recording_id, request=request
        )
        return Response({"status": transcript.status, "utterances": utterances})


class DraftApi(APIView):
    """GET: the draft's status and, when ready, the draft with its evidence and flags.
    POST: ask for a draft (202; poll GET). `{"force": true}` asks for a fresh one."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VoiceDraftInput"

        force = serializers.BooleanField(default=False)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VoiceDraftOutput"

        status = serializers.CharField()
        error_code = serializers.CharField(allow_blank=True)
        error = serializers.CharField(allow_blank=True)
        attempts = serializers.IntegerField()
        draft = serializers.DictField(allow_null=True)

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request, recording_id):
        transcript, document = selectors.draft_get_for_user(
            user=request.user, recording_id=recording_id, request=request
        )
        return Response(
            {
                "status": transcript.draft_status,
                "error_code": transcript.draft_error_code,
                "error": transcript.draft_error_message,
                "attempts": transcript.draft_attempts,
                "draft": document,
            }
        )

    @extend_schema(request=InputSerializer, responses={202: RecordingStatusSerializer})
    def post(self, request, recording_id):
        recording = selectors.recording_get_for_user(
            user=request.user, recording_id=recording_id, action="record"
        )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        draft_request(acting_user=request.user, recording=recording, force=data.validated_data["force"])
        return Response(_status(recording.pk), status=status.HTTP_202_ACCEPTED)


class DraftVerifyApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VoiceDraftVerifyInput"

        notes = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")

    @extend_schema(request=InputSerializer, responses={200: RecordingStatusSerializer})
    def post(self, request, recording_id):
        recording = selectors.recording_get_for_user(
            user=request.user, recording_id=recording_id, action="record"
        )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transcript_verify(acting_user=request.user, recording=recording, notes=data.validated_data["notes"])
        return Response(_status(recording.pk))


class ConsultationRecordingsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: RecordingStatusSerializer(many=True)})
    def get(self, request, consultation_id):
        rows = [
            selectors.recording_status(r)
            for r in selectors.recordings_for_consultation(consultation_id)
            if permissions.can_view(request.user, r)
        ]
        return Response(rows)


class UsageSerializer(serializers.Serializer):
    total = serializers.DictField()
    by_service = serializers.DictField()


class MonthlyReportSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    month = serializers.IntegerField()
    lines = serializers.ListField(child=serializers.DictField())
    total = serializers.DictField()
    inr_per_consultation = serializers.CharField()


class ConsultationUsageApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: UsageSerializer})
    def get(self, request, consultation_id):
        recordings = list(selectors.recordings_for_consultation(consultation_id))
        allowed = any(permissions.can_view(request.user, r) for r in recordings)
        if not allowed and not permissions.can_see_usage(request.user):
            raise NotAllowed("You are not allowed this consultation's usage.")
        return Response(_jsonable(selectors.usage_for_consultation(consultation_id)))


class UsageMonthlyApi(APIView):
    """The monthly voice AI cost report (INR), for the back office."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VoiceUsageMonthlyInput"

        year = serializers.IntegerField(min_value=2020, max_value=2100, required=False)
        month = serializers.IntegerField(min_value=1, max_value=12, required=False)

    @extend_schema(parameters=[InputSerializer], responses={200: MonthlyReportSerializer})
    def get(self, request):
        if not permissions.can_see_usage(request.user):
            raise NotAllowed("Only the back office sees the cost report.")
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        today = timezone.now()
        report = selectors.usage_monthly_report(
            year=data.validated_data.get("year", today.year),
            month=data.validated_data.get("month", today.month),
        )
        return Response(_jsonable(report))
