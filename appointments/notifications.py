"""Messages to patients about their appointments (seed 4.4 and 8.3): the booking confirmation, the
24-hour reminder and the check-in notice, through the messaging provider of clinic.messaging.

Each goes out at most once per appointment and kind. Confirmations and check-in notices claim a
MessageLog row (unique per appointment and kind) before the provider is called; the reminder job
claims appointments by setting `reminder_sent` under `FOR UPDATE SKIP LOCKED` and commits that
before sending, so two reminder runs at the same time never send one reminder twice. A send that
failed for a passing reason (rate limit, Meta's 5xx, no connection) is released for a later try;
one whose outcome is unknown (the request left, no reply came) is not sent again.
See docs/decisions/0030-messaging-providers.md.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass

from babel.dates import format_date, format_time
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from appointments.models import Appointment, AppointmentStatus
from clinic.messaging import MessagingProvider, ProviderError, TemplateMessage, get_provider
from clinic.models import MessageKind, MessageLog, MessageStatus, StaffType

logger = logging.getLogger(__name__)

Kind = MessageKind
LANGUAGES = ("en", "hi")
BABEL_LOCALES = {"en": "en_IN", "hi": "hi_IN"}


class MessageDeferred(Exception):
    """A send failed for a passing reason; its MessageLog row waits in status `retry`."""


@dataclass(frozen=True)
class Notification:
    """One message ready to send: the registered template with its parameters, and the same text
    rendered in full for channels without templates (console, SMS)."""

    kind: str
    language: str
    template: TemplateMessage
    body: str


# --- What each message says -------------------------------------------------------------------
# The parameters of each template, in the order its registered text numbers them ({{1}}, {{2}}, ...).
# Changing an order means registering the template with Meta again (docs/operations-messaging.md).
TEMPLATE_PARAMS: dict[str, tuple[str, ...]] = {
    Kind.BOOKING_CONFIRMATION: ("clinic", "name", "number", "date", "time", "practitioner"),
    Kind.APPOINTMENT_REMINDER: ("clinic", "name", "date", "time", "practitioner"),
    Kind.CHECKED_IN: ("clinic", "name", "time", "practitioner"),
}
TEMPLATE_FILES = {
    Kind.BOOKING_CONFIRMATION: "appointments/messages/booking_confirmation.txt",
    Kind.APPOINTMENT_REMINDER: "appointments/messages/appointment_reminder.txt",
    Kind.CHECKED_IN: "appointments/messages/checked_in.txt",
}


def template_name(kind: str) -> str:
    return {
        Kind.BOOKING_CONFIRMATION: settings.WHATSAPP_TEMPLATE_BOOKING_CONFIRMATION,
        Kind.APPOINTMENT_REMINDER: settings.WHATSAPP_TEMPLATE_APPOINTMENT_REMINDER,
        Kind.CHECKED_IN: settings.WHATSAPP_TEMPLATE_CHECKED_IN,
    }[kind]


def patient_language(appointment: Appointment) -> str:
    language = appointment.patient.preferred_language
    return language if language in LANGUAGES else "en"


def _practitioner(appointment: Appointment) -> str:
    """'Doctor: Dr. Meera Rao', or the therapist for sessions without a doctor (translated label)."""
    if appointment.doctor_id:
        doctor = appointment.doctor
        name = doctor.display_name
        if not doctor.title and doctor.staff_type == StaffType.DOCTOR:
            name = f"Dr. {name}"
        return gettext("Doctor: %(name)s") % {"name": name}
    if appointment.therapist_id:
        return gettext("Therapist: %(name)s") % {"name": appointment.therapist.display_name}
    return gettext("Branch: %(name)s") % {"name": appointment.branch.name}


def message_values(appointment: Appointment, language: str) -> dict[str, str]:
    """The values a message shows, in the patient's language; date and time in the branch's zone."""
    local = appointment.starts_at.astimezone(appointment.branch.zone)
    locale = BABEL_LOCALES[language]
    with translation.override(language):
        practitioner = _practitioner(appointment)
    return {
        "clinic": f"{appointment.branch.hospital.name}, {appointment.branch.name}",
        "name": appointment.patient.first_name,
        "number": appointment.number,
        "date": format_date(local.date(), "d MMM y", locale=locale),  # 26 Nov 2026
        "time": format_time(local.time(), "h:mm a", locale=locale),  # 10:30 am
        "practitioner": practitioner,
    }


def _render(kind: str, language: str, values: dict[str, str]) -> str:
    with translation.override(language):
        return render_to_string(TEMPLATE_FILES[kind], values).strip()


def notification_build(appointment: Appointment, kind: str, *, language: str | None = None) -> Notification:
    language = language or patient_language(appointment)
    values = message_values(appointment, language)
    params = tuple(values[key] for key in TEMPLATE_PARAMS[kind])
    return Notification(
        kind=kind,
        language=language,
        template=TemplateMessage(name=template_name(kind), params=params),
        body=_render(kind, language, values),
    )


def registered_template_text(kind: str, language: str) -> str:
    """The body to register with Meta for this template and language: our text with {{1}}, {{2}}, ...
    in the places of the parameters."""
    placeholders = {key: f"{{{{{i}}}}}" for i, key in enumerate(TEMPLATE_PARAMS[kind], start=1)}
    return _render(kind, language, placeholders)


# --- Sending, at most once ---------------------------------------------------------------------
def _appointment_load(appointment_id) -> Appointment | None:
    try:
        return Appointment.objects.select_related(
            "patient__pii_key", "doctor", "therapist", "branch__hospital"
        ).get(pk=appointment_id)
    except (Appointment.DoesNotExist, ValueError):
        logger.warning("appointment %s not found; no message sent", appointment_id)
        return None


def _log_claim(appointment: Appointment, kind: str, *, channel: str, language: str) -> MessageLog | None:
    """The MessageLog row of this appointment and kind, now ours to send; None when another run has
    sent it, is sending it, or gave up on it."""
    try:
        with transaction.atomic():
            return MessageLog.objects.create(
                appointment_id=appointment.pk,
                patient_id=appointment.patient_id,
                kind=kind,
                channel=channel,
                language=language,
                status=MessageStatus.SENDING,
                attempts=1,
            )
    except IntegrityError:
        pass
    # A row exists: take it only if it waits for a retry (the UPDATE decides between racing runs).
    taken = MessageLog.objects.filter(
        appointment_id=appointment.pk, kind=kind, status=MessageStatus.RETRY
    ).update(
        status=MessageStatus.SENDING,
        attempts=F("attempts") + 1,
        channel=channel,
        language=language,
        updated_at=timezone.now(),
    )
    if not taken:
        return None
    return MessageLog.objects.get(appointment_id=appointment.pk, kind=kind)


def _deliver(appointment: Appointment, kind: str, provider: MessagingProvider) -> MessageLog | None:
    """Claim, send, record. Returns the log row (status sent, retry, failed or unknown), or None
    when this message was not ours to send."""
    notification = notification_build(appointment, kind)
    log = _log_claim(appointment, kind, channel=provider.channel, language=notification.language)
    if log is None:
        return None
    fields = ["status", "updated_at"]
    phone = appointment.patient.phone
    try:
        if not phone:  # an erased patient's number reads as empty
            raise ProviderError("the patient has no phone number", code="no_phone", transient=False)
        result = provider.send_template(
            phone, notification.template, body=notification.body, language=notification.language
        )
    except ProviderError as exc:
        log.error_code = exc.code[:40]
        fields.append("error_code")
        if exc.maybe_delivered:
            log.status = MessageStatus.UNKNOWN
        elif exc.transient and log.attempts < settings.MESSAGING_MAX_ATTEMPTS:
            log.status = MessageStatus.RETRY
        else:
            log.status = MessageStatus.FAILED
        logger.warning(
            "%s for appointment %s: attempt %s %s (%s)", kind, appointment.pk, log.attempts, log.status, exc
        )
    else:
        log.status = MessageStatus.SENT
        log.provider_message_id = result.provider_message_id[:128]
        log.sent_at = timezone.now()
        log.error_code = ""
        fields += ["provider_message_id", "sent_at", "error_code"]
        logger.info(
            "%s for appointment %s sent via %s (log %s)", kind, appointment.pk, provider.channel, log.pk
        )
    log.save(update_fields=fields)
    return log


def _notify_once(appointment_id, kind: str, wanted_status: str) -> MessageLog | None:
    appointment = _appointment_load(appointment_id)
    if appointment is None:
        return None
    if appointment.status != wanted_status:
        logger.info("%s for appointment %s skipped: it is %s", kind, appointment.pk, appointment.status)
        return None
    with get_provider() as provider:
        log = _deliver(appointment, kind, provider)
    if log is not None and log.status == MessageStatus.RETRY:
        raise MessageDeferred(f"{kind} for appointment {appointment.pk} will be retried")
    return log


def notify_booking_confirmation(appointment_id: uuid.UUID | str) -> MessageLog | None:
    """Tell the patient the appointment is confirmed. Requested bookings wait for approval (the
    confirmation goes out when they are confirmed); called twice, it sends once. Raises
    MessageDeferred when the send should be retried later."""
    return _notify_once(appointment_id, Kind.BOOKING_CONFIRMATION, AppointmentStatus.CONFIRMED)


def notify_checked_in(appointment_id: uuid.UUID | str) -> MessageLog | None:
    """Tell the patient they are checked in (seed 4.4), unless the visit has already moved on."""
    return _notify_once(appointment_id, Kind.CHECKED_IN, AppointmentStatus.CHECKED_IN)


# --- The 24-hour reminder (seed 8.3) -------------------------------------------------------------
def reminders_due(*, now: datetime.datetime) -> QuerySet[Appointment]:
    """Confirmed appointments starting between (lead - window) and lead from now (23 to 24 hours by
    default), not yet reminded, and not given up on."""
    lead = datetime.timedelta(hours=settings.APPOINTMENT_REMINDER_LEAD_HOURS)
    window = datetime.timedelta(minutes=settings.APPOINTMENT_REMINDER_WINDOW_MINUTES)
    settled = MessageLog.objects.filter(
        appointment_id=OuterRef("pk"), kind=Kind.APPOINTMENT_REMINDER
    ).exclude(status=MessageStatus.RETRY)
    return (
        Appointment.objects.filter(
            status=AppointmentStatus.CONFIRMED,
            reminder_sent=False,
            starts_at__gte=now + lead - window,
            starts_at__lte=now + lead,
        )
        .exclude(Exists(settled))
        .order_by("starts_at")
    )


def _reminders_claim(*, now: datetime.datetime, limit: int) -> list[uuid.UUID]:
    """Mark up to `limit` due reminders as sent and commit: rows another run holds are skipped, rows
    it has marked no longer match."""
    with transaction.atomic():
        ids = list(
            reminders_due(now=now).select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit]
        )
        if ids:
            Appointment.objects.filter(pk__in=ids).update(reminder_sent=True, reminder_sent_at=timezone.now())
    return ids


def reminders_send_due(*, now: datetime.datetime | None = None, batch_size: int = 50) -> int:
    """Send every due 24-hour reminder once; returns how many the provider took. Safe to run in
    several processes at once. A reminder that failed is released (`reminder_sent` back to False):
    a passing failure is tried again by a later run while the appointment is still in the window,
    a permanent one stays in MessageLog as failed and is not tried again."""
    now = now or timezone.now()
    sent = 0
    release: list[uuid.UUID] = []
    with get_provider() as provider:
        try:
            while ids := _reminders_claim(now=now, limit=batch_size):
                for appointment_id in ids:
                    try:
                        log = _reminder_deliver(appointment_id, provider)
                    except Exception:
                        # One bad row must not silence the others. Released unless the provider may
                        # already have been called (its log row says sending).
                        logger.exception("reminder for appointment %s failed", appointment_id)
                        if not MessageLog.objects.filter(
                            appointment_id=appointment_id,
                            kind=Kind.APPOINTMENT_REMINDER,
                            status=MessageStatus.SENDING,
                        ).exists():
                            release.append(appointment_id)
                        continue
                    if log is None:
                        continue  # gone, or an earlier log row settles it: keep the flag
                    if log.status == MessageStatus.SENT:
                        sent += 1
                    elif log.status in (MessageStatus.RETRY, MessageStatus.FAILED):
                        release.append(appointment_id)
        finally:
            # Released only now, so that this run does not claim its own failures again.
            if release:
                Appointment.objects.filter(pk__in=release).update(reminder_sent=False, reminder_sent_at=None)
    if sent or release:
        logger.info("reminders: %s sent, %s not sent", sent, len(release))
    return sent


def _reminder_deliver(appointment_id: uuid.UUID, provider: MessagingProvider) -> MessageLog | None:
    appointment = _appointment_load(appointment_id)
    if appointment is None:
        return None
    return _deliver(appointment, Kind.APPOINTMENT_REMINDER, provider)
