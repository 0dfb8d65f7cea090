"""A log of the messages sent to patients: what kind, through which channel, how it went.

Never the text or the phone number. The appointment is referred to by id, not a foreign key:
clinic sits below appointments (ARCHITECTURE.md, Layout). One row per appointment and kind is
also what makes a confirmation or reminder go out at most once (docs/decisions/0030).
"""

import uuid

from django.db import models

from clinic.models.patients import Patient


class MessageKind(models.TextChoices):
    BOOKING_CONFIRMATION = "booking_confirmation", "Booking confirmation"
    APPOINTMENT_REMINDER = "appointment_reminder", "24-hour reminder"
    CHECKED_IN = "checked_in", "Check-in notice"


class MessageChannel(models.TextChoices):
    WHATSAPP = "whatsapp", "WhatsApp"
    SMS = "sms", "SMS"
    CONSOLE = "console", "Console (demo, not sent)"


class MessageStatus(models.TextChoices):
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    RETRY = "retry", "Waiting to retry"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Outcome unknown"


class MessageLog(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    appointment_id = models.UUIDField(
        null=True, blank=True, help_text="The appointment the message is about."
    )
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.SET_NULL, related_name="message_logs"
    )
    kind = models.CharField(max_length=30, choices=MessageKind.choices)
    channel = models.CharField(max_length=20, choices=MessageChannel.choices)
    language = models.CharField(max_length=5, default="en")
    status = models.CharField(max_length=20, choices=MessageStatus.choices, default=MessageStatus.SENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_message_id = models.CharField(max_length=128, blank=True)
    error_code = models.CharField(
        max_length=40, blank=True, help_text="The provider's error code, e.g. 131026."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment_id", "kind"], name="one_message_per_appointment_and_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} via {self.get_channel_display()}: {self.get_status_display()}"
