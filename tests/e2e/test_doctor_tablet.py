"""The doctor on the tablet (1280x800, touch): takes the next patient from today's queue, records
vitals (an impossible pulse refused on the spot), starts the notes from a template, loses the
network while typing and reloads (nothing typed is lost), adds a diagnosis and two medicines (one
warned by the patient's penicillin allergy and prescribed anyway with a reason), chooses the
follow-up and books it from a free-time chip (then moves it), completes the visit and downloads
the prescription PDF; then amends the signed prescription, adds a medicine, signs version 2 and
its PDF holds it. axe-core is clean on each screen; the screens (landscape and portrait) are
written to docs/screens/."""

import datetime
import importlib
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from appointments.models import Appointment, AppointmentStatus, DoctorSchedule
from appointments.services import slot_generate
from clinic.models import StockBatch
from clinic.selectors.stock import branch_today
from clinic.services.patients import patient_update
from consultations.models import (
    Consultation,
    ConsultationNote,
    ConsultationStatus,
    InteractionRule,
    NoteTemplate,
    PrescriptionStatus,
    PrescriptionWarningOverride,
)
from consultations.services.diagnoses import diagnosis_add
from consultations.services.icd10 import icd10_load
from consultations.services.notes import note_save_sections
from consultations.services.prescriptions import (
    prescription_finalize,
    prescription_get_or_create_draft,
    prescription_item_add,
)
from consultations.services.workflow import consultation_start, consultation_transition
from emr.services import allergy_record
from tests.consultations.conftest import add_batch, checked_in_appointment, item_data, staff
from tests.e2e.conftest import TABLET, assert_accessible, screenshot
from tests.factories import MedicineFactory, StaffFactory, UserFactory, make_patient

pytestmark = pytest.mark.browser
PORTRAIT = {"width": 800, "height": 1280}
# Everything one can tap on the tablet pages that is visible now and smaller than 48 x 48 px.
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    '#visit button, #visit a, #visit input, #visit textarea, #visit [role=switch], .dq a, .dq button'))
  .filter((el) => el.offsetParent !== null && !el.closest('dialog:not([open])'))
  .map((el) => ({what: el.outerHTML.slice(0, 90), box: el.getBoundingClientRect()}))
  .filter((t) => t.box.height < 48 || t.box.width < 48)
  .map((t) => `${Math.round(t.box.width)}x${Math.round(t.box.height)} ${t.what}`)"""


def pdf_text(download) -> str:
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF")
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def assert_big_targets(page):
    assert page.evaluate(SMALL_TARGETS) == []


def visit_ready(page):
    """The visit page's scripts have started (they set data-ready on #visit)."""
    expect(page.locator('#visit[data-ready="true"]')).to_be_attached()


def _reference_data():
    """The starter interaction rules and note templates (migrations 0002/0003): a transactional
    test starts from flushed tables."""
    if not InteractionRule.objects.exists():
        importlib.import_module("consultations.migrations.0002_interaction_rules_starter_set").add_rules(
            apps, None
        )
    if not NoteTemplate.objects.exists():
        importlib.import_module("consultations.migrations.0003_note_templates").add_templates(apps, None)


@pytest.fixture
def clinic_day(branch_a, patient_a, hospital):
    """Dr. Meera Rao's morning at Indiranagar: Ramesh Kumar (allergic to penicillin, seen three
    weeks ago for acne) waiting longest, Asha Verma waiting, Vikram Singh seen already."""
    _reference_data()
    icd10_load(chapters=["XII", "I"])
    user = UserFactory(username="dr_meera", groups=["Doctor"])
    StaffFactory(
        user=user,
        staff_type="doctor",
        branches=[branch_a],
        hospital=hospital,
        title="Dr.",
        first_name="Meera",
        last_name="Rao",
        qualifications="MBBS, MD (Dermatology)",
        registration_number="KMC-54321",
    )
    # Her clinic hours for the weeks ahead: 10:00-12:00, 30-minute slots, every working day.
    branch_a.refresh_from_db()
    for weekday in branch_a.working_days:
        DoctorSchedule.objects.create(
            staff=staff(user),
            branch=branch_a,
            day_of_week=weekday,
            start_time=datetime.time(10),
            end_time=datetime.time(12),
            slot_duration_minutes=30,
        )
    slot_generate(branch=branch_a, weeks=4, today=branch_today(branch_a))
    ramesh = patient_update(
        acting_user=None, patient=patient_a, data={"sex": "M", "date_of_birth": datetime.date(1990, 6, 9)}
    )
    allergy_record(
        acting_user=user,
        patient=ramesh,
        allergen_type="drug",
        allergen_name="Penicillin",
        drug_class="penicillin",
        reaction="urticaria",
        severity="severe",
    )

    def medicine(generic, drug_class, form, unit, strength, brand):
        return MedicineFactory(
            hospital=hospital,
            generic_name=generic,
            brand_name=brand,
            drug_class=drug_class,
            form=form,
            unit=unit,
            strength=strength,
            gst_rate=Decimal("12"),
        )

    doxycycline = medicine("Doxycycline", "tetracycline", "capsule", "strip", "100 mg", "Doxt-SL")
    medicine(  # Augmentin: no stock, and a penicillin
        "Amoxicillin + Clavulanic acid", "penicillin", "tablet", "strip", "625 mg", "Augmentin"
    )
    adapalene = medicine("Adapalene", "retinoid", "gel", "tube", "0.1% w/w", "Adaferin")
    add_batch(doxycycline, branch_a, quantity=10, expires_in_days=300)
    add_batch(adapalene, branch_a, quantity=6, expires_in_days=300)

    # Three weeks ago: acne, adapalene gel.
    earlier = consultation_start(
        acting_user=user,
        appointment=checked_in_appointment(patient=ramesh, doctor_user=user, branch=branch_a),
    )
    note_save_sections(
        acting_user=user,
        consultation=earlier,
        sections={"assessment": "Mild comedonal acne.", "plan": "Adapalene at night; review in 3 weeks."},
    )
    diagnosis_add(
        acting_user=user,
        consultation=earlier,
        code=apps.get_model("consultations", "DiagnosisCode").objects.get(code="L70.0"),
    )
    draft = prescription_get_or_create_draft(acting_user=user, consultation=earlier)
    prescription_item_add(
        acting_user=user,
        prescription=draft,
        data=item_data(
            adapalene, dosage="Thin layer", frequency="HS", duration_value=3, duration_unit="weeks"
        ),
    )
    prescription_finalize(acting_user=user, prescription=draft)
    for status in (
        ConsultationStatus.IN_EXAMINATION,
        ConsultationStatus.PRESCRIPTION_DONE,
        ConsultationStatus.COMPLETED,
    ):
        consultation_transition(acting_user=user, consultation=earlier, to_status=status)
    weeks_ago = timezone.now() - datetime.timedelta(days=21)
    Consultation.objects.filter(pk=earlier.pk).update(started_at=weeks_ago, completed_at=weeks_ago)
    Appointment.objects.filter(pk=earlier.appointment_id).update(
        appointment_date=timezone.localdate(weeks_ago), starts_at=weeks_ago
    )

    # Today.
    now = timezone.now()
    today_ramesh = checked_in_appointment(patient=ramesh, doctor_user=user, branch=branch_a)
    Appointment.objects.filter(pk=today_ramesh.pk).update(
        checked_in_at=now - datetime.timedelta(minutes=18),
        chief_complaint="Pimples on the face again, some marks",
    )
    asha = make_patient(
        branch=branch_a,
        first_name="Asha",
        last_name="Verma",
        sex="F",
        date_of_birth=datetime.date(1995, 3, 14),
    )
    waiting = checked_in_appointment(patient=asha, doctor_user=user, branch=branch_a)
    Appointment.objects.filter(pk=waiting.pk).update(
        checked_in_at=now - datetime.timedelta(minutes=6), chief_complaint="Itchy red rings on the waist"
    )
    vikram = make_patient(
        branch=branch_a,
        first_name="Vikram",
        last_name="Singh",
        sex="M",
        date_of_birth=datetime.date(1978, 1, 2),
    )
    seen = consultation_start(
        acting_user=user,
        appointment=checked_in_appointment(patient=vikram, doctor_user=user, branch=branch_a),
    )
    for status in (
        ConsultationStatus.IN_EXAMINATION,
        ConsultationStatus.PRESCRIPTION_DONE,
        ConsultationStatus.COMPLETED,
    ):
        consultation_transition(acting_user=user, consultation=seen, to_status=status)
    return {"doctor": user, "ramesh": ramesh, "appointment": today_ramesh}


def test_the_doctor_sees_a_patient_from_the_queue_to_the_printed_prescription(page_as, clinic_day, live_site):
    page = page_as(clinic_day["doctor"], viewport=TABLET)
    page.problems.expect_failure("/prescription/items/")  # the warned medicine's 409, on purpose

    # --- Today's queue -------------------------------------------------------------------------------
    page.goto("/doctor/")
    expect(page.get_by_role("heading", name="My patients today", level=1)).to_be_visible()
    expect(page.locator(".dq-next")).to_contain_text("Ramesh Kumar")
    waiting = page.get_by_role("region", name=re.compile("^Waiting"))
    expect(waiting.locator(".dq-card__name")).to_have_text(["Ramesh Kumar", "Asha Verma"])
    expect(page.get_by_role("region", name=re.compile("^Seen today"))).to_contain_text("Vikram Singh")
    assert_accessible(page)
    assert_big_targets(page)
    screenshot(page, "doctor-tablet-queue")

    page.get_by_role("button", name="Take next patient").tap()
    expect(page).to_have_url(re.compile(r"/doctor/visit/[0-9a-f-]{36}/$"))
    visit_ready(page)
    consultation = Consultation.objects.get(appointment=clinic_day["appointment"])
    bar = page.locator("#visit-bar")
    expect(bar.get_by_role("heading", name="Ramesh Kumar")).to_be_visible()
    expect(bar.locator(".allergy-chip")).to_have_text(re.compile(r"Penicillin \(urticaria\)"))
    expect(page.locator("#visit-status")).to_contain_text("Started")
    expect(page.locator(".previous")).to_contain_text("Mild comedonal acne")

    # --- Vitals: typed, stepped, an impossible value refused with the reason -------------------------
    page.get_by_role("textbox", name="Systolic blood pressure").fill("128")
    page.get_by_role("textbox", name="Diastolic blood pressure").fill("84")
    pulse = page.get_by_role("textbox", name="Pulse")
    pulse.fill("900")
    expect(page.locator("#e-pulse_rate")).to_have_text(
        "A pulse of 900/min is not possible; check the reading (it must be between 20 and 250/min)."
    )
    expect(pulse).to_have_attribute("aria-invalid", "true")
    pulse.fill("88")
    expect(page.locator("#e-pulse_rate")).to_be_empty()
    page.get_by_role("button", name="Pulse higher").tap()
    expect(pulse).to_have_value("89")
    expect(page.get_by_role("button", name="°F")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("textbox", name="Temperature").fill("99.1")
    page.get_by_role("textbox", name="Weight").fill("74")
    page.get_by_role("textbox", name="Height").fill("168")
    expect(page.locator("#v-bmi")).to_have_text("26.2")
    expect(page.locator("#f-bmi")).to_contain_text("High")
    expect(page.locator("#saved-mark")).to_contain_text("All changes saved", timeout=15_000)
    expect(page.locator("#visit-status")).to_contain_text("Vitals captured")

    # --- Notes: a template, then typing -------------------------------------------------------------
    page.get_by_role("button", name="Acne", exact=True).tap()
    expect(page.get_by_role("textbox", name="History of present illness")).to_have_value(
        re.compile("^Duration:")
    )
    page.get_by_role("textbox", name="Chief complaint").fill(
        "Pimples on the face for 3 months, worse before periods."
    )
    expect(page.locator("#visit-status")).to_contain_text("In examination")
    expect(page.locator("#saved-mark")).to_contain_text("All changes saved", timeout=15_000)
    assert_accessible(page)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "doctor-tablet-visit")

    # --- The network drops while the assessment is typed; the tablet is reloaded -----------------
    page.route("**/note/", lambda route: route.abort())
    assessment_text = "Moderate acne vulgaris with post-inflammatory pigmentation on both cheeks."
    page.get_by_role("textbox", name="Assessment").fill(assessment_text)
    expect(page.locator("#saved-mark")).to_contain_text("No connection", timeout=15_000)
    expect(page.locator("#saved-mark")).to_contain_text("1 change kept on this tablet")
    page.unroute("**/note/")
    page.reload()
    visit_ready(page)
    expect(page.get_by_role("textbox", name="Assessment")).to_have_value(assessment_text)
    expect(page.locator("#saved-mark")).to_contain_text("All changes saved", timeout=15_000)
    consultation.note.refresh_from_db()
    assert consultation.note.assessment == assessment_text
    assert consultation.note.chief_complaint.startswith("Pimples on the face for 3 months")

    # --- Diagnosis: search as you type, tap the row ------------------------------------------------
    page.get_by_role("searchbox", name="Search ICD-10 by words or code").fill("acne vulg")
    page.locator("#dx-results").get_by_role("button", name=re.compile(r"^L70\.0")).tap()
    row = page.locator("#dx-list .dx-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Acne vulgaris")
    expect(row).to_contain_text("Primary")
    page.locator("#dx-chip-row").get_by_role("button", name=re.compile(r"^L81\.0|^L81\.1")).first.tap()
    expect(page.locator("#dx-list .dx-row")).to_have_count(2)

    # --- Prescription: doxycycline from stock, chips only -------------------------------------------
    medicine_box = page.get_by_role("searchbox", name=re.compile("Find a medicine"))
    medicine_box.fill("doxy")
    page.locator("#med-results").get_by_role("button", name=re.compile("^Doxycycline")).tap()
    expect(page.locator("#chosen-stock")).to_have_text("In stock: 10 strips")
    expect(page.locator("#dose-chips").get_by_role("button", name="1 capsule")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.locator("#freq-chips").get_by_role("button", name=re.compile("^BD")).tap()
    page.locator("#dur-chips").get_by_role("button", name="14 days").tap()
    page.locator("#timing-chips").get_by_role("button", name="After food").tap()
    expect(page.locator("#qty-value")).to_have_text("28 capsules")
    page.get_by_role("switch", name="Give from clinic stock").tap()
    page.get_by_role("button", name="Give one more").tap()
    expect(page.get_by_role("textbox", name="How many to give")).to_have_value("2")
    page.get_by_role("button", name="Add to prescription").tap()
    rx_rows = page.locator("#rx-list .rx-row")
    expect(rx_rows).to_have_count(1)
    expect(rx_rows.first).to_contain_text("1 capsule · BD (twice a day) · 14 days · after food")

    # --- A medicine the patient is allergic to: warned inline, prescribed with a reason -----------
    medicine_box.fill("augm")
    page.locator("#med-results").get_by_role("button", name=re.compile("^Amoxicillin")).tap()
    page.locator("#freq-chips").get_by_role("button", name=re.compile("^BD")).tap()
    page.locator("#dur-chips").get_by_role("button", name="5 days").tap()
    page.locator("#timing-chips").get_by_role("button", name="After food").tap()
    page.get_by_role("button", name="Add to prescription").tap()
    warning = page.locator("#warning-panel")
    expect(warning).to_contain_text("allergic to penicillin (urticaria), severe")
    expect(rx_rows).to_have_count(1)
    page.get_by_role("button", name="Prescribe anyway").tap()
    expect(page.locator("#e-reason")).to_contain_text("Choose or type the reason")
    warning.get_by_role("button", name="Tolerated before without a reaction").tap()
    page.get_by_role("textbox", name="Or type the reason").fill(
        "Took Augmentin in 2024 without a rash; watch 30 minutes."
    )
    page.locator("#prescription").evaluate("section => section.scrollIntoView({block: 'start'})")
    assert_accessible(page)
    assert_big_targets(page)
    screenshot(page, "doctor-tablet-prescription")
    page.get_by_role("button", name="Prescribe anyway").tap()
    expect(rx_rows).to_have_count(2)
    expect(rx_rows.nth(1)).to_contain_text("Allergy warning overridden: Took Augmentin in 2024")
    expect(page.locator("#warning-panel")).to_be_hidden()

    # --- Advice and follow-up by tapping ------------------------------------------------------------
    page.get_by_role("button", name="Do not pick or squeeze the spots.").tap()
    page.locator("#fu-chips").get_by_role("button", name=re.compile("^2 weeks")).tap()
    expect(page.locator("#fu-summary")).to_contain_text("Follow-up on")
    expect(page.locator("#saved-mark")).to_contain_text("All changes saved", timeout=15_000)
    expect(page.locator('[data-nav="prescription"]')).to_have_class(re.compile("is-done"))
    assert_accessible(page)

    # --- The follow-up booked from a free-time chip, then moved ---------------------------------------
    slots = page.locator("#fu-days .fu-slot")
    expect(slots.first).to_be_visible(timeout=15_000)
    expect(page.locator("#fu-slots-status")).to_contain_text("tap one to book it")
    # Four days at a time: "Later days" pages on, "Earlier days" back to the day chosen.
    labels = page.locator("#fu-days .fu-day__label")
    chosen = labels.all_inner_texts()
    assert len(chosen) == 4
    expect(page.get_by_role("button", name="Earlier days")).to_have_count(0)
    page.get_by_role("button", name="Later days").tap()
    expect(labels.first).not_to_have_text(chosen[0], timeout=15_000)
    later = labels.all_inner_texts()
    assert len(later) == 4 and not set(later) & set(chosen)
    page.get_by_role("button", name="Earlier days").tap()
    expect(labels.first).to_have_text(chosen[0], timeout=15_000)
    assert labels.all_inner_texts() == chosen
    first_day = page.locator("#fu-days .fu-day").filter(has=page.locator(".fu-slot")).first
    first_day.get_by_role("button", name=re.compile(r"10:00 am$")).tap()
    booked = page.locator("#fu-booked")
    expect(booked).to_be_visible(timeout=15_000)
    expect(booked).to_contain_text(re.compile(r"Booked: APT-\S+, \w{3}, \d+ \w{3} \d{4} at 10:00 am"))
    consultation.refresh_from_db()
    first_booking = consultation.follow_up_appointment
    local = first_booking.starts_at.astimezone(first_booking.branch.zone)
    assert (local.hour, local.minute) == (10, 0) and first_booking.is_follow_up
    assert local.date() >= timezone.localdate() + datetime.timedelta(days=14)
    page.locator("#orders").evaluate("section => section.scrollIntoView({block: 'start'})")
    assert_accessible(page)
    assert_big_targets(page)
    screenshot(page, "doctor-tablet-follow-up")
    page.get_by_role("button", name="Change the time").tap()
    status = page.locator("#fu-slots-status")
    expect(status).to_contain_text("tap one to move the booking there", timeout=15_000)
    page.locator("#fu-days .fu-day").filter(has=page.locator(".fu-slot")).first.get_by_role(
        "button", name=re.compile(r"11:30 am$")
    ).tap()
    expect(booked).to_contain_text("at 11:30 am", timeout=15_000)
    consultation.refresh_from_db()
    assert consultation.follow_up_appointment.rescheduled_from_id == first_booking.pk
    first_booking.refresh_from_db()
    assert first_booking.status == AppointmentStatus.RESCHEDULED

    # --- The same visit in portrait --------------------------------------------------------------------
    portrait = page_as(clinic_day["doctor"], viewport=PORTRAIT)
    portrait.goto(page.url)
    visit_ready(portrait)
    expect(portrait.locator("#rx-list .rx-row")).to_have_count(2)
    expect(portrait.locator("#visit-bar .allergy-chip")).to_be_visible()
    assert_accessible(portrait)
    assert_big_targets(portrait)
    screenshot(portrait, "doctor-tablet-portrait")
    portrait.close()

    # --- Complete, then the PDF ----------------------------------------------------------------------
    page.get_by_role("button", name="Complete visit").tap()
    dialog = page.get_by_role("dialog", name="Complete this visit?")
    expect(dialog).to_contain_text("2 medicines")
    dialog.get_by_role("button", name="Complete visit").tap()
    expect(page.locator("#completed-panel")).to_be_visible(timeout=20_000)
    expect(page.locator("#visit-status")).to_contain_text("Completed")
    download_link = page.get_by_role("link", name="Download prescription (PDF)")
    expect(download_link).to_be_visible()
    assert_accessible(page)
    screenshot(page, "doctor-tablet-completed")
    with page.expect_download() as info:
        download_link.tap()
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Doxycycline" in text and "Amoxicillin" in text

    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.COMPLETED
    assert Appointment.objects.get(pk=clinic_day["appointment"].pk).status == AppointmentStatus.COMPLETED
    vitals = consultation.vitals
    assert (vitals.blood_pressure_systolic, vitals.blood_pressure_diastolic, vitals.pulse_rate) == (
        128,
        84,
        89,
    )
    assert (vitals.temperature_unit, vitals.temperature_c, vitals.bmi) == (
        "F",
        Decimal("37.3"),
        Decimal("26.2"),
    )
    prescription = consultation.prescriptions.get()
    assert prescription.status == PrescriptionStatus.FINALIZED
    assert prescription.follow_up_date == timezone.localdate() + datetime.timedelta(days=14)
    assert "Do not pick or squeeze the spots." in prescription.general_instructions
    doxy, amox = prescription.items.order_by("display_order")
    assert (doxy.frequency, doxy.duration_value, doxy.timing, doxy.quantity) == ("BD", 14, "after_food", 28)
    assert doxy.is_in_house and doxy.dispense_quantity == 2 and doxy.dispensed_at is not None
    assert StockBatch.objects.get(medicine=doxy.medicine).quantity_available == 8
    override = PrescriptionWarningOverride.objects.get(item=amox)
    assert override.kind == "allergy" and override.reason.startswith("Took Augmentin in 2024")
    assert consultation.diagnoses.get(is_primary=True).code.code == "L70.0"
    assert consultation.note.verified_at is not None

    # --- Amending the signed prescription: version 2 with one more medicine, signed, its own PDF ------
    page.reload()
    visit_ready(page)
    expect(page.locator("#fu-booked")).to_contain_text("at 11:30 am")
    page.get_by_role("button", name="Amend prescription").tap()
    page.locator("#rx-amend-form").get_by_role("button", name="Medicine added").tap()
    with page.expect_navigation():
        page.get_by_role("button", name="Start the amendment").tap()
    visit_ready(page)
    expect(page.locator("#rx-amending")).to_contain_text(f"Version 2 — amending {prescription.number}")
    expect(page.locator("#rx-list .rx-row")).to_have_count(2)
    page.get_by_role("searchbox", name=re.compile("Find a medicine")).fill("adap")
    page.locator("#med-results").get_by_role("button", name=re.compile("^Adapalene")).tap()
    page.locator("#dose-chips").get_by_role("button", name="Thin layer").tap()
    page.locator("#freq-chips").get_by_role("button", name=re.compile("^HS")).tap()
    page.locator("#dur-chips").get_by_role("button", name="14 days").tap()
    page.get_by_role("button", name="Add to prescription").tap()
    expect(page.locator("#rx-list .rx-row")).to_have_count(3)
    expect(page.locator("#saved-mark")).to_contain_text("All changes saved", timeout=15_000)
    page.locator("#prescription").evaluate("section => section.scrollIntoView({block: 'start'})")
    assert_accessible(page)
    assert_big_targets(page)
    screenshot(page, "doctor-tablet-amend")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign amended prescription").tap()
    visit_ready(page)
    versions = page.locator(".rx-versions__list")
    expect(versions).to_contain_text(f"{prescription.number} v2 · Finalized")
    expect(versions).to_contain_text(f"{prescription.number} · Amended")
    new_link = page.get_by_role("link", name="Download prescription (PDF)")
    with page.expect_download() as info:
        new_link.tap()
    text = pdf_text(info.value)
    assert "Adapalene" in text and "Doxycycline" in text
    old_link = versions.get_by_role("link", name=f"PDF of {prescription.number}", exact=True)
    with page.expect_download() as info:
        old_link.tap()
    text = pdf_text(info.value)
    assert "Doxycycline" in text and "Adapalene" not in text
    prescription.refresh_from_db()
    assert prescription.status == PrescriptionStatus.AMENDED
    version_2 = consultation.prescriptions.get(version=2)
    assert version_2.status == PrescriptionStatus.FINALIZED and version_2.amendment_reason == "Medicine added"
    assert [i.medicine_name for i in version_2.items.order_by("display_order")][-1].startswith("Adapalene")


def test_a_change_made_on_another_device_is_never_overwritten_unasked(page_as, clinic_day):
    doctor = clinic_day["doctor"]
    consultation = consultation_start(acting_user=doctor, appointment=clinic_day["appointment"])
    page = page_as(doctor, viewport=TABLET)
    page.problems.expect_failure("/note/")  # the 409 "stale" answers, on purpose
    page.goto(f"/doctor/visit/{consultation.pk}/")
    visit_ready(page)
    plan = page.get_by_role("textbox", name="Plan")
    plan.fill("Doxycycline for 6 weeks.")
    expect(page.locator("#saved-mark")).to_contain_text("All changes saved", timeout=15_000)

    # The other tablet in the room saves the plan; this one, not knowing, goes on typing.
    note_save_sections(
        acting_user=doctor, consultation=consultation, sections={"plan": "Isotretinoin 20 mg."}
    )
    plan.fill("Doxycycline for 6 weeks, then review.")
    conflicts = page.locator("#conflicts")
    expect(conflicts).to_contain_text("Someone else changed this visit", timeout=15_000)
    expect(page.locator("#saved-mark")).to_contain_text("Not saved: changed elsewhere")
    consultation.note.refresh_from_db()
    assert consultation.note.plan == "Isotretinoin 20 mg."
    assert_accessible(page)
    screenshot(page, "doctor-tablet-conflict")

    with page.expect_navigation():
        conflicts.get_by_role("button", name="Reload to see theirs").tap()
    visit_ready(page)
    expect(page.get_by_role("textbox", name="Plan")).to_have_value("Isotretinoin 20 mg.")
    expect(page.locator("#conflicts")).to_be_hidden()

    # Once more, and this time the doctor keeps their own version.
    note_save_sections(
        acting_user=doctor, consultation=consultation, sections={"plan": "Isotretinoin 10 mg."}
    )
    page.get_by_role("textbox", name="Plan").fill("Doxycycline 100 mg for 6 weeks.")
    expect(conflicts).to_be_visible(timeout=15_000)
    conflicts.get_by_role("button", name="Keep my version").tap()
    expect(page.locator("#saved-mark")).to_contain_text("All changes saved", timeout=15_000)
    expect(conflicts).to_be_hidden()
    consultation.note.refresh_from_db()
    assert consultation.note.plan == "Doxycycline 100 mg for 6 weeks."


def test_signing_out_takes_the_doctors_unsent_changes_off_the_tablet(page_as, clinic_day):
    """Typed notes wait in the tablet's storage until the server has them (decision 0045). Signing
    out asks first while some are waiting, keeps them when the doctor cancels, and removes them
    when the doctor confirms, so the next person on a shared tablet finds none."""
    doctor = clinic_day["doctor"]
    consultation = consultation_start(acting_user=doctor, appointment=clinic_day["appointment"])
    page = page_as(doctor, viewport=TABLET)
    page.problems.expect_failure("/note/")
    page.goto(f"/doctor/visit/{consultation.pk}/")
    visit_ready(page)
    page.route("**/note/", lambda route: route.abort())  # the clinic's network drops for the notes
    page.get_by_role("textbox", name="Plan").fill("Doxycycline for 6 weeks.")
    expect(page.locator("#saved-mark")).to_contain_text("kept on this tablet", timeout=15_000)
    stored = f"ic-visit:{doctor.pk}:{consultation.pk}"
    assert "Doxycycline" in page.evaluate("key => localStorage.getItem(key)", stored)

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("details.usermenu summary").tap()
    page.get_by_role("button", name="Sign out").tap()
    expect(page).to_have_url(re.compile(rf"/doctor/visit/{consultation.pk}/$"))
    assert asked and "1 change on this tablet has not reached the server yet" in asked[0]
    assert page.evaluate("key => localStorage.getItem(key)", stored) is not None

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign out").tap()
    expect(page).to_have_url(re.compile(r"/login/"))
    left = page.evaluate("prefix => Object.keys(localStorage).filter(k => k.startsWith(prefix))", "ic-visit:")
    assert left == []
    assert not ConsultationNote.objects.filter(
        consultation=consultation, plan__contains="Doxycycline"
    ).exists()
