"""The consultation API: a visit walked through the endpoints the tablet uses, who may see and
change what (another doctor's consultation: 404 in another branch, 403 in the same one), every read
of notes or prescriptions access-logged, warnings as 409s with keys to override, query counts that
do not grow with the visit, and the OpenAPI schema."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.models import AccessLog
from consultations.models import Consultation, PrescriptionWarningOverride
from consultations.services.diagnoses import diagnosis_add
from consultations.services.prescriptions import (
    prescription_finalize,
    prescription_get_or_create_draft,
    prescription_item_add,
)
from consultations.services.workflow import consultation_start, consultation_transition
from emr.services import allergy_record, medical_history_record
from tests.conftest import api_as
from tests.consultations.conftest import add_batch, checked_in_appointment, item_data

BASE = "/api/consultations"


def logs(**filters) -> int:
    return AccessLog.objects.filter(**filters).count()


def test_a_visit_through_the_api(doctor_a, appointment_a, branch_a, medicines, icd_skin):
    client = api_as(doctor_a)
    cetirizine = medicines["cetirizine"]
    add_batch(cetirizine, branch_a, quantity=40, expires_in_days=200, mrp="4.00")

    queue = client.get(f"{BASE}/queue/").json()
    assert [p["appointment_number"] for p in queue["results"]] == [appointment_a.number]
    assert queue["results"][0]["patient"]["full_name"] == "Ramesh Kumar"

    started = client.post(f"{BASE}/start/", {"appointment_id": str(appointment_a.pk)}, format="json")
    assert started.status_code == 201, started.json()
    cid = started.json()["id"]
    assert started.json()["status"] == "started" and started.json()["previous_visit"] is None
    assert (
        client.post(f"{BASE}/start/", {"appointment_id": str(appointment_a.pk)}, format="json").json()["id"]
        == cid
    )

    vitals = client.patch(
        f"{BASE}/{cid}/vitals/",
        {"temperature": "100.4", "temperature_unit": "F", "pulse_rate": 92},
        format="json",
    )
    assert vitals.status_code == 200, vitals.json()
    assert (vitals.json()["temperature"], vitals.json()["temperature_c"]) == ("100.4", "38.0")
    assert vitals.json()["consultation"]["status"] == "vitals_captured"
    assert [f["field"] for f in vitals.json()["abnormal"]] == ["temperature_c"]
    refused = client.patch(f"{BASE}/{cid}/vitals/", {"pulse_rate": 900}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["pulse_rate"][0].startswith("A pulse of 900/min is not possible")

    moved = client.post(f"{BASE}/{cid}/transition/", {"to_status": "in_examination"}, format="json")
    assert moved.json()["consultation"]["allowed_transitions"] == ["prescription_done"]
    note = client.patch(
        f"{BASE}/{cid}/note/", {"sections": {"assessment": "Urticaria"}}, format="json"
    ).json()
    stale = client.patch(
        f"{BASE}/{cid}/note/",
        {"sections": {"assessment": "x"}, "expected_updated_at": "2020-01-01T00:00:00Z"},
        format="json",
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale"
    saved = client.patch(
        f"{BASE}/{cid}/note/",
        {"sections": {"plan": "Antihistamine"}, "expected_updated_at": note["updated_at"]},
        format="json",
    )
    assert saved.status_code == 200 and saved.json()["sections"]["plan"] == "Antihistamine"

    assert client.get(f"{BASE}/icd10/", {"q": "urticaria"}).json()["results"][0]["code"] == "L50"
    diagnosis = client.post(f"{BASE}/{cid}/diagnoses/", {"code": "L50.0"}, format="json")
    assert diagnosis.status_code == 201 and diagnosis.json()["is_primary"] is True

    found = client.get(f"{BASE}/medicines/", {"q": "cetir"}).json()["results"]
    assert [(m["label"], m["stock"]) for m in found] == [("Cetirizine (Cetzine) 10 mg Tablet", 40)]
    item = client.post(
        f"{BASE}/{cid}/prescription/items/",
        {
            "medicine_id": found[0]["id"],
            "dosage": "1 tablet",
            "frequency": "hs",
            "duration_value": 10,
            "is_in_house": True,
        },
        format="json",
    )
    assert item.status_code == 201, item.json()
    assert (item.json()["frequency"], item.json()["quantity"], item.json()["dispense_quantity"]) == (
        "HS",
        10,
        10,
    )
    advice = client.patch(
        f"{BASE}/{cid}/prescription/", {"general_instructions": "Avoid hot showers"}, format="json"
    )
    rx = advice.json()
    assert rx["status"] == "draft" and rx["pdf_url"] is None
    finalized = client.post(f"{BASE}/prescriptions/{rx['id']}/finalize/")
    assert finalized.status_code == 200 and finalized.json()["pdf_url"].endswith("/pdf/")
    again = client.post(f"{BASE}/prescriptions/{rx['id']}/finalize/")
    assert again.status_code == 409 and "already finalized" in again.json()["error"]["message"]
    edit = client.patch(
        f"{BASE}/prescription-items/{item.json()['id']}/", {"dosage": "2 tablets"}, format="json"
    )
    assert edit.status_code == 409 and "is finalized and cannot change" in edit.json()["error"]["message"]

    client.post(f"{BASE}/{cid}/transition/", {"to_status": "prescription_done"}, format="json")
    done = client.post(f"{BASE}/{cid}/transition/", {"to_status": "completed"}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["consultation"]["status"] == "completed"
    assert done.json()["dispensed_item_ids"] == [item.json()["id"]]
    assert done.json()["invoice_id"] and done.json()["follow_up_prompt"]["needed"] is True
    late = client.post(f"{BASE}/{cid}/transition/", {"to_status": "in_examination"}, format="json")
    assert late.status_code == 409 and late.json()["error"]["code"] == "invalid_transition"


def test_warnings_come_back_as_a_409_with_keys_and_an_override_is_recorded(
    consultation_a, doctor_a, patient_a, medicines
):
    allergy_record(acting_user=doctor_a, patient=patient_a, allergen_type="drug", allergen_name="doxycycline")
    client = api_as(doctor_a)
    url = f"{BASE}/{consultation_a.pk}/prescription/items/"
    body = {
        "medicine_id": str(medicines["doxycycline"].pk),
        "dosage": "1 capsule",
        "frequency": "BD",
        "duration_value": 7,
    }
    refused = client.post(url, body, format="json")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "prescription_warning"
    (warning,) = error["warnings"]
    assert warning["kind"] == "allergy" and warning["key"].startswith("allergy:")

    body["overrides"] = [{"warning": warning["key"], "reason": "Rash was from the sun; patch test negative"}]
    accepted = client.post(url, body, format="json")
    assert accepted.status_code == 201
    override = PrescriptionWarningOverride.objects.get()
    assert (override.warning_key, override.overridden_by, override.reason) == (
        warning["key"],
        doctor_a,
        "Rash was from the sun; patch test negative",
    )
    rx = client.get(f"{BASE}/{consultation_a.pk}/prescription/").json()
    assert rx["overrides"][0]["reason"] == "Rash was from the sun; patch test negative"


# --- Who may see and change what --------------------------------------------------------------------


def test_a_doctor_of_another_branch_gets_404_and_nothing_is_logged(consultation_a, doctor_b):
    client = api_as(doctor_b)
    assert client.get(f"{BASE}/{consultation_a.pk}/").status_code == 404
    response = client.patch(f"{BASE}/{consultation_a.pk}/note/", {"sections": {"plan": "x"}}, format="json")
    assert response.status_code == 404
    assert logs(record_type="consultation") == 0


def test_another_doctor_of_the_branch_may_read_but_not_change(consultation_a, doctor_a2):
    client = api_as(doctor_a2)
    assert client.get(f"{BASE}/{consultation_a.pk}/").status_code == 200
    assert logs(record_type="consultation", user_id=doctor_a2.pk, access_type="view") == 1
    response = client.patch(f"{BASE}/{consultation_a.pk}/note/", {"sections": {"plan": "x"}}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == (
        f"Consultation {consultation_a.number} is Dr. Meera Rao's; only they can change it."
    )
    assert not hasattr(Consultation.objects.get(pk=consultation_a.pk), "note")
    moved = client.post(
        f"{BASE}/{consultation_a.pk}/transition/", {"to_status": "in_examination"}, format="json"
    )
    assert moved.status_code == 403


def test_a_nurse_records_vitals_but_cannot_change_the_notes(consultation_a, nurse_a):
    client = api_as(nurse_a)
    assert client.patch(f"{BASE}/{consultation_a.pk}/vitals/", {"spo2": 98}, format="json").status_code == 200
    assert (
        client.patch(
            f"{BASE}/{consultation_a.pk}/note/", {"sections": {"plan": "x"}}, format="json"
        ).status_code
        == 403
    )


def test_the_front_desk_sees_prescriptions_to_dispense_but_never_notes(
    consultation_a, doctor_a, front_desk_a, medicines
):
    draft = prescription_get_or_create_draft(acting_user=doctor_a, consultation=consultation_a)
    prescription_item_add(acting_user=doctor_a, prescription=draft, data=item_data(medicines["cetirizine"]))
    prescription_finalize(acting_user=doctor_a, prescription=draft)
    client = api_as(front_desk_a)
    assert client.get(f"{BASE}/{consultation_a.pk}/").status_code == 404
    rx = client.get(f"{BASE}/{consultation_a.pk}/prescription/")
    assert rx.status_code == 200 and rx.json()["number"] == draft.number
    assert logs(record_type="prescription", user_id=front_desk_a.pk, access_type="view") == 1
    assert client.post(f"{BASE}/prescriptions/{draft.pk}/dispense/").status_code == 200
    assert client.post(f"{BASE}/prescriptions/{draft.pk}/finalize/").status_code == 403


def test_every_read_of_the_consultation_writes_the_access_log(consultation_a, doctor_a):
    client = api_as(doctor_a)
    client.get(f"{BASE}/{consultation_a.pk}/", HTTP_USER_AGENT="Tablet/1.0")
    client.get(f"{BASE}/{consultation_a.pk}/")
    entries = AccessLog.objects.filter(record_type="consultation", record_id=str(consultation_a.pk))
    assert entries.count() == 2
    entry = entries.order_by("id").first()
    assert (entry.user_id, entry.patient_id, entry.access_type, entry.user_agent) == (
        doctor_a.pk,
        consultation_a.patient_id,
        "view",
        "Tablet/1.0",
    )


def test_anonymous_callers_are_refused(consultation_a, api):
    assert api.get(f"{BASE}/{consultation_a.pk}/").status_code in (401, 403)
    assert api.get(f"{BASE}/icd10/", {"q": "acne"}).status_code in (401, 403)


# --- Query counts ---------------------------------------------------------------------------------------


def _visit(doctor, branch, patient, medicines, icd, *, items: int, diagnoses: int) -> Consultation:
    appointment = checked_in_appointment(patient=patient, doctor_user=doctor, branch=branch)
    consultation = consultation_start(acting_user=doctor, appointment=appointment)
    for code in ["L70.0", "L81.0", "L50.0", "L20.9", "L40.0"][:diagnoses]:
        diagnosis_add(acting_user=doctor, consultation=consultation, code=icd.get(code=code))
    draft = prescription_get_or_create_draft(acting_user=doctor, consultation=consultation)
    for n in range(items):
        prescription_item_add(
            acting_user=doctor,
            prescription=draft,
            data=item_data(medicine_name=f"Emollient {n}", dosage="apply"),
        )
    return consultation


def _detail_queries(client, consultation) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{BASE}/{consultation.pk}/")
    assert response.status_code == 200
    return len(queries)


def test_the_detail_costs_the_same_queries_however_big_the_visit(doctor_a, branch_a, medicines, icd_skin):
    from tests.factories import make_patient

    client = api_as(doctor_a)
    counts = []
    for size in (1, 5):
        patient = make_patient(branch=branch_a, first_name=f"Size{size}")
        for n in range(size):
            allergy_record(
                acting_user=doctor_a, patient=patient, allergen_type="food", allergen_name=f"nut {n}"
            )
            medical_history_record(
                acting_user=doctor_a,
                patient=patient,
                condition_type="medication",
                condition_name=f"vitamin {n}",
            )
        previous = _visit(doctor_a, branch_a, patient, medicines, icd_skin, items=size, diagnoses=size)
        prescription_finalize(acting_user=doctor_a, prescription=previous.prescriptions.get())
        for step in ("in_examination", "prescription_done", "completed"):
            consultation_transition(acting_user=doctor_a, consultation=previous, to_status=step)
        current = _visit(doctor_a, branch_a, patient, medicines, icd_skin, items=size, diagnoses=size)
        payload = client.get(f"{BASE}/{current.pk}/").json()
        assert len(payload["prescription"]["items"]) == size and len(payload["allergies"]) == size
        assert len(payload["previous_visit"]["medicines"]) == size
        counts.append(_detail_queries(client, current))
    assert counts[0] == counts[1], counts


def test_the_queue_costs_the_same_queries_however_long(doctor_a, branch_a):
    from tests.factories import make_patient

    client = api_as(doctor_a)
    counts = []
    for size in (1, 6):
        for _ in range(size):
            checked_in_appointment(
                patient=make_patient(branch=branch_a), doctor_user=doctor_a, branch=branch_a
            )
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get(f"{BASE}/queue/").json()["results"]) >= size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_medicine_search_counts_only_usable_stock_in_one_query(doctor_a, branch_a, medicines):
    add_batch(medicines["doxycycline"], branch_a, quantity=7, expires_in_days=90)
    add_batch(medicines["doxycycline"], branch_a, quantity=5, expires_in_days=-1, received_days_ago=300)
    client = api_as(doctor_a)
    client.get(f"{BASE}/medicines/", {"q": "x"})  # warm the session and permission look-ups
    with CaptureQueriesContext(connection) as queries:
        results = client.get(f"{BASE}/medicines/", {"q": "do"}).json()["results"]
    assert [(m["generic_name"], m["stock"]) for m in results] == [("Doxycycline", 7)]
    medicine_queries = [q for q in queries.captured_queries if "clinic_medicine" in q["sql"]]
    assert len(medicine_queries) == 1


def test_the_openapi_schema_documents_the_consultation_endpoints(admin_user):
    client = api_as(admin_user)
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/consultations/start/",
        "/api/consultations/{consultation_id}/",
        "/api/consultations/{consultation_id}/vitals/",
        "/api/consultations/{consultation_id}/prescription/items/",
        "/api/consultations/prescriptions/{prescription_id}/pdf/",
        "/api/consultations/icd10/",
        "/api/emr/patients/{patient_id}/allergies/",
    ):
        assert path in paths, path
    consultation_paths = [p for p in paths if p.startswith("/api/consultations/")]
    assert len(consultation_paths) >= 15


def test_follow_up_date_must_be_after_today(consultation_a, doctor_a):
    response = api_as(doctor_a).patch(
        f"{BASE}/{consultation_a.pk}/prescription/",
        {"follow_up_date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 400 and "after today" in response.json()["error"]["message"]


@pytest.mark.parametrize("section", ["gossip"])
def test_unknown_note_sections_are_a_400(consultation_a, doctor_a, section):
    response = api_as(doctor_a).patch(
        f"{BASE}/{consultation_a.pk}/note/", {"sections": {section: "x"}}, format="json"
    )
    assert response.status_code == 400 and section in response.json()["error"]["fields"]
