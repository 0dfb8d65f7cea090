"""The consultation workflow (seed 6.3): start from a checked-in appointment, vitals, examination,
prescription, completion (appointment completed, in-house medicines billed, follow-up prompt),
walk-ins and follow-ups through the appointments services, and every refusal with nothing changed."""

import datetime

import pytest

from appointments.models import Appointment, AppointmentSlot, AppointmentStatus, DoctorSchedule
from appointments.services import slot_generate
from clinic.api_errors import Conflict
from clinic.models import InvoiceLine, StockBatch
from clinic.selectors.stock import branch_today
from consultations.models import Consultation, ConsultationStatus, PrescriptionStatus
from consultations.services.common import NotYourConsultation
from consultations.services.follow_up import consultation_schedule_follow_up
from consultations.services.notes import note_accept_ai_draft, note_save_sections, note_verify
from consultations.services.prescriptions import (
    prescription_finalize,
    prescription_get_or_create_draft,
    prescription_item_add,
    prescription_update,
)
from consultations.services.vitals import vitals_record
from consultations.services.workflow import (
    consultation_start,
    consultation_start_walk_in,
    consultation_transition,
)
from tests.consultations.conftest import add_batch, checked_in_appointment, item_data, staff

S = ConsultationStatus


def status_of(consultation) -> str:
    return Consultation.objects.get(pk=consultation.pk).status


def history_reasons(consultation) -> list[str]:
    return list(consultation.history.order_by("history_date").values_list("history_change_reason", flat=True))


# --- Start ---------------------------------------------------------------------------------------------


def test_starting_moves_the_checked_in_appointment_to_in_progress(appointment_a, doctor_a, branch_a):
    consultation = consultation_start(acting_user=doctor_a, appointment=appointment_a)

    appointment_a.refresh_from_db()
    assert appointment_a.status == AppointmentStatus.IN_PROGRESS
    assert consultation.status == S.STARTED
    assert consultation.number.startswith(f"CON-{branch_a.code}-{branch_today(branch_a).year}-")
    assert (consultation.patient_id, consultation.doctor, consultation.branch) == (
        appointment_a.patient_id,
        staff(doctor_a),
        branch_a,
    )
    assert history_reasons(consultation) == ["started"]
    assert consultation.history.first().history_user == doctor_a


def test_starting_twice_returns_the_same_consultation(appointment_a, doctor_a):
    first = consultation_start(acting_user=doctor_a, appointment=appointment_a)
    again = consultation_start(acting_user=doctor_a, appointment=appointment_a)
    assert again.pk == first.pk
    assert Consultation.objects.count() == 1


def test_another_doctors_appointment_cannot_be_started(appointment_a, doctor_a2):
    with pytest.raises(NotYourConsultation, match="only that doctor can start"):
        consultation_start(acting_user=doctor_a2, appointment=appointment_a)
    appointment_a.refresh_from_db()
    assert appointment_a.status == AppointmentStatus.CHECKED_IN
    assert not Consultation.objects.exists()


def test_an_appointment_not_checked_in_cannot_be_started(patient_a, doctor_a, branch_a):
    appointment = checked_in_appointment(
        patient=patient_a, doctor_user=doctor_a, branch=branch_a, status=AppointmentStatus.CONFIRMED
    )
    with pytest.raises(Conflict, match="check the patient in first"):
        consultation_start(acting_user=doctor_a, appointment=appointment)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert not Consultation.objects.exists()


# --- Transitions ------------------------------------------------------------------------------------------


def test_the_whole_visit_from_start_to_completion(consultation_a, doctor_a, branch_a, medicines):
    isotretinoin, cetirizine = medicines["isotretinoin"], medicines["cetirizine"]
    batch = add_batch(cetirizine, branch_a, quantity=30, expires_in_days=200, mrp="5.00")

    vitals_record(
        acting_user=doctor_a, consultation=consultation_a, data={"pulse_rate": 76, "weight_kg": "60"}
    )
    assert status_of(consultation_a) == S.VITALS_CAPTURED  # the first vitals move it on

    consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=S.IN_EXAMINATION)
    note_save_sections(
        acting_user=doctor_a, consultation=consultation_a, sections={"assessment": "Acne vulgaris, grade 3"}
    )
    draft = prescription_get_or_create_draft(acting_user=doctor_a, consultation=consultation_a)
    prescription_item_add(
        acting_user=doctor_a, prescription=draft, data=item_data(isotretinoin, dosage="1 capsule")
    )
    prescription_item_add(
        acting_user=doctor_a,
        prescription=draft,
        data=item_data(cetirizine, frequency="HS", duration_value=10, is_in_house=True),
    )
    follow_up = branch_today(branch_a) + datetime.timedelta(days=28)
    prescription_update(acting_user=doctor_a, prescription=draft, data={"follow_up_date": follow_up})
    prescription_finalize(acting_user=doctor_a, prescription=draft)
    consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=S.PRESCRIPTION_DONE)

    result = consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=S.COMPLETED)

    consultation = Consultation.objects.get(pk=consultation_a.pk)
    assert consultation.status == S.COMPLETED and consultation.completed_at is not None
    assert consultation.duration_minutes is not None
    assert consultation.appointment.status == AppointmentStatus.COMPLETED
    assert consultation.note.verified_by == doctor_a  # the doctor's own note is verified on completion
    assert result.follow_up_prompt == {
        "needed": True,
        "suggested_date": follow_up,
        "message": f"Book the follow-up for {follow_up:%d %b %Y}?",
    }
    # Only the in-house item was dispensed and billed, at MRP, on the visit's invoice.
    assert consultation.invoice_id == result.invoice_id
    lines = list(InvoiceLine.objects.filter(invoice_id=result.invoice_id))
    assert [(line.medicine_id, line.quantity, line.line_total) for line in lines] == [(cetirizine.pk, 10, 50)]
    assert StockBatch.objects.get(pk=batch.pk).quantity_available == 20
    assert [r for r in history_reasons(consultation) if "→" in r] == [
        "started → vitals_captured",
        "vitals_captured → in_examination",
        "in_examination → prescription_done",
        "prescription_done → completed",
    ]


@pytest.mark.parametrize(
    ("path", "target", "message"),
    [
        (
            [],
            S.COMPLETED,
            "is started; it cannot move to 'completed'. Next: record vitals or start the examination.",
        ),
        ([], S.PRESCRIPTION_DONE, "cannot move to 'prescription done'"),
        ([S.IN_EXAMINATION], S.VITALS_CAPTURED, "cannot move to 'vitals captured'"),
        ([S.IN_EXAMINATION], S.CANCELLED, "cannot move to 'cancelled'"),
        ([S.IN_EXAMINATION, S.PRESCRIPTION_DONE, S.COMPLETED], S.IN_EXAMINATION, "is completed"),
    ],
)
def test_moves_off_the_diagram_are_refused_with_a_message(consultation_a, doctor_a, path, target, message):
    for step in path:
        consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=step)
    before = (status_of(consultation_a), consultation_a.history.count())
    with pytest.raises(Conflict, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=target)
    assert (status_of(consultation_a), consultation_a.history.count()) == before


def test_vitals_captured_needs_vitals(consultation_a, doctor_a):
    with pytest.raises(Conflict, match="Record at least one vital sign"):
        consultation_transition(
            acting_user=doctor_a, consultation=consultation_a, to_status=S.VITALS_CAPTURED
        )
    assert status_of(consultation_a) == S.STARTED


def test_prescription_done_needs_the_draft_finalized(consultation_a, doctor_a, medicines):
    consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=S.IN_EXAMINATION)
    draft = prescription_get_or_create_draft(acting_user=doctor_a, consultation=consultation_a)
    prescription_item_add(acting_user=doctor_a, prescription=draft, data=item_data(medicines["cetirizine"]))
    with pytest.raises(Conflict, match="is still a draft; finalize it"):
        consultation_transition(
            acting_user=doctor_a, consultation=consultation_a, to_status=S.PRESCRIPTION_DONE
        )
    assert status_of(consultation_a) == S.IN_EXAMINATION


def test_completion_needs_an_ai_drafted_note_verified(consultation_a, doctor_a):
    for step in (S.IN_EXAMINATION, S.PRESCRIPTION_DONE):
        consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=step)
    draft = {
        "sections": {"assessment": [{"text": "Acne.", "evidence": [{"utterance_id": "u1", "quote": "acne"}]}]}
    }
    note_accept_ai_draft(acting_user=doctor_a, consultation=consultation_a, draft=draft)

    with pytest.raises(Conflict, match="AI draft and have not been verified"):
        consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=S.COMPLETED)
    assert status_of(consultation_a) == S.PRESCRIPTION_DONE
    assert consultation_a.appointment.status == AppointmentStatus.IN_PROGRESS

    note_verify(acting_user=doctor_a, consultation=consultation_a)
    consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=S.COMPLETED)
    assert status_of(consultation_a) == S.COMPLETED


def test_a_consultation_started_by_mistake_is_cancelled_with_a_reason_and_can_start_again(
    consultation_a, doctor_a, appointment_a
):
    with pytest.raises(Conflict, match="Say why"):
        consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=S.CANCELLED)
    consultation_transition(
        acting_user=doctor_a,
        consultation=consultation_a,
        to_status=S.CANCELLED,
        reason="Wrong patient tapped",
    )
    assert Consultation.objects.get(pk=consultation_a.pk).cancellation_reason == "Wrong patient tapped"

    again = consultation_start(acting_user=doctor_a, appointment=appointment_a)
    assert again.pk != consultation_a.pk and again.status == S.STARTED


def test_a_repeated_transition_changes_nothing(consultation_a, doctor_a):
    consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=S.IN_EXAMINATION)
    count = consultation_a.history.count()
    consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=S.IN_EXAMINATION)
    assert consultation_a.history.count() == count


def test_completion_refused_for_short_stock_changes_nothing(consultation_a, doctor_a, branch_a, medicines):
    cetirizine = medicines["cetirizine"]
    add_batch(cetirizine, branch_a, quantity=3, expires_in_days=100)
    consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=S.IN_EXAMINATION)
    draft = prescription_get_or_create_draft(acting_user=doctor_a, consultation=consultation_a)
    prescription_item_add(
        acting_user=doctor_a, prescription=draft, data=item_data(cetirizine, is_in_house=True)
    )
    prescription_finalize(acting_user=doctor_a, prescription=draft)
    consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=S.PRESCRIPTION_DONE)

    with pytest.raises(Conflict, match="Only 3 tablets of Cetirizine 10 mg tablet in stock"):
        consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=S.COMPLETED)

    consultation = Consultation.objects.get(pk=consultation_a.pk)
    assert consultation.status == S.PRESCRIPTION_DONE and consultation.invoice_id is None
    assert consultation.appointment.status == AppointmentStatus.IN_PROGRESS
    assert not InvoiceLine.objects.exists()
    assert draft.items.get().dispensed_at is None
    assert StockBatch.objects.get(medicine=cetirizine).quantity_available == 3


# --- Walk-ins and follow-ups, through the appointments services --------------------------------------------


@pytest.fixture
def schedule_day(branch_a, doctor_a):
    """Dr. Rao works 10:00-14:00 on a weekday three weeks ahead; slots generated."""
    branch_a.refresh_from_db()  # opening hours as the database holds them (times, not the default strings)
    today = branch_today(branch_a)
    day = today + datetime.timedelta(days=21)
    while day.weekday() not in branch_a.working_days:
        day += datetime.timedelta(days=1)
    DoctorSchedule.objects.create(
        staff=staff(doctor_a),
        branch=branch_a,
        day_of_week=day.weekday(),
        start_time=datetime.time(10),
        end_time=datetime.time(14),
        slot_duration_minutes=30,
    )
    slot_generate(branch=branch_a, weeks=1, today=day)
    return day


def at(branch, day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=branch.zone)


def test_a_walk_in_creates_its_checked_in_appointment_and_starts(doctor_a, patient_a, branch_a, schedule_day):
    consultation = consultation_start_walk_in(
        acting_user=doctor_a,
        patient=patient_a,
        branch=branch_a,
        chief_complaint="Itchy rash",
        now=at(branch_a, schedule_day, 10, 5),
    )
    appointment = consultation.appointment
    assert appointment.booking_source == "walk_in"
    assert appointment.status == AppointmentStatus.IN_PROGRESS
    assert appointment.doctor == staff(doctor_a) and appointment.patient == patient_a
    assert appointment.start_time == datetime.time(10, 0)
    assert consultation.status == S.STARTED


def test_a_walk_in_is_for_doctors_of_the_branch(front_desk_a, patient_a, branch_a):
    with pytest.raises(NotYourConsultation, match="Only a doctor working at"):
        consultation_start_walk_in(acting_user=front_desk_a, patient=patient_a, branch=branch_a)
    assert not Appointment.objects.exists()


def test_the_follow_up_is_booked_through_the_appointments_services(
    consultation_a, doctor_a, branch_a, schedule_day
):
    start = at(branch_a, schedule_day, 11)
    appointment = consultation_schedule_follow_up(
        acting_user=doctor_a, consultation=consultation_a, start=start
    )

    assert appointment.parent_appointment == consultation_a.appointment and appointment.is_follow_up
    assert (appointment.patient_id, appointment.doctor_id, appointment.starts_at) == (
        consultation_a.patient_id,
        consultation_a.doctor_id,
        start,
    )
    assert Consultation.objects.get(pk=consultation_a.pk).follow_up_appointment == appointment
    assert AppointmentSlot.objects.get(staff=staff(doctor_a), starts_at=start).current_bookings == 1

    again = consultation_schedule_follow_up(acting_user=doctor_a, consultation=consultation_a, start=start)
    assert again.pk == appointment.pk
    with pytest.raises(Conflict, match="already booked"):
        consultation_schedule_follow_up(
            acting_user=doctor_a, consultation=consultation_a, start=at(branch_a, schedule_day, 11, 30)
        )
    assert Appointment.objects.filter(is_follow_up=True).count() == 1


def test_a_finalized_prescription_leaves_the_visit_completable_without_medicines(consultation_a, doctor_a):
    for step in (S.IN_EXAMINATION, S.PRESCRIPTION_DONE):
        consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=step)
    result = consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=S.COMPLETED)
    assert result.invoice_id is None and result.follow_up_prompt["needed"] is True
    assert not consultation_a.prescriptions.filter(status=PrescriptionStatus.FINALIZED).exists()
