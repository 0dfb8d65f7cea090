"""Patient messages: content in English and Hindi in the branch's time, the reminder window, at most
once even when two reminder runs race, what a failing provider leaves behind, tasks and listeners.

Appointments are made directly with the ORM: these tests are about messages, not booking.
"""

import datetime
import logging
import threading
import uuid

import pytest
from django.conf import settings as django_settings
from django.db import connection

from appointments import events
from appointments import notification_tasks as tasks
from appointments.models import Appointment, AppointmentStatus
from appointments.notifications import (
    TEMPLATE_PARAMS,
    MessageDeferred,
    notification_build,
    notify_booking_confirmation,
    notify_checked_in,
    registered_template_text,
    reminders_due,
    reminders_send_due,
)
from clinic.messaging import NotConfigured
from clinic.models import MessageKind, MessageLog, MessageStatus, StaffType
from tests.factories import BranchFactory, StaffFactory, make_patient
from tests.fakes import whatsapp as fake_whatsapp
from tests.live_services import needs_redis

whatsapp_stub = fake_whatsapp.whatsapp_stub  # fixtures of the loopback Cloud API stub
whatsapp_settings = fake_whatsapp.whatsapp_settings

IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
# 26 Nov 2026, 10:30 in India
TEN_THIRTY_IST = datetime.datetime(2026, 11, 26, 10, 30, tzinfo=IST)
NOW = TEN_THIRTY_IST - datetime.timedelta(hours=23, minutes=30)


@pytest.fixture
def doctor(branch_a):
    return StaffFactory(
        staff_type=StaffType.DOCTOR,
        title="Dr.",
        first_name="Meera",
        last_name="Rao",
        hospital=branch_a.hospital,
        branches=[branch_a],
    )


@pytest.fixture
def ramesh(branch_a):
    return make_patient(branch=branch_a, first_name="Ramesh", last_name="Kumar", phone="+91 98450 12345")


def make_appointment(
    *,
    patient,
    branch,
    starts_at,
    doctor=None,
    therapist=None,
    status=AppointmentStatus.CONFIRMED,
    minutes=30,
    **fields,
) -> Appointment:
    local = starts_at.astimezone(branch.zone)
    ends_at = starts_at + datetime.timedelta(minutes=minutes)
    return Appointment.objects.create(
        number=f"APT-{branch.code}-2026-{uuid.uuid4().int % 100000:05d}",
        patient=patient,
        branch=branch,
        doctor=doctor,
        therapist=therapist,
        appointment_date=local.date(),
        start_time=local.time(),
        end_time=ends_at.astimezone(branch.zone).time(),
        starts_at=starts_at,
        ends_at=ends_at,
        status=status,
        **fields,
    )


# --- What the messages say -----------------------------------------------------------------------
def test_the_reminder_follows_the_seed_template_in_english_with_indian_date_and_time(
    branch_a, doctor, ramesh
):
    appointment = make_appointment(patient=ramesh, branch=branch_a, doctor=doctor, starts_at=TEN_THIRTY_IST)

    notification = notification_build(appointment, MessageKind.APPOINTMENT_REMINDER)

    assert notification.language == "en"
    assert notification.template.name == "appointment_reminder"
    assert notification.template.params == (
        "Glow Skin & Aesthetics, Indiranagar",
        "Ramesh",
        "26 Nov 2026",
        "10:30 am",
        "Doctor: Dr. Meera Rao",
    )
    assert notification.body == (
        "━━━━━━━━━━━━━━━━━━━━━━━━━\n"
        "🏥 *Glow Skin & Aesthetics, Indiranagar*\n"
        "\n"
        "Hi Ramesh,\n"
        "\n"
        "Your appointment is tomorrow:\n"
        "📅 Date: 26 Nov 2026\n"
        "⏰ Time: 10:30 am\n"
        "👨‍⚕️ Doctor: Dr. Meera Rao\n"
        "\n"
        "Reply:\n"
        "1️⃣ Confirm\n"
        "2️⃣ Reschedule\n"
        "3️⃣ Cancel\n"
        "━━━━━━━━━━━━━━━━━━━━━━━━━"
    )


def test_a_patient_who_prefers_hindi_gets_the_reminder_in_hindi(branch_a, doctor):
    sunita = make_patient(
        branch=branch_a, first_name="Sunita", phone="+91 98450 54321", preferred_language="hi"
    )
    appointment = make_appointment(
        patient=sunita, branch=branch_a, doctor=doctor, starts_at=TEN_THIRTY_IST + datetime.timedelta(hours=5)
    )

    notification = notification_build(appointment, MessageKind.APPOINTMENT_REMINDER)

    assert notification.language == "hi"
    for line in (
        "नमस्ते Sunita,",
        "आपका अपॉइंटमेंट कल है:",
        "📅 तारीख: 26 नव॰ 2026",
        "⏰ समय: 3:30 pm",
        "👨‍⚕️ डॉक्टर: Dr. Meera Rao",
        "जवाब दें:",
        "1️⃣ पुष्टि करें",
        "3️⃣ रद्द करें",
    ):
        assert line in notification.body.splitlines()
    assert "Your appointment" not in notification.body


def test_times_are_the_branch_s_wall_clock_not_the_server_s(hospital, doctor, ramesh):
    dubai = BranchFactory(hospital=hospital, code="DXB", name="Dubai Mall", time_zone="Asia/Dubai")
    starts_at = datetime.datetime(2026, 11, 26, 10, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=4)))
    appointment = make_appointment(patient=ramesh, branch=dubai, doctor=doctor, starts_at=starts_at)

    params = notification_build(appointment, MessageKind.APPOINTMENT_REMINDER).template.params

    assert params[2:4] == ("26 Nov 2026", "10:30 am")


def test_a_session_without_a_doctor_names_the_therapist(branch_a, ramesh):
    therapist = StaffFactory(
        staff_type=StaffType.THERAPIST, first_name="Kavya", last_name="Nair", hospital=branch_a.hospital
    )
    appointment = make_appointment(
        patient=ramesh, branch=branch_a, therapist=therapist, starts_at=TEN_THIRTY_IST
    )

    notification = notification_build(appointment, MessageKind.BOOKING_CONFIRMATION)

    assert "👨‍⚕️ Therapist: Kavya Nair" in notification.body
    assert f"🔖 Number: {appointment.number}" in notification.body


@pytest.mark.parametrize("kind", list(TEMPLATE_PARAMS))
@pytest.mark.parametrize("language", ["en", "hi"])
def test_the_registered_template_text_and_its_parameters_give_exactly_the_body(
    kind, language, branch_a, doctor, ramesh
):
    """What Meta renders from the approved template and our parameters is what the console shows."""
    appointment = make_appointment(patient=ramesh, branch=branch_a, doctor=doctor, starts_at=TEN_THIRTY_IST)
    notification = notification_build(appointment, kind, language=language)

    registered = registered_template_text(kind, language)

    positions = [registered.index(f"{{{{{i}}}}}") for i in range(1, len(TEMPLATE_PARAMS[kind]) + 1)]
    assert positions == sorted(positions)
    filled = registered
    for i, value in enumerate(notification.template.params, start=1):
        filled = filled.replace(f"{{{{{i}}}}}", value)
    assert filled == notification.body
    assert "&amp;" not in notification.body


# --- The reminder window -------------------------------------------------------------------------
def test_reminders_are_due_for_confirmed_appointments_23_to_24_hours_ahead(branch_a, doctor):
    def at(hours, **fields):
        patient = make_patient(branch=branch_a)
        return make_appointment(
            patient=patient,
            branch=branch_a,
            doctor=doctor,
            starts_at=NOW + datetime.timedelta(hours=hours),
            **fields,
        )

    due = [at(23), at(23.5), at(24)]
    for not_due in (
        at(22.9),
        at(24.05),
        at(25),
        at(2),
        at(23.5, status=AppointmentStatus.REQUESTED),
        at(23.5, status=AppointmentStatus.CANCELLED),
        at(23.5, reminder_sent=True),
    ):
        assert not_due.pk

    assert set(reminders_due(now=NOW).values_list("pk", flat=True)) == {a.pk for a in due}


def test_each_due_reminder_is_sent_once_and_marked(
    whatsapp_settings, whatsapp_stub, branch_a, doctor, ramesh
):
    appointment = make_appointment(patient=ramesh, branch=branch_a, doctor=doctor, starts_at=TEN_THIRTY_IST)

    assert reminders_send_due(now=NOW) == 1
    assert reminders_send_due(now=NOW + datetime.timedelta(minutes=15)) == 0

    [message] = whatsapp_stub.messages
    assert message["to"] == "919845012345"
    assert message["template"]["name"] == "appointment_reminder"
    assert [p["text"] for p in message["template"]["components"][0]["parameters"]][1:4] == [
        "Ramesh",
        "26 Nov 2026",
        "10:30 am",
    ]
    appointment.refresh_from_db()
    assert appointment.reminder_sent is True and appointment.reminder_sent_at is not None
    log = MessageLog.objects.get(appointment_id=appointment.pk, kind=MessageKind.APPOINTMENT_REMINDER)
    assert (log.status, log.channel, log.attempts, log.language) == (MessageStatus.SENT, "whatsapp", 1, "en")
    assert log.provider_message_id.startswith("wamid.") and log.sent_at is not None
    assert log.patient_id == ramesh.pk


@pytest.mark.django_db(transaction=True)
def test_two_reminder_runs_at_the_same_time_send_each_reminder_once(
    whatsapp_settings, whatsapp_stub, branch_a, doctor
):
    appointments = [
        make_appointment(
            patient=make_patient(branch=branch_a),
            branch=branch_a,
            doctor=doctor,
            starts_at=NOW + datetime.timedelta(hours=23, minutes=2 * i),
        )
        for i in range(24)
    ]
    whatsapp_stub.delay_seconds = 0.02  # keep both runs busy at once
    start = threading.Barrier(2)
    counts, errors = [], []

    def run():
        try:
            start.wait(timeout=10)
            counts.append(reminders_send_due(now=NOW, batch_size=3))
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(counts) == len(appointments) == 24
    expected = sorted(a.patient.phone.lstrip("+") for a in appointments)
    assert sorted(whatsapp_stub.recipients()) == expected  # 24 messages, one per patient
    assert len(whatsapp_stub.requests) == 24
    assert Appointment.objects.filter(reminder_sent=True, reminder_sent_at__isnull=False).count() == 24
    logs = MessageLog.objects.filter(kind=MessageKind.APPOINTMENT_REMINDER)
    assert set(logs.values_list("status", "attempts")) == {(MessageStatus.SENT, 1)}
    assert logs.count() == 24


# --- When the provider fails ---------------------------------------------------------------------
def test_a_passing_failure_releases_the_reminder_for_the_next_run(
    whatsapp_settings, whatsapp_stub, branch_a, doctor, ramesh
):
    appointment = make_appointment(patient=ramesh, branch=branch_a, doctor=doctor, starts_at=TEN_THIRTY_IST)
    whatsapp_stub.fail_next(500, times=django_settings.WHATSAPP_MAX_ATTEMPTS)

    assert reminders_send_due(now=NOW) == 0

    appointment.refresh_from_db()
    assert (appointment.reminder_sent, appointment.reminder_sent_at) == (False, None)
    log = MessageLog.objects.get(appointment_id=appointment.pk)
    assert (log.status, log.attempts, log.error_code) == (MessageStatus.RETRY, 1, "131000")

    assert reminders_send_due(now=NOW + datetime.timedelta(minutes=15)) == 1

    appointment.refresh_from_db()
    log.refresh_from_db()
    assert appointment.reminder_sent is True
    assert (log.status, log.attempts, log.error_code) == (MessageStatus.SENT, 2, "")
    assert len(whatsapp_stub.messages) == 1


def test_a_permanent_failure_is_recorded_and_not_tried_again(
    whatsapp_settings, whatsapp_stub, branch_a, doctor, ramesh
):
    appointment = make_appointment(patient=ramesh, branch=branch_a, doctor=doctor, starts_at=TEN_THIRTY_IST)
    whatsapp_stub.fail_next(400, code=131026, message="(#131026) Message Undeliverable")

    assert reminders_send_due(now=NOW) == 0
    assert reminders_send_due(now=NOW + datetime.timedelta(minutes=15)) == 0

    assert len(whatsapp_stub.requests) == 1
    appointment.refresh_from_db()
    assert (appointment.reminder_sent, appointment.reminder_sent_at) == (False, None)  # it was not sent
    log = MessageLog.objects.get(appointment_id=appointment.pk)
    assert (log.status, log.error_code, log.sent_at) == (MessageStatus.FAILED, "131026", None)


def test_an_unknown_outcome_is_never_sent_a_second_time(
    whatsapp_settings, whatsapp_stub, branch_a, doctor, ramesh
):
    whatsapp_settings.WHATSAPP_TIMEOUT_SECONDS = 0.3
    appointment = make_appointment(patient=ramesh, branch=branch_a, doctor=doctor, starts_at=TEN_THIRTY_IST)
    whatsapp_stub.delay_seconds = 1.0  # Meta takes the message, the reply comes too late

    assert reminders_send_due(now=NOW) == 0
    whatsapp_stub.delay_seconds = 0
    assert reminders_send_due(now=NOW + datetime.timedelta(minutes=15)) == 0

    assert len(whatsapp_stub.messages) == 1
    appointment.refresh_from_db()
    assert appointment.reminder_sent is True
    assert MessageLog.objects.get(appointment_id=appointment.pk).status == MessageStatus.UNKNOWN


def test_after_the_last_attempt_the_reminder_is_given_up(
    whatsapp_settings, whatsapp_stub, branch_a, doctor, ramesh
):
    whatsapp_settings.MESSAGING_MAX_ATTEMPTS = 2
    make_appointment(patient=ramesh, branch=branch_a, doctor=doctor, starts_at=TEN_THIRTY_IST)
    whatsapp_stub.fail_next(503, code=2, times=100)

    for minutes in (0, 15, 30):
        assert reminders_send_due(now=NOW + datetime.timedelta(minutes=minutes)) == 0

    log = MessageLog.objects.get()
    assert (log.status, log.attempts) == (MessageStatus.FAILED, 2)
    assert len(whatsapp_stub.requests) == 2 * django_settings.WHATSAPP_MAX_ATTEMPTS


def test_an_unconfigured_provider_claims_nothing(settings, branch_a, doctor, ramesh):
    settings.MESSAGING_PROVIDER = "whatsapp"
    settings.WHATSAPP_ACCESS_TOKEN = ""
    settings.WHATSAPP_ACCESS_TOKEN_FILE = ""
    appointment = make_appointment(patient=ramesh, branch=branch_a, doctor=doctor, starts_at=TEN_THIRTY_IST)

    with pytest.raises(NotConfigured):
        reminders_send_due(now=NOW)

    appointment.refresh_from_db()
    assert appointment.reminder_sent is False
    assert not MessageLog.objects.exists()


def test_logs_carry_ids_never_names_or_numbers(
    whatsapp_settings, whatsapp_stub, branch_a, doctor, ramesh, caplog
):
    caplog.set_level(logging.DEBUG)
    appointment = make_appointment(patient=ramesh, branch=branch_a, doctor=doctor, starts_at=TEN_THIRTY_IST)
    whatsapp_stub.fail_with_rate_limit()

    reminders_send_due(now=NOW)

    assert str(appointment.pk) in caplog.text
    for secret in ("Ramesh", "Kumar", "9845012345", "98450 12345"):
        assert secret not in caplog.text


# --- Booking confirmation and check-in notice ----------------------------------------------------
def test_the_booking_confirmation_is_sent_once(whatsapp_settings, whatsapp_stub, branch_a, doctor, ramesh):
    appointment = make_appointment(patient=ramesh, branch=branch_a, doctor=doctor, starts_at=TEN_THIRTY_IST)

    first = notify_booking_confirmation(appointment.pk)
    second = notify_booking_confirmation(str(appointment.pk))

    assert first.status == MessageStatus.SENT and second is None
    [message] = whatsapp_stub.messages
    assert message["template"]["name"] == "appointment_confirmation"
    assert [p["text"] for p in message["template"]["components"][0]["parameters"]] == [
        "Glow Skin & Aesthetics, Indiranagar",
        "Ramesh",
        appointment.number,
        "26 Nov 2026",
        "10:30 am",
        "Doctor: Dr. Meera Rao",
    ]


def test_a_booking_awaiting_approval_gets_no_confirmation_yet(
    whatsapp_settings, whatsapp_stub, branch_a, doctor, ramesh
):
    appointment = make_appointment(
        patient=ramesh,
        branch=branch_a,
        doctor=doctor,
        starts_at=TEN_THIRTY_IST,
        status=AppointmentStatus.REQUESTED,
    )

    assert notify_booking_confirmation(appointment.pk) is None
    assert whatsapp_stub.requests == [] and not MessageLog.objects.exists()


def test_a_deferred_confirmation_is_sent_by_the_retry(
    whatsapp_settings, whatsapp_stub, branch_a, doctor, ramesh
):
    appointment = make_appointment(patient=ramesh, branch=branch_a, doctor=doctor, starts_at=TEN_THIRTY_IST)
    whatsapp_stub.fail_with_rate_limit(times=django_settings.WHATSAPP_MAX_ATTEMPTS)

    with pytest.raises(MessageDeferred):
        notify_booking_confirmation(appointment.pk)
    log = notify_booking_confirmation(appointment.pk)

    assert (log.status, log.attempts) == (MessageStatus.SENT, 2)
    assert len(whatsapp_stub.messages) == 1


def test_the_check_in_notice_goes_to_a_checked_in_patient_only(
    whatsapp_settings, whatsapp_stub, branch_a, doctor, ramesh
):
    waiting = make_appointment(
        patient=ramesh,
        branch=branch_a,
        doctor=doctor,
        starts_at=TEN_THIRTY_IST,
        status=AppointmentStatus.CHECKED_IN,
    )
    seen = make_appointment(
        patient=ramesh,
        branch=branch_a,
        doctor=doctor,
        starts_at=TEN_THIRTY_IST,
        status=AppointmentStatus.IN_PROGRESS,
    )

    assert notify_checked_in(waiting.pk).status == MessageStatus.SENT
    assert notify_checked_in(seen.pk) is None

    [message] = whatsapp_stub.messages
    assert message["template"]["name"] == "appointment_checked_in"
    assert [p["text"] for p in message["template"]["components"][0]["parameters"]] == [
        "Glow Skin & Aesthetics, Indiranagar",
        "Ramesh",
        "10:30 am",
        "Doctor: Dr. Meera Rao",
    ]


def test_an_erased_patient_gets_nothing_and_the_log_says_why(
    whatsapp_settings, whatsapp_stub, branch_a, doctor, ramesh
):
    from clinic.services.patients import patient_crypto_shred

    appointment = make_appointment(patient=ramesh, branch=branch_a, doctor=doctor, starts_at=TEN_THIRTY_IST)
    patient_crypto_shred(acting_user=None, patient=ramesh)

    log = notify_booking_confirmation(appointment.pk)

    assert (log.status, log.error_code) == (MessageStatus.FAILED, "no_phone")
    assert whatsapp_stub.requests == []


def test_the_console_provider_shows_the_message_with_a_masked_number(
    settings, branch_a, doctor, ramesh, capsys
):
    settings.MESSAGING_PROVIDER = "console"
    appointment = make_appointment(patient=ramesh, branch=branch_a, doctor=doctor, starts_at=TEN_THIRTY_IST)

    log = notify_booking_confirmation(appointment.pk)

    out = capsys.readouterr().out
    assert (log.status, log.channel) == (MessageStatus.SENT, "console")
    assert "+91 98xxx xx345" in out and "Your appointment is confirmed:" in out
    assert "9845012345" not in out


# --- Tasks, listeners, schedule ------------------------------------------------------------------
def test_listeners_enqueue_tasks_with_the_appointment_id_only(monkeypatch):
    queued = []
    monkeypatch.setattr(
        tasks.booking_confirmation_send_task, "delay", lambda *a: queued.append(("confirm", a))
    )
    monkeypatch.setattr(
        tasks.checked_in_notice_send_task, "delay", lambda *a: queued.append(("checked_in", a))
    )
    appointment_id = uuid.uuid4()

    events.emit(events.BOOKED, appointment_id)
    events.emit(events.CONFIRMED, appointment_id)
    events.emit(events.CHECKED_IN, appointment_id)

    assert queued == [("confirm", (str(appointment_id),)), ("checked_in", (str(appointment_id),))]


def test_approving_a_booking_queues_its_confirmation_after_commit(
    monkeypatch, branch_a, doctor, ramesh, django_capture_on_commit_callbacks
):
    from appointments.services.workflow import appointment_approve

    queued = []
    monkeypatch.setattr(tasks.booking_confirmation_send_task, "delay", queued.append)
    appointment = make_appointment(
        patient=ramesh,
        branch=branch_a,
        doctor=doctor,
        starts_at=TEN_THIRTY_IST,
        status=AppointmentStatus.REQUESTED,
    )

    with django_capture_on_commit_callbacks(execute=True):
        appointment_approve(acting_user=None, appointment=appointment)
        assert queued == []  # nothing before the commit

    assert queued == [str(appointment.pk)]


def test_the_tasks_call_the_services(whatsapp_settings, whatsapp_stub, branch_a, doctor, ramesh):
    appointment = make_appointment(patient=ramesh, branch=branch_a, doctor=doctor, starts_at=TEN_THIRTY_IST)

    assert tasks.booking_confirmation_send_task.apply(args=[str(appointment.pk)]).get() == "sent"
    assert tasks.booking_confirmation_send_task.apply(args=[str(appointment.pk)]).get() == "skipped"
    assert tasks.checked_in_notice_send_task.apply(args=[str(appointment.pk)]).get() == "skipped"
    assert len(whatsapp_stub.messages) == 1


def test_reminders_run_every_15_minutes_from_beat():
    from config.celery import app

    entry = django_settings.CELERY_BEAT_SCHEDULE["appointment-reminders"]
    assert entry["task"] == tasks.reminders_send_due_task.name
    assert entry["task"] in app.tasks
    assert entry["schedule"].minute == {0, 15, 30, 45}


@needs_redis
def test_a_real_worker_sends_a_confirmation(celery_worker_queue, branch_a, doctor, ramesh):
    appointment = make_appointment(patient=ramesh, branch=branch_a, doctor=doctor, starts_at=TEN_THIRTY_IST)

    result = tasks.booking_confirmation_send_task.apply_async(
        args=[str(appointment.pk)], queue=celery_worker_queue
    )

    assert result.get(timeout=60) == "sent"
    log = MessageLog.objects.get(appointment_id=appointment.pk)
    assert (log.status, log.kind) == (MessageStatus.SENT, MessageKind.BOOKING_CONFIRMATION)


def test_one_broken_reminder_does_not_stop_the_others(
    whatsapp_settings, whatsapp_stub, branch_a, doctor, monkeypatch
):
    from appointments import notifications

    broken, fine = (
        make_appointment(
            patient=make_patient(branch=branch_a),
            branch=branch_a,
            doctor=doctor,
            starts_at=TEN_THIRTY_IST + datetime.timedelta(minutes=m),
        )
        for m in (0, 15)
    )
    real_build = notifications.notification_build

    def build(appointment, kind, **kwargs):
        if appointment.pk == broken.pk:
            raise RuntimeError("a template bug")
        return real_build(appointment, kind, **kwargs)

    monkeypatch.setattr(notifications, "notification_build", build)

    assert reminders_send_due(now=NOW) == 1

    broken.refresh_from_db()
    fine.refresh_from_db()
    assert (broken.reminder_sent, fine.reminder_sent) == (False, True)  # the broken one is tried again later
    assert len(whatsapp_stub.messages) == 1
