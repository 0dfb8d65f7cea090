"""The prescription as a PDF (WeasyPrint), with a QR code that verifies it against the server.

The QR encodes `<CONSULTATIONS_PUBLIC_BASE_URL>/rx/verify/<token>?h=<items fingerprint>`: the token
finds the prescription, the fingerprint lets the public page say whether the printed medicines are
the ones on record. `qr_svg_data_uri` is the one place a payload becomes a picture (tests look there).
"""

import base64
import datetime
import mimetypes
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from consultations.models import Frequency, Prescription, PrescriptionStatus, Timing
from consultations.selectors import related_or_none

FINGERPRINT_CHARS = 16
_FREQUENCY_WORDS = {choice.value: choice.label for choice in Frequency}


def prescription_fingerprint(prescription: Prescription) -> str:
    return prescription.items_hash[:FINGERPRINT_CHARS]


def prescription_verify_url(prescription: Prescription) -> str:
    path = reverse("rx-verify", args=[prescription.verification_token])
    base = settings.CONSULTATIONS_PUBLIC_BASE_URL.rstrip("/")
    return f"{base}{path}?h={prescription_fingerprint(prescription)}"


def qr_svg_data_uri(payload: str) -> str:
    """The payload as a QR code (error correction M), an SVG data URI ready for <img src>."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(payload)
    code.make(fit=True)
    image = code.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _signature_data_uri(staff) -> str:
    if not staff.signature:
        return ""
    try:
        with staff.signature.open("rb") as handle:
            data = handle.read()
    except OSError:
        return ""
    mime = mimetypes.guess_type(staff.signature.name)[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def age_on(date_of_birth: datetime.date | None, day: datetime.date) -> int | None:
    if not date_of_birth:
        return None
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def frequency_words(frequency: str) -> str:
    return _FREQUENCY_WORDS.get(frequency, frequency)


def duration_words(value: int, unit: str) -> str:
    return f"{value} {unit[:-1] if value == 1 else unit}"


def _item_rows(prescription: Prescription) -> list[dict]:
    timings = dict(Timing.choices)
    rows = []
    for n, item in enumerate(prescription.items.all(), 1):
        details = [timings[item.timing]] if item.timing else []
        details += [item.instructions] if item.instructions else []
        rows.append(
            {
                "n": n,
                "name": item.medicine_name,
                "route": item.get_route_display(),
                "dosage": item.dosage,
                "frequency": frequency_words(item.frequency),
                "duration": duration_words(item.duration_value, item.duration_unit),
                "quantity": item.quantity,
                "instructions": ". ".join(details),
                "taper": [
                    f"then {stage['dosage']}, {frequency_words(stage['frequency'])}, "
                    f"for {duration_words(stage['duration_value'], stage['duration_unit'])}"
                    for stage in item.taper_schedule
                ],
            }
        )
    return rows


def prescription_pdf_context(prescription: Prescription) -> dict:
    branch, doctor, patient = prescription.branch, prescription.doctor, prescription.patient
    zone = branch.zone
    issued = (prescription.finalized_at or prescription.created_at).astimezone(zone)
    diagnoses = sorted(
        prescription.consultation.diagnoses.all(), key=lambda d: (not d.is_primary, d.diagnosed_at)
    )
    verify_url = prescription_verify_url(prescription)
    amended_by = related_or_none(prescription, "amended_by")
    return {
        "rx": prescription,
        "hospital": branch.hospital,
        "branch": branch,
        "address": ", ".join(
            p
            for p in (
                branch.address_line1,
                branch.address_line2,
                branch.city,
                f"{branch.state} {branch.pin_code}",
            )
            if p
        ),
        "doctor": doctor,
        "signature": _signature_data_uri(doctor),
        "patient": patient,
        "age": age_on(patient.date_of_birth, issued.date()),
        "sex": patient.get_sex_display() if patient.sex != "U" else "",
        "date": f"{issued:%d %b %Y}",
        "time": issued.strftime("%I:%M %p").lstrip("0").lower(),
        "diagnoses": [f"{d.code.code} {d.code.title}" for d in diagnoses],
        "items": _item_rows(prescription),
        "follow_up_date": f"{prescription.follow_up_date:%d %b %Y}" if prescription.follow_up_date else "",
        "qr": qr_svg_data_uri(verify_url),
        "verify_url": verify_url,
        "fingerprint": prescription_fingerprint(prescription),
        "superseded": prescription.status == PrescriptionStatus.AMENDED,
        "amended_by": amended_by.label if amended_by else "",
    }


def prescription_pdf_render(prescription: Prescription) -> bytes:
    """A4 PDF of a finalized (or superseded) prescription; fetched with
    consultations.selectors.prescription_document_queryset so printing costs no extra queries."""
    from weasyprint import HTML  # imported here: loading Pango is slow and only this needs it

    html = render_to_string("consultations/prescription_pdf.html", prescription_pdf_context(prescription))
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
