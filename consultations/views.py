"""The public prescription check behind the QR code printed on every prescription.

Anyone holding the paper (a pharmacist) may open it; it shows only what the paper shows, minus
the patient: number, date, doctor, status, the medicines and whether the printed fingerprint
matches the record. Each look-up is access-logged.
"""

import hmac

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clinic.services.access_log import access_log_for_request
from consultations.documents import duration_words, frequency_words, prescription_fingerprint
from consultations.models import PrescriptionStatus
from consultations.selectors import prescription_by_token, related_or_none


@require_GET
@never_cache
def prescription_verify(request: HttpRequest, token: str) -> HttpResponse:
    prescription = prescription_by_token(token)
    if prescription is None:
        response = render(request, "consultations/rx_verify.html", {"found": False}, status=404)
    else:
        access_log_for_request(
            request,
            record_type="prescription",
            record_id=prescription.pk,
            patient_id=prescription.patient_id,
            reason="QR verification",
        )
        printed = request.GET.get("h", "")
        fingerprint = prescription_fingerprint(prescription)
        amended_by = related_or_none(prescription, "amended_by")
        context = {
            "found": True,
            "rx": prescription,
            "valid": prescription.status == PrescriptionStatus.FINALIZED,
            "amended_by": amended_by
            if amended_by and amended_by.status != PrescriptionStatus.DRAFT
            else None,
            "date": f"{prescription.finalized_at.astimezone(prescription.branch.zone):%d %b %Y}",
            "fingerprint": fingerprint,
            "fingerprint_given": bool(printed),
            "fingerprint_matches": bool(printed) and hmac.compare_digest(printed, fingerprint),
            "items": [
                {
                    "name": item.medicine_name,
                    "dosage": item.dosage,
                    "frequency": frequency_words(item.frequency),
                    "duration": duration_words(item.duration_value, item.duration_unit),
                }
                for item in prescription.items.all()
            ],
        }
        response = render(request, "consultations/rx_verify.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
