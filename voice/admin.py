"""Back office of the voice app: the PII patterns (editable), the egress ledger, recordings and
transcripts (states only: no audio and no text is shown here), and usage with the monthly cost."""

from django.contrib import admin, messages
from django.utils import timezone

from voice.models import (
    ConsultationRecording,
    ConsultationTranscript,
    EgressLog,
    PIIRedactionPattern,
    RecordingStatus,
    VoiceAIUsageLog,
)
from voice.privacy import patterns


@admin.register(PIIRedactionPattern)
class PIIRedactionPatternAdmin(admin.ModelAdmin):
    list_display = ["pattern_name", "pattern_type", "kind", "replacement_template", "priority", "is_active"]
    list_filter = ["is_active", "pattern_type"]
    list_editable = ["is_active"]
    search_fields = ["pattern_name", "pattern_type", "description"]
    readonly_fields = ["created_at", "updated_at"]
    fields = [
        "pattern_name",
        "pattern_type",
        "detector",
        "regex_pattern",
        "replacement_template",
        "description",
        "priority",
        "is_active",
        "created_at",
        "updated_at",
    ]

    @admin.display(description="Kind")
    def kind(self, obj):
        return "built-in detector" if obj.detector else "regular expression"

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.detector:
            # A built-in detector can be switched off or re-ranked, not turned into something else.
            readonly += ["detector", "regex_pattern", "pattern_type"]
        elif obj is None or not obj.detector:
            readonly += ["detector"]
        return readonly

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.detector:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        patterns.clear_cache()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        patterns.clear_cache()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset.filter(detector=""))
        patterns.clear_cache()


@admin.register(EgressLog)
class EgressLogAdmin(admin.ModelAdmin):
    """What left the building: provider, purpose, size, hash and counts. Nobody edits this."""

    list_display = ["created_at", "provider", "purpose", "outcome", "payload_bytes", "consultation_id"]
    list_filter = ["outcome", "provider", "purpose", "created_at"]
    search_fields = ["=consultation_id", "=payload_sha256"]
    search_help_text = "The exact consultation id or payload hash."
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "provider",
        "purpose",
        "outcome",
        "consultation_id",
        "payload_bytes",
        "payload_sha256",
        "redaction_counts",
        "refusal_counts",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsultationRecording)
class ConsultationRecordingAdmin(ReadOnlyAdmin):
    """Consent, retention and deletion at a glance. Listening goes through the console (access log)."""

    list_display = [
        "created_at",
        "consultation_id",
        "patient",
        "branch",
        "status",
        "consent_method",
        "audio_duration_seconds",
        "auto_delete_at",
        "deleted_at",
    ]
    list_filter = ["status", "consent_method", "stt_provider", "branch"]
    list_select_related = ["patient", "patient__pii_key", "branch"]
    search_fields = ["=consultation_id", "=id", "patient__mrn"]
    date_hierarchy = "created_at"
    exclude = ["audio_key"]
    actions = ["delete_audio"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "audio_key"]

    @admin.action(
        description="Delete the audio of the selected recordings (recorded with your name)",
        permissions=["delete_audio"],
    )
    def delete_audio(self, request, queryset):
        from voice.services import recording_delete_audio

        done = 0
        for recording in queryset.exclude(status=RecordingStatus.DELETED):
            recording_delete_audio(
                acting_user=request.user, recording=recording, reason="back office request"
            )
            done += 1
        self.message_user(request, f"Deleted the audio of {done} recording(s).", messages.SUCCESS)

    def has_delete_audio_permission(self, request) -> bool:
        return request.user.has_perm("voice.delete_consultationrecording")


@admin.register(ConsultationTranscript)
class ConsultationTranscriptAdmin(ReadOnlyAdmin):
    """Transcription and draft states, models, confidence and verification; never the text."""

    list_display = [
        "created_at",
        "consultation_id",
        "status",
        "utterance_count",
        "draft_status",
        "draft_error_code",
        "ai_model_used",
        "confidence_score",
        "doctor_verified",
    ]
    list_filter = ["status", "draft_status", "doctor_verified", "ai_model_used"]
    search_fields = ["=consultation_id", "=id"]
    date_hierarchy = "created_at"
    fields = [
        "consultation_id",
        "recording",
        "status",
        "error_message",
        "utterance_count",
        "word_count",
        "transcribed_seconds",
        "stt_provider",
        "deepgram_model_used",
        "draft_status",
        "draft_generation",
        "draft_attempts",
        "draft_error_code",
        "draft_error_message",
        "draft_requested_at",
        "draft_completed_at",
        "ai_model_used",
        "confidence_score",
        "processing_time_ms",
        "unsupported_items",
        "possible_omissions",
        "doctor_verified",
        "verified_at",
        "verified_by",
        "purged_at",
    ]
    readonly_fields = fields


@admin.register(VoiceAIUsageLog)
class VoiceAIUsageLogAdmin(ReadOnlyAdmin):
    """Every provider call and its cost; the list's header gives the month's total in INR."""

    list_display = [
        "started_at",
        "service",
        "provider",
        "model",
        "branch",
        "audio_duration_seconds",
        "input_tokens",
        "output_tokens",
        "total_cost_usd",
        "total_cost_inr",
        "processing_status",
    ]
    list_filter = ["service", "provider", "processing_status", "branch"]
    list_select_related = ["branch"]
    search_fields = ["=consultation_id"]
    date_hierarchy = "started_at"
    exclude = ["patient"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "patient"]

    def changelist_view(self, request, extra_context=None):
        from voice.selectors import usage_monthly_report

        today = timezone.now()
        try:
            year = int(request.GET.get("started_at__year", today.year))
            month = int(request.GET.get("started_at__month", today.month))
        except ValueError:
            year, month = today.year, today.month
        report = usage_monthly_report(year=year, month=month)
        total = report["total"]
        self.message_user(
            request,
            f"{year}-{month:02d}: ₹{total['cost_inr']:,.2f} (${total['cost_usd']:,.4f}) for "
            f"{total['consultations']} consultation(s), ₹{report['inr_per_consultation']} each; "
            f"{total['calls']} provider call(s).",
            messages.INFO,
        )
        return super().changelist_view(request, extra_context)
