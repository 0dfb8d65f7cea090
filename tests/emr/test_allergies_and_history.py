"""A patient's allergies and medical history (seed 9.2): recorded once, corrected with history,
deactivated with a reason; over the API, each read access-logged and each patient reachable only
by the clinicians of their branch or a doctor seeing them now."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.api_errors import Conflict
from clinic.models import AccessLog
from emr.models import PatientAllergy, PatientMedicalHistory
from emr.services import (
    StaleEdit,
    allergy_record,
    allergy_set_status,
    allergy_update,
    medical_history_record,
    medical_history_update,
)
from tests.conftest import api_as


def test_an_allergy_is_recorded_once_with_who_and_when(patient_a, doctor_a):
    allergy = allergy_record(
        acting_user=doctor_a,
        patient=patient_a,
        allergen_type="drug",
        allergen_name=" Sulfamethoxazole ",
        drug_class="Sulfonamide",
        reaction="Stevens-Johnson syndrome",
        severity="life_threatening",
    )
    assert (allergy.allergen_name, allergy.drug_class, allergy.status, allergy.recorded_by) == (
        "sulfamethoxazole",
        "sulfonamide",
        "active",
        doctor_a,
    )
    again = allergy_record(
        acting_user=doctor_a, patient=patient_a, allergen_type="drug", allergen_name="SULFAMETHOXAZOLE"
    )
    assert again.pk == allergy.pk and PatientAllergy.objects.count() == 1
    assert allergy.history.get().history_user == doctor_a


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"allergen_type": "drug", "allergen_name": "  "}, "allergen_name"),
        ({"allergen_type": "food", "allergen_name": "peanut", "drug_class": "nut"}, "drug_class"),
        ({"allergen_type": "pollen", "allergen_name": "grass"}, "allergen_type"),
        (
            {
                "allergen_type": "drug",
                "allergen_name": "x",
                "onset_date": timezone.localdate() + datetime.timedelta(days=2),
            },
            "onset_date",
        ),
    ],
)
def test_bad_allergies_are_refused_and_nothing_is_saved(patient_a, doctor_a, data, field):
    with pytest.raises(ValidationError) as refused:
        allergy_record(acting_user=doctor_a, patient=patient_a, **data)
    assert field in refused.value.message_dict
    assert not PatientAllergy.objects.exists()


def test_corrections_and_deactivation_keep_history(patient_a, doctor_a, nurse_a):
    allergy = allergy_record(
        acting_user=nurse_a, patient=patient_a, allergen_type="food", allergen_name="Prawns"
    )
    allergy_update(
        acting_user=doctor_a, allergy=allergy, data={"reaction": "lip swelling", "severity": "severe"}
    )
    count = allergy.history.count()
    allergy_update(acting_user=doctor_a, allergy=allergy, data={"reaction": "lip swelling"})
    assert allergy.history.count() == count  # the same values again: nothing written
    with pytest.raises(ValidationError, match="Say why"):
        allergy_set_status(acting_user=doctor_a, allergy=allergy, status="inactive", reason="")
    allergy_set_status(
        acting_user=doctor_a, allergy=allergy, status="inactive", reason="Tolerated in hospital"
    )
    reasons = list(
        allergy.history.order_by("history_date").values_list("history_change_reason", "severity", "status")
    )
    assert reasons == [
        ("recorded", "moderate", "active"),
        ("changed reaction, severity", "severe", "active"),
        ("inactive: Tolerated in hospital", "severe", "inactive"),
    ]
    allergy_record(acting_user=doctor_a, patient=patient_a, allergen_type="food", allergen_name="prawns")
    with pytest.raises(Conflict, match="already an active allergy"):
        allergy_set_status(acting_user=doctor_a, allergy=allergy, status="active", reason="recurred")


def test_an_edit_from_an_old_copy_is_refused(patient_a, doctor_a):
    allergy = allergy_record(
        acting_user=doctor_a, patient=patient_a, allergen_type="drug", allergen_name="penicillin"
    )
    seen = allergy.updated_at
    allergy_update(acting_user=doctor_a, allergy=allergy, data={"reaction": "rash"})
    with pytest.raises(StaleEdit):
        allergy_update(
            acting_user=doctor_a, allergy=allergy, data={"reaction": "hives"}, expected_updated_at=seen
        )


def test_history_entries_resolve_and_keep_history(patient_a, doctor_a):
    entry = medical_history_record(
        acting_user=doctor_a,
        patient=patient_a,
        condition_type="chronic",
        condition_name="Type 2 diabetes",
        condition_code="e11.9",
        onset_date=datetime.date(2019, 5, 1),
        severity="moderate",
    )
    assert (entry.condition_code, entry.is_current, entry.source) == ("E11.9", True, "self_reported")
    updated = medical_history_update(
        acting_user=doctor_a, entry=entry, data={"resolution_date": datetime.date(2020, 1, 1)}
    )
    assert updated.is_current is False
    with pytest.raises(ValidationError, match="before the onset date"):
        medical_history_update(
            acting_user=doctor_a, entry=entry, data={"resolution_date": datetime.date(2018, 1, 1)}
        )
    assert entry.history.count() == 2
    assert PatientMedicalHistory.objects.get().resolution_date == datetime.date(2020, 1, 1)


# --- API -------------------------------------------------------------------------------------------------


def test_allergies_over_the_api_with_every_read_logged(patient_a, front_desk_a):
    client = api_as(front_desk_a)
    url = f"/api/emr/patients/{patient_a.pk}/allergies/"
    created = client.post(
        url,
        {"allergen_type": "drug", "allergen_name": "Ibuprofen", "drug_class": "NSAID", "reaction": "wheeze"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    listed = client.get(url).json()["results"]
    assert [(a["allergen_name"], a["drug_class"]) for a in listed] == [("ibuprofen", "nsaid")]
    entry = AccessLog.objects.get(record_type="allergy_list")
    assert (entry.user_id, entry.patient_id, entry.access_type) == (front_desk_a.pk, patient_a.pk, "view")

    changed = client.patch(
        f"/api/emr/allergies/{created.json()['id']}/", {"severity": "severe"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["severity"] == "severe"
    stale = client.patch(
        f"/api/emr/allergies/{created.json()['id']}/",
        {"severity": "mild", "expected_updated_at": created.json()["updated_at"]},
        format="json",
    )
    assert stale.status_code == 409
    off = client.post(
        f"/api/emr/allergies/{created.json()['id']}/status/",
        {"status": "inactive", "reason": "Error"},
        format="json",
    )
    assert off.json()["status"] == "inactive"
    assert client.get(url).json()["results"] == []
    assert len(client.get(url, {"include_inactive": "true"}).json()["results"]) == 1


def test_history_is_for_clinicians_only(patient_a, front_desk_a, doctor_a):
    url = f"/api/emr/patients/{patient_a.pk}/history/"
    assert api_as(front_desk_a).get(url).status_code == 404
    doctor = api_as(doctor_a)
    created = doctor.post(
        url, {"condition_type": "medication", "condition_name": "Metformin 500 mg"}, format="json"
    )
    assert created.status_code == 201
    assert [e["condition_name"] for e in doctor.get(url).json()["results"]] == ["Metformin 500 mg"]
    assert AccessLog.objects.filter(record_type="medical_history", user_id=doctor_a.pk).count() == 1
    patched = doctor.patch(f"/api/emr/history/{created.json()['id']}/", {"is_current": False}, format="json")
    assert patched.json()["is_current"] is False


def test_another_branchs_patient_is_out_of_reach_unless_being_seen(patient_a, doctor_b, branch_a):
    from consultations.services.workflow import consultation_start
    from tests.consultations.conftest import checked_in_appointment, staff

    url = f"/api/emr/patients/{patient_a.pk}/allergies/"
    client = api_as(doctor_b)
    assert client.get(url).status_code == 404
    assert not AccessLog.objects.exists()

    # Dr B sees the patient today (a visit at branch A, say on a rotation): the care relationship opens it.
    staff(doctor_b).branches.add(branch_a)
    appointment = checked_in_appointment(patient=patient_a, doctor_user=doctor_b, branch=branch_a)
    consultation_start(acting_user=doctor_b, appointment=appointment)
    staff(doctor_b).branches.remove(branch_a)
    assert client.get(url).status_code == 200
