"""The doctor's tablet pages: today's queue (who may see it, what it shows, starting a visit) and
the visit page (the sticky patient bar with allergies, the sections, the voice console's slot,
the state the scripts start from, read-only for the care team). Both pages cost the same number of
queries whatever the size of the data behind them."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appointments.models import AppointmentStatus, DoctorSchedule
from appointments.services import slot_generate
from clinic.models import AccessLog
from clinic.selectors.access_log import access_log_verify
from clinic.selectors.stock import branch_today
from consultations.models import NOTE_SECTIONS, Consultation, ConsultationStatus
from consultations.services.diagnoses import diagnosis_add
from consultations.services.follow_up import consultation_schedule_follow_up
from consultations.services.notes import note_save_sections, note_verify
from consultations.services.prescriptions import (
    prescription_amend,
    prescription_finalize,
    prescription_get_or_create_draft,
    prescription_item_add,
)
from consultations.services.vitals import vitals_record
from consultations.services.workflow import consultation_start, consultation_transition
from consultations.views import NOTE_GROUPS
from emr.services import allergy_record
from tests.consultations.conftest import checked_in_appointment, item_data, staff
from tests.factories import make_patient

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
# What opening a visit costs (session and user included), whatever the size of the visit and history.
VISIT_PAGE_QUERIES = 3


def client_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def visit_url(consultation) -> str:
    return f"/doctor/visit/{consultation.pk}/"


def page_state(response) -> dict:
    match = re.search(
        r'<script id="visit-state" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    return json.loads(match.group(1))


def count_queries(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.content[:500]
    return len(queries)


# --- Who may open the pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/doctor/", "/doctor/visit/00000000-0000-0000-0000-000000000001/"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_an_htmx_refresh_after_the_session_ended_sends_the_whole_page_to_sign_in(client):
    response = client.get("/doctor/", **HTMX)
    assert response["HX-Redirect"] == "/login/"


def test_the_queue_is_a_doctors_page(front_desk_a, nurse_a):
    for user in (front_desk_a, nurse_a):
        assert client_as(user).get("/doctor/").status_code == 403


def test_doctors_find_my_patients_first_in_the_navigation(doctor_a, front_desk_a):
    page = client_as(doctor_a).get("/doctor/").content.decode()
    nav = page[page.index('aria-label="Main"') :]
    assert nav.index("My patients") < nav.index("Patients</a>")
    assert 'href="/doctor/" aria-current="page"' in page
    assert "My patients" not in client_as(front_desk_a).get("/patients/").content.decode()
    assert client_as(doctor_a).get("/")["Location"] == "/doctor/"


def test_the_pages_are_never_cached(doctor_a, consultation_a):
    client = client_as(doctor_a)
    for url in ("/doctor/", visit_url(consultation_a)):
        assert "no-store" in client.get(url)["Cache-Control"]


# --- Today's queue ---------------------------------------------------------------------------------


@pytest.fixture
def day_of_patients(doctor_a, doctor_a2, branch_a, appointment_a, patient_a):
    """Ramesh checked in (appointment_a); Asha being seen; Vikram seen; one of Dr. Kiran's patients."""
    asha = make_patient(branch=branch_a, first_name="Asha", last_name="Verma", sex="F")
    vikram = make_patient(branch=branch_a, first_name="Vikram", last_name="Singh", sex="M")
    with_doctor = consultation_start(
        acting_user=doctor_a,
        appointment=checked_in_appointment(patient=asha, doctor_user=doctor_a, branch=branch_a),
    )
    seen = consultation_start(
        acting_user=doctor_a,
        appointment=checked_in_appointment(patient=vikram, doctor_user=doctor_a, branch=branch_a),
    )
    for status in (
        ConsultationStatus.IN_EXAMINATION,
        ConsultationStatus.PRESCRIPTION_DONE,
        ConsultationStatus.COMPLETED,
    ):
        consultation_transition(acting_user=doctor_a, consultation=seen, to_status=status)
    other = make_patient(branch=branch_a, first_name="Other", last_name="Patient")
    checked_in_appointment(patient=other, doctor_user=doctor_a2, branch=branch_a)
    return {"waiting": appointment_a, "with_doctor": with_doctor, "seen": seen}


def test_the_queue_shows_who_is_with_the_doctor_who_waits_and_who_was_seen(doctor_a, day_of_patients):
    page = client_as(doctor_a).get("/doctor/").content.decode()
    with_you = page.index("With you now")
    waiting = page.index('id="q-waiting"')
    seen = page.index("Seen today")
    assert (
        with_you < page.index("Asha Verma", with_you) < waiting < page.index("Ramesh Kumar", waiting) < seen
    )
    assert page.index("Vikram Singh", seen) > seen
    assert "Other Patient" not in page  # Dr. Kiran's
    assert "Take next patient" in page and f'action="/doctor/start/{day_of_patients["waiting"].pk}/"' in page
    assert f'href="/doctor/visit/{day_of_patients["with_doctor"].pk}/"' in page
    assert "Pimples on face for 3 months" in page and "Waiting 0 min" in page


def test_an_empty_queue_says_so_and_refreshes_itself(doctor_a, branch_a):
    page = client_as(doctor_a).get("/doctor/").content.decode()
    assert "No one is waiting" in page and "Take next patient" not in page
    assert 'hx-trigger="every 20s' in page


def test_the_htmx_refresh_returns_the_list_only(doctor_a, appointment_a):
    page = client_as(doctor_a).get("/doctor/", **HTMX).content.decode()
    assert page.lstrip().startswith('<div id="doctor-queue"')
    assert "Ramesh Kumar" in page and "<html" not in page


def test_tapping_a_waiting_patient_starts_the_visit_and_a_second_tap_reopens_it(doctor_a, appointment_a):
    client = client_as(doctor_a)
    response = client.post(f"/doctor/start/{appointment_a.pk}/")
    consultation = Consultation.objects.get()
    assert response["Location"] == visit_url(consultation)
    appointment_a.refresh_from_db()
    assert (
        appointment_a.status == AppointmentStatus.IN_PROGRESS
        and consultation.status == ConsultationStatus.STARTED
    )
    assert client.post(f"/doctor/start/{appointment_a.pk}/")["Location"] == visit_url(consultation)
    assert Consultation.objects.count() == 1


def test_starting_is_a_post(doctor_a, appointment_a):
    assert client_as(doctor_a).get(f"/doctor/start/{appointment_a.pk}/").status_code == 405
    assert not Consultation.objects.exists()


def test_another_doctors_patient_cannot_be_started_from_the_tablet(doctor_a2, appointment_a):
    assert client_as(doctor_a2).post(f"/doctor/start/{appointment_a.pk}/").status_code == 404
    appointment_a.refresh_from_db()
    assert appointment_a.status == AppointmentStatus.CHECKED_IN and not Consultation.objects.exists()


def test_a_refused_start_is_explained_on_the_queue(doctor_a, patient_a, branch_a):
    booked = checked_in_appointment(
        patient=patient_a, doctor_user=doctor_a, branch=branch_a, status=AppointmentStatus.CONFIRMED
    )
    client = client_as(doctor_a)
    response = client.post(f"/doctor/start/{booked.pk}/", follow=True)
    assert "check the patient in first" in response.content.decode()
    assert not Consultation.objects.exists()


def test_the_queue_costs_the_same_number_of_queries_for_3_and_15_patients(doctor_a, branch_a):
    client = client_as(doctor_a)

    def add_patients(n):
        for i in range(n):
            patient = make_patient(branch=branch_a, first_name=f"Patient{i}", last_name="Test")
            appointment = checked_in_appointment(patient=patient, doctor_user=doctor_a, branch=branch_a)
            if i % 3 == 0:
                consultation_start(acting_user=doctor_a, appointment=appointment)

    add_patients(3)
    client.get("/doctor/")  # the top bar's workplace is cached per user (clinic.context_processors)
    small = count_queries(client, "/doctor/")
    add_patients(12)
    page = client.get("/doctor/").content.decode()
    assert page.count('<span class="dq-card__name">') == 15
    assert count_queries(client, "/doctor/") == small


# --- The visit page --------------------------------------------------------------------------------


def test_the_visit_page_shows_who_the_patient_is_with_allergies_in_red(doctor_a, consultation_a, patient_a):
    allergy_record(
        acting_user=doctor_a,
        patient=patient_a,
        allergen_type="drug",
        allergen_name="Penicillin",
        reaction="urticaria",
        severity="severe",
    )
    page = client_as(doctor_a).get(visit_url(consultation_a)).content.decode()
    bar = page[page.index('id="visit-bar"') : page.index('id="visit-nav"')]
    assert "Ramesh Kumar" in bar and patient_a.mrn in bar
    assert 'class="allergy-chip"' in bar and "Penicillin (urticaria)" in bar and ", severe" in bar
    assert "Started" in bar and 'id="saved-mark"' in bar and 'href="#voice"' in bar
    assert (
        "<title>Visit CON-" in page and "Ramesh" not in page[page.index("<title>") : page.index("</title>")]
    )


def test_the_visit_page_has_every_section_and_the_voice_console_slot(doctor_a, consultation_a, icd_skin):
    page = client_as(doctor_a).get(visit_url(consultation_a)).content.decode()
    for section in ("vitals", "notes", "diagnoses", "prescription", "orders", "complete"):
        assert (
            f'<section class="vsection" id="{section}"' in page or f'id="{section}" aria-labelledby' in page
        )
    assert 'id="voice"' in page and "data-voice-console" in page and "Record the visit" in page
    for name in NOTE_SECTIONS:
        assert f'data-note-section="{name}"' in page
    for frequency in ("1-0-1", "OD", "BD", "TDS", "QID", "HS", "SOS"):
        assert f'data-frequency="{frequency}"' in page
    for days in (3, 5, 7, 10, 14, 30):
        assert f'data-duration="{days}"' in page
    assert "Dermatology \u2013 new patient" in page and "First visit: no earlier completed visit" in page
    assert "No allergies recorded" in page


def test_every_note_section_has_a_box():
    assert sorted(name for _, _, fields in NOTE_GROUPS for name, _ in fields) == sorted(NOTE_SECTIONS)


def test_the_page_state_carries_what_the_scripts_need(doctor_a, consultation_a, icd_skin, branch_a):
    vitals_record(acting_user=doctor_a, consultation=consultation_a, data={"pulse_rate": 88})
    state = page_state(client_as(doctor_a).get(visit_url(consultation_a)))
    assert state["consultation"]["id"] == str(consultation_a.pk) and state["can_edit"] is True
    assert state["consultation"]["vitals"]["pulse_rate"] == 88
    assert state["urls"]["vitals"] == f"/api/consultations/{consultation_a.pk}/vitals/"
    assert state["vitals"]["limits"]["pulse_rate"] == {
        "low": 20.0,
        "high": 250.0,
        "label": "pulse",
        "unit": "/min",
    }
    assert [c["code"] for c in state["chips"]["common_diagnoses"]][:3] == ["L70.0", "B35.4", "B35.6"]
    assert [c["label"] for c in state["chips"]["follow_up"]] == ["1 week", "2 weeks", "1 month"]
    today = timezone.localdate()
    assert state["chips"]["follow_up"][0]["date"] == (today + datetime.timedelta(days=7)).isoformat()
    assert state["user"] == doctor_a.pk


def test_the_doctors_recent_diagnoses_and_medicines_come_first_once_a_visit_completes(
    doctor_a, doctor_a2, branch_a, patient_a, icd_skin, medicines
):
    """The chips count the doctor's completed visits (DoctorChips, worked out at completion)."""
    earlier = consultation_start(
        acting_user=doctor_a,
        appointment=checked_in_appointment(patient=patient_a, doctor_user=doctor_a, branch=branch_a),
    )
    diagnosis_add(acting_user=doctor_a, consultation=earlier, code=icd_skin.get(code="L40.0"))
    draft = prescription_get_or_create_draft(acting_user=doctor_a, consultation=earlier)
    prescription_item_add(acting_user=doctor_a, prescription=draft, data=item_data(medicines["cetirizine"]))
    state = page_state(client_as(doctor_a).get(visit_url(earlier)))
    assert state["chips"]["recent_diagnoses"] == [] and state["chips"]["recent_medicines"] == []
    assert "L40.0" in [c["code"] for c in state["chips"]["common_diagnoses"]]

    prescription_finalize(acting_user=doctor_a, prescription=draft)
    _complete(doctor_a, earlier)
    state = page_state(client_as(doctor_a).get(visit_url(earlier)))
    assert state["chips"]["recent_diagnoses"] == [{"code": "L40.0", "title": "Psoriasis vulgaris"}]
    # The chips are the reader's: a colleague opening the visit has their own (none yet).
    assert page_state(client_as(doctor_a2).get(visit_url(earlier)))["chips"]["recent_diagnoses"] == []
    assert "L40.0" not in [c["code"] for c in state["chips"]["common_diagnoses"]]
    (recent,) = state["chips"]["recent_medicines"]
    assert recent["generic_name"] == "Cetirizine" and recent["stock"] == 0


def test_opening_the_visit_is_an_access_logged_read(doctor_a, consultation_a):
    """The doctor's read is logged by the statement that reads the visit (decision 0052): with who,
    from where and on which device, chained like every other row."""
    before = AccessLog.objects.filter(record_id=consultation_a.pk).count()
    client_as(doctor_a).get(visit_url(consultation_a), REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Tab\x00let")
    row = AccessLog.objects.filter(record_id=consultation_a.pk).latest("pk")
    assert AccessLog.objects.filter(record_id=consultation_a.pk).count() == before + 1
    assert row.reason == "tablet visit page" and row.patient_id == consultation_a.patient_id
    assert (row.user_id, row.actor, row.access_type) == (doctor_a.pk, doctor_a.username, "view")
    assert (row.ip_address, row.user_agent) == ("10.1.2.3", "Tablet")
    assert access_log_verify().ok


def test_the_care_team_and_nurses_reads_are_logged_and_refused_readers_leave_no_row(
    doctor_a2, nurse_a, doctor_b, front_desk_a, consultation_a
):
    """Readers other than the visit's doctor are logged after the permission check lets them in."""
    for user in (doctor_a2, nurse_a, doctor_b, front_desk_a):
        client_as(user).get(visit_url(consultation_a))
    readers = set(AccessLog.objects.filter(record_id=consultation_a.pk).values_list("user_id", flat=True))
    assert readers == {doctor_a2.pk, nurse_a.pk}
    assert access_log_verify().ok


def test_the_care_team_reads_the_visit_but_cannot_change_it(doctor_a2, consultation_a):
    response = client_as(doctor_a2).get(visit_url(consultation_a))
    state = page_state(response)
    assert state["can_edit"] is False and state["can_record_vitals"] is False
    page = response.content.decode()
    assert 'id="composer"' not in page and "Read only" in page and 'id="complete-actions" hidden' in page


def test_a_nurse_may_record_vitals_only(nurse_a, consultation_a):
    state = page_state(client_as(nurse_a).get(visit_url(consultation_a)))
    assert state["can_edit"] is False and state["can_record_vitals"] is True


def test_another_branch_or_the_front_desk_does_not_find_the_visit(doctor_b, front_desk_a, consultation_a):
    for user in (doctor_b, front_desk_a):
        assert client_as(user).get(visit_url(consultation_a)).status_code == 404


def test_a_completed_visit_offers_the_prescription_pdf(doctor_a, consultation_a, medicines):
    draft = prescription_get_or_create_draft(acting_user=doctor_a, consultation=consultation_a)
    prescription_item_add(
        acting_user=doctor_a, prescription=draft, data=item_data(medicines["doxycycline"], dosage="1 capsule")
    )
    prescription_finalize(acting_user=doctor_a, prescription=draft)
    for status in (
        ConsultationStatus.IN_EXAMINATION,
        ConsultationStatus.PRESCRIPTION_DONE,
        ConsultationStatus.COMPLETED,
    ):
        consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=status)
    response = client_as(doctor_a).get(visit_url(consultation_a))
    page = response.content.decode()
    assert (
        f'href="/api/consultations/prescriptions/{draft.pk}/pdf/"' in page
        and "Download prescription (PDF)" in page
    )
    assert page_state(response)["can_edit"] is False


def _full_visit(doctor, consultation, icd, medicines, *, diagnoses, items):
    vitals_record(
        acting_user=doctor,
        consultation=consultation,
        data={
            "pulse_rate": 80,
            "weight_kg": "70",
            "height_cm": "170",
            "temperature": "98.6",
            "temperature_unit": "F",
        },
    )
    note_save_sections(
        acting_user=doctor, consultation=consultation, sections={"assessment": "Acne", "plan": "Review"}
    )
    for code in ["L70.0", "L21.0", "B35.4", "L20.9", "L80"][:diagnoses]:
        diagnosis_add(acting_user=doctor, consultation=consultation, code=icd.get(code=code))
    draft = prescription_get_or_create_draft(acting_user=doctor, consultation=consultation)
    for name in ["doxycycline", "cetirizine", "tretinoin", "ketoconazole"][:items]:
        prescription_item_add(
            acting_user=doctor, prescription=draft, data=item_data(medicines[name], dosage="1 tablet")
        )
    return draft


def _completed_visits(doctor, patient, branch, icd, medicines, n):
    for _ in range(n):
        visit = consultation_start(
            acting_user=doctor,
            appointment=checked_in_appointment(patient=patient, doctor_user=doctor, branch=branch),
        )
        draft = _full_visit(doctor, visit, icd, medicines, diagnoses=2, items=2)
        prescription_finalize(acting_user=doctor, prescription=draft)
        for status in (
            ConsultationStatus.IN_EXAMINATION,
            ConsultationStatus.PRESCRIPTION_DONE,
            ConsultationStatus.COMPLETED,
        ):
            consultation_transition(acting_user=doctor, consultation=visit, to_status=status)


def test_the_visit_page_costs_the_same_number_of_queries_at_two_sizes(
    doctor_a, branch_a, patient_a, icd_skin, medicines
):
    client = client_as(doctor_a)
    _completed_visits(doctor_a, patient_a, branch_a, icd_skin, medicines, 1)
    small = consultation_start(
        acting_user=doctor_a,
        appointment=checked_in_appointment(patient=patient_a, doctor_user=doctor_a, branch=branch_a),
    )
    _full_visit(doctor_a, small, icd_skin, medicines, diagnoses=1, items=1)
    allergy_record(acting_user=doctor_a, patient=patient_a, allergen_type="food", allergen_name="Peanut")
    client.get(visit_url(small))  # the note templates are kept per process for a minute: warm them
    small_count = count_queries(client, visit_url(small))

    # A patient with a longer history and more allergies, a bigger visit, more visits around it.
    other = make_patient(branch=branch_a, first_name="Meena", last_name="Iyer")
    _completed_visits(doctor_a, other, branch_a, icd_skin, medicines, 4)
    large = consultation_start(
        acting_user=doctor_a,
        appointment=checked_in_appointment(patient=other, doctor_user=doctor_a, branch=branch_a),
    )
    _full_visit(doctor_a, large, icd_skin, medicines, diagnoses=5, items=4)
    for allergen in ("Peanut", "Latex", "Sulfa"):
        allergy_record(acting_user=doctor_a, patient=other, allergen_type="other", allergen_name=allergen)
    response = client.get(visit_url(large))
    state = page_state(response)
    assert len(state["consultation"]["diagnoses"]) == 5
    assert len(state["consultation"]["prescription"]["items"]) == 4
    assert response.content.decode().count('class="allergy-chip"') == 3
    assert count_queries(client, visit_url(large)) == small_count
    # Was 34, 22, then 20 before the visit was read in one statement and the access log chained by
    # the database (decisions 0045, 0051, 0052): session, user, the visit, the log INSERT.
    assert small_count == VISIT_PAGE_QUERIES


# --- Follow-up booking and amending on the visit page ----------------------------------------------


def _complete(doctor, consultation):
    for status in (
        ConsultationStatus.IN_EXAMINATION,
        ConsultationStatus.PRESCRIPTION_DONE,
        ConsultationStatus.COMPLETED,
    ):
        consultation_transition(acting_user=doctor, consultation=consultation, to_status=status)


def test_the_follow_up_section_offers_booking_and_shows_what_is_booked(
    doctor_a, doctor_a2, consultation_a, branch_a
):
    response = client_as(doctor_a).get(visit_url(consultation_a))
    state = page_state(response)
    assert state["can_book_follow_up"] is True and state["follow_up"] is None
    assert state["urls"]["follow_up_slots"] == f"/api/consultations/{consultation_a.pk}/follow-up/slots/"
    assert "Book the follow-up visit" in response.content.decode()
    # The care team reads the visit; booking is the doctor's.
    other = client_as(doctor_a2).get(visit_url(consultation_a))
    assert page_state(other)["can_book_follow_up"] is False
    assert "Book the follow-up visit" not in other.content.decode()


def test_a_booked_follow_up_is_shown_with_its_number_date_and_local_time(doctor_a, consultation_a, branch_a):
    branch_a.refresh_from_db()
    day = branch_today(branch_a) + datetime.timedelta(days=7)
    while day.weekday() not in branch_a.working_days:
        day += datetime.timedelta(days=1)
    DoctorSchedule.objects.create(
        staff=staff(doctor_a),
        branch=branch_a,
        day_of_week=day.weekday(),
        start_time=datetime.time(16),
        end_time=datetime.time(18),
        slot_duration_minutes=30,
    )
    slot_generate(branch=branch_a, weeks=2, today=branch_today(branch_a))
    appointment = consultation_schedule_follow_up(
        acting_user=doctor_a,
        consultation=consultation_a,
        start=datetime.datetime.combine(day, datetime.time(16, 30), tzinfo=branch_a.zone),
    )

    response = client_as(doctor_a).get(visit_url(consultation_a))

    booked = page_state(response)["follow_up"]
    assert (booked["number"], booked["date"], booked["time_text"]) == (
        appointment.number,
        day.isoformat(),
        "4:30 pm",
    )
    page = response.content.decode()
    assert (
        f"Booked: <strong>{appointment.number}</strong>, {day:%a}, {day.day} {day:%b %Y} at 4:30 pm" in page
    )


def test_a_signed_prescription_offers_the_amendment_and_keeps_its_pdf(doctor_a, consultation_a, medicines):
    draft = prescription_get_or_create_draft(acting_user=doctor_a, consultation=consultation_a)
    prescription_item_add(
        acting_user=doctor_a, prescription=draft, data=item_data(medicines["doxycycline"], dosage="1 capsule")
    )
    prescription_finalize(acting_user=doctor_a, prescription=draft)
    _complete(doctor_a, consultation_a)
    client = client_as(doctor_a)

    response = client.get(visit_url(consultation_a))
    state = page_state(response)
    assert state["can_amend"] is True and state["rx_editable"] is False
    page = response.content.decode()
    assert "Amend prescription" in page and 'id="composer"' not in page

    amended = client.post(
        f"/api/consultations/prescriptions/{draft.pk}/amend/",
        {"reason": "Dose changed"},
        content_type="application/json",
    )
    assert amended.status_code == 201, amended.content

    response = client.get(visit_url(consultation_a))
    state = page_state(response)
    page = response.content.decode()
    # The completed visit's prescription builder is open on the new version, the old one downloadable.
    assert state["rx_editable"] is True and state["can_edit"] is False and state["amending"] is True
    assert state["consultation"]["prescription"]["version"] == 2
    assert f"Version 2 — amending {draft.number}" in page
    assert 'id="composer"' in page and "Sign amended prescription" in page
    assert f'href="/api/consultations/prescriptions/{draft.pk}/pdf/"' in page


def test_the_care_team_is_not_offered_the_amendment(doctor_a, doctor_a2, consultation_a, medicines):
    draft = prescription_get_or_create_draft(acting_user=doctor_a, consultation=consultation_a)
    prescription_item_add(
        acting_user=doctor_a, prescription=draft, data=item_data(medicines["doxycycline"], dosage="1 capsule")
    )
    prescription_finalize(acting_user=doctor_a, prescription=draft)
    response = client_as(doctor_a2).get(visit_url(consultation_a))
    assert page_state(response)["can_amend"] is False
    assert "Amend prescription" not in response.content.decode()


def test_the_previous_visit_is_summarised_and_its_read_logged_with_this_one(
    doctor_a, branch_a, patient_a, icd_skin, medicines
):
    earlier = consultation_start(
        acting_user=doctor_a,
        appointment=checked_in_appointment(patient=patient_a, doctor_user=doctor_a, branch=branch_a),
    )
    draft = _full_visit(doctor_a, earlier, icd_skin, medicines, diagnoses=2, items=2)
    follow_up = branch_today(branch_a) + datetime.timedelta(days=21)
    draft.follow_up_date = follow_up
    draft.save(update_fields=["follow_up_date"])
    prescription_finalize(acting_user=doctor_a, prescription=draft)
    _complete(doctor_a, earlier)
    today = consultation_start(
        acting_user=doctor_a,
        appointment=checked_in_appointment(patient=patient_a, doctor_user=doctor_a, branch=branch_a),
    )

    page = client_as(doctor_a).get(visit_url(today)).content.decode()

    summary = page.split('id="prev-h"', 1)[1].split("</section>", 1)[0]
    assert "L70.0 Acne vulgaris" in summary and "L21.0" in summary
    assert "Assessment:</strong> Acne" in summary and "Plan:</strong> Review" in summary
    item = earlier.prescriptions.get().items.order_by("display_order").first()
    how = f"1 tablet, {item.frequency}, {item.duration_value} {item.duration_unit}"
    assert f"{item.medicine_name}: {how}" in summary
    assert f"Follow-up asked for:</strong> {follow_up.day} {follow_up:%b %Y}" in summary
    reads = list(AccessLog.objects.order_by("-id").values_list("record_id", "reason")[:2])
    assert reads == [
        (str(earlier.pk), f"previous visit summary in {today.number}"),
        (str(today.pk), "tablet visit page"),
    ]


def test_the_page_starts_from_the_same_visit_as_the_api_gives(
    doctor_a, branch_a, patient_a, icd_skin, medicines
):
    """What the page's scripts start from must be exactly what the API's detail returns (the
    outbox rebases on it). The page reads the visit in one statement and the API through the ORM
    (decision 0045, "Third round"): every key is compared, for an open visit (vitals in °C, a
    verified note edited since, an allergy warning overridden), a signed one, and a visit whose
    signed prescription is being amended."""
    client = client_as(doctor_a)
    _completed_visits(doctor_a, patient_a, branch_a, icd_skin, medicines, 1)
    signed = Consultation.objects.get(patient=patient_a)
    visit = consultation_start(
        acting_user=doctor_a,
        appointment=checked_in_appointment(patient=patient_a, doctor_user=doctor_a, branch=branch_a),
    )
    draft = _full_visit(doctor_a, visit, icd_skin, medicines, diagnoses=3, items=3)
    vitals_record(
        acting_user=doctor_a, consultation=visit, data={"temperature": "37.2", "temperature_unit": "C"}
    )
    note_verify(acting_user=doctor_a, consultation=visit)
    note_save_sections(acting_user=doctor_a, consultation=visit, sections={"plan": "Review in 2 weeks"})
    allergy = allergy_record(
        acting_user=doctor_a,
        patient=patient_a,
        allergen_type="drug",
        allergen_name="Fluconazole",
        drug_class="azole antifungal",
    )
    prescription_item_add(
        acting_user=doctor_a,
        prescription=draft,
        data=item_data(medicines["ketoconazole"], dosage="apply"),
        overrides={f"allergy:{allergy.pk}": "Tolerated ketoconazole before"},
    )
    amending = consultation_start(
        acting_user=doctor_a,
        appointment=checked_in_appointment(patient=patient_a, doctor_user=doctor_a, branch=branch_a),
    )
    first = _full_visit(doctor_a, amending, icd_skin, medicines, diagnoses=1, items=2)
    prescription_finalize(acting_user=doctor_a, prescription=first)
    prescription_amend(acting_user=doctor_a, prescription=first, reason="Wrong strength")
    for consultation in (visit, signed, amending):
        state = page_state(client.get(visit_url(consultation)))["consultation"]
        api = client.get(f"/api/consultations/{consultation.pk}/").json()
        assert set(state) <= set(api)
        for key, value in state.items():
            assert value == api[key], key
    state = page_state(client.get(visit_url(visit)))["consultation"]
    assert state["vitals"]["temperature_unit"] == "C" and state["vitals"]["temperature"] == "37.2"
    assert state["note"]["verified_by"] == doctor_a.username and state["note"]["edited_after_verification"]
    assert [o["reason"] for o in state["prescription"]["overrides"]] == ["Tolerated ketoconazole before"]
    assert state["prescription"]["items"] and state["diagnoses"] and state["vitals"]["bmi"]
    amended = page_state(client.get(visit_url(amending)))["consultation"]["prescription"]
    assert amended["version"] == 2 and amended["amends"] == str(first.pk)


def test_the_visit_read_lists_allergies_and_medicines_as_the_emr_does(doctor_a, consultation_a, patient_a):
    """The visit page reads the patient's allergies and current medicines in its one statement;
    they must be what emr's selectors list (active allergies, newest first; current medicines)."""
    from consultations.selectors import consultation_visit_for_user
    from emr.selectors import allergy_list, medication_current_list
    from emr.services import allergy_set_status, medical_history_record

    for allergen in ("Peanut", "Latex", "Sulfa"):
        allergy_record(acting_user=doctor_a, patient=patient_a, allergen_type="other", allergen_name=allergen)
    latex = patient_a.allergies.get(allergen_name="Latex")
    allergy_set_status(acting_user=doctor_a, allergy=latex, status="inactive", reason="Tested negative")
    medical_history_record(
        acting_user=doctor_a,
        patient=patient_a,
        condition_type="medication",
        condition_name="Metformin 500 mg",
    )
    visit = consultation_visit_for_user(user=doctor_a, consultation_id=consultation_a.pk)
    assert [a.pk for a in visit.allergies] == [a.pk for a in allergy_list(patient_id=patient_a.pk)]
    assert [a.allergen_name for a in visit.allergies] == ["Sulfa", "Peanut"]
    expected = medication_current_list(patient_id=patient_a.pk)
    assert [m.pk for m in visit.medications] == [m.pk for m in expected] and len(expected) == 1


def test_the_visit_page_wears_the_same_top_bar_and_toasts_as_every_staff_page(doctor_a, consultation_a):
    """The visit page is rendered by Jinja2 and the queue by Django's engine; both take the head,
    top bar and toast area from the same pieces (clinic/jinja2/layout/, decision 0051)."""
    client = client_as(doctor_a)
    queue = client.get("/doctor/").content.decode()
    visit = client.get(visit_url(consultation_a)).content.decode()
    staff_queue = client.get(reverse("appointments:queue")).content.decode()

    def piece(page, start, end):
        found = page[page.index(start) : page.index(end, page.index(start)) + len(end)]
        return re.sub(r'value="[^"]+"', 'value="token"', found)  # each page masks its CSRF token anew

    for start, end in (('<meta charset="utf-8">', "</script>"), ('<header class="topbar">', "</header>")):
        assert piece(queue, start, end) == piece(visit, start, end)
    assert 'aria-current="page">My patients</a>' in visit  # the doctor's section, in both
    assert 'id="topbar-q"' not in visit and 'id="topbar-q"' in staff_queue  # the search, where it belongs
    assert f'data-sign-out="{doctor_a.pk}"' in visit and 'name="csrfmiddlewaretoken"' in visit
    toasts = ('<div id="toasts"', "</template>")
    assert visit.count('id="toast-template"') == 1 and piece(queue, *toasts) == piece(visit, *toasts)
