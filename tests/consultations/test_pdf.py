"""The prescription PDF: its text (extracted with pypdf) holds the letterhead, doctor, patient,
diagnosis, items, advice and follow-up; its QR code carries the verify URL, and that URL answers
without a login; every download is access-logged."""

import datetime
import io
import os
import pathlib
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from PIL import Image
from pypdf import PdfReader

from clinic.models import AccessLog
from clinic.selectors.stock import branch_today
from consultations import documents
from consultations.services.diagnoses import diagnosis_add
from consultations.services.prescriptions import (
    prescription_amend,
    prescription_finalize,
    prescription_get_or_create_draft,
    prescription_item_add,
    prescription_update,
)
from consultations.services.workflow import consultation_start
from tests.conftest import api_as
from tests.consultations.conftest import checked_in_appointment, item_data, staff
from tests.factories import make_patient

PUBLIC = "https://rx.glowskin.example"


@pytest.fixture
def qr_payloads(monkeypatch):
    """The seam: every payload turned into a QR picture, in order."""
    seen: list[str] = []
    real = documents.qr_svg_data_uri

    def spy(payload: str) -> str:
        seen.append(payload)
        return real(payload)

    monkeypatch.setattr(documents, "qr_svg_data_uri", spy)
    return seen


@pytest.fixture
def signed(branch_a, doctor_a, medicines, icd_skin, tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        doctor = staff(doctor_a)
        picture = io.BytesIO()
        Image.new("RGB", (120, 40), "white").save(picture, "PNG")
        doctor.signature.save("meera.png", ContentFile(picture.getvalue()))
        branch_a.phone = "+91 80 4123 4567"
        branch_a.save()
        patient = make_patient(
            branch=branch_a,
            first_name="Priya",
            last_name="Nair",
            date_of_birth=datetime.date(1998, 3, 14),
            sex="F",
        )
        appointment = checked_in_appointment(patient=patient, doctor_user=doctor_a, branch=branch_a)
        consultation = consultation_start(acting_user=doctor_a, appointment=appointment)
        diagnosis_add(acting_user=doctor_a, consultation=consultation, code=icd_skin.get(code="L70.0"))
        draft = prescription_get_or_create_draft(acting_user=doctor_a, consultation=consultation)
        prescription_item_add(
            acting_user=doctor_a,
            prescription=draft,
            data=item_data(
                medicines["isotretinoin"],
                dosage="1 capsule",
                frequency="1-0-1",
                timing="after_food",
                instructions="Avoid pregnancy; monthly test",
            ),
        )
        prescription_item_add(
            acting_user=doctor_a,
            prescription=draft,
            data=item_data(
                medicines["tretinoin"],
                dosage="pea-sized amount",
                frequency="HS",
                duration_value=6,
                duration_unit="weeks",
            ),
        )
        follow_up = branch_today(branch_a) + datetime.timedelta(days=30)
        prescription_update(
            acting_user=doctor_a,
            prescription=draft,
            data={"general_instructions": "Use sunscreen SPF 50 daily.", "follow_up_date": follow_up},
        )
        yield prescription_finalize(acting_user=doctor_a, prescription=draft)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@override_settings(CONSULTATIONS_PUBLIC_BASE_URL=PUBLIC)
def test_the_pdf_holds_the_prescription_and_its_qr_code_verifies(
    signed, doctor_a, branch_a, qr_payloads, api, tmp_path
):
    with override_settings(MEDIA_ROOT=tmp_path):
        response = api_as(doctor_a).get(f"/api/consultations/prescriptions/{signed.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    if dump := os.environ.get("RX_PDF_DUMP"):  # to look at it: RX_PDF_DUMP=/tmp/rx.pdf, then pdftoppm
        pathlib.Path(dump).write_bytes(response.content)
    text = " ".join(pdf_text(response.content).split())
    zone_date = f"{signed.finalized_at.astimezone(branch_a.zone):%d %b %Y}"
    for expected in (
        "Glow Skin & Aesthetics",
        "Indiranagar",
        "12, 100 Feet Road",
        "GSTIN 29ABCDE1234F1Z5",
        "+91 80 4123 4567",
        "Dr. Meera Rao",
        "MBBS, MD (Dermatology)",
        "Reg. No. KMC-54321",
        "Priya Nair",
        signed.patient.mrn,
        "Female",
        signed.number,
        zone_date,
        "L70.0 Acne vulgaris",
        "Isotretinoin 20 mg capsule (Isotroin)",
        "1 capsule",
        "1-0-1 (morning and night)",
        "10 days",
        "After food. Avoid pregnancy; monthly test",
        "Tretinoin 0.025% w/w cream (Retino-A)",
        "pea-sized amount",
        "HS (at bedtime)",
        "6 weeks",
        "Use sunscreen SPF 50 daily.",
        f"Follow-up: {signed.follow_up_date:%d %b %Y}",
        f"fingerprint {signed.items_hash[:16]}",
    ):
        assert expected in text, expected
    age = (branch_today(branch_a) - datetime.date(1998, 3, 14)).days // 365
    assert f"{age - 1} y" in text or f"{age} y" in text

    (payload,) = qr_payloads
    assert payload == f"{PUBLIC}/rx/verify/{signed.verification_token}?h={signed.items_hash[:16]}"
    log = AccessLog.objects.filter(record_type="prescription", record_id=str(signed.pk)).get()
    assert (log.access_type, log.user_id, log.patient_id) == ("download", doctor_a.pk, signed.patient_id)

    url = urlsplit(payload)
    page = api.get(f"{url.path}?{url.query}")  # anonymous, as a pharmacist's phone would open it
    body = page.content.decode()
    assert page.status_code == 200
    assert "✓ Valid" in body and "match the clinic's record" in body
    assert "Isotretinoin 20 mg capsule (Isotroin)" in body and "Reg. No. KMC-54321" in body
    assert "Priya" not in body and signed.patient.mrn not in body
    assert AccessLog.objects.filter(
        record_id=str(signed.pk), actor="anonymous", reason="QR verification"
    ).exists()


def test_the_verify_page_says_when_the_paper_was_altered_or_replaced(signed, doctor_a, api):
    path = f"/rx/verify/{signed.verification_token}"
    assert "does not match" in api.get(f"{path}?h=0000000000000000").content.decode()

    v2 = prescription_amend(acting_user=doctor_a, prescription=signed, reason="Dose change")
    assert "✓ Valid" in api.get(path).content.decode()  # until the amendment is signed
    prescription_finalize(acting_user=doctor_a, prescription=v2)
    assert f"Replaced by {v2.label}" in api.get(path).content.decode()

    assert api.get("/rx/verify/not-a-real-token").status_code == 404


def test_a_draft_has_no_pdf(consultation_a, doctor_a):
    draft = prescription_get_or_create_draft(acting_user=doctor_a, consultation=consultation_a)
    response = api_as(doctor_a).get(f"/api/consultations/prescriptions/{draft.pk}/pdf/")
    assert response.status_code == 409 and "finalize it to print it" in response.json()["error"]["message"]


def test_the_pdf_is_not_for_another_branch(signed, doctor_b):
    response = api_as(doctor_b).get(f"/api/consultations/prescriptions/{signed.pk}/pdf/")
    assert response.status_code == 404
    assert not AccessLog.objects.filter(record_id=str(signed.pk)).exists()
