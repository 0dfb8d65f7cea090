"""The back office for reference data (ICD-10, interaction rules, templates) and for allergies and
history: pages open, writes go through the services, opening a patient's record is access-logged."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from clinic.models import AccessLog
from consultations.models import InteractionRule
from emr.models import PatientAllergy
from emr.services import allergy_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def back_office(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@override_settings(ADMIN_REQUIRE_2FA=False)
@pytest.mark.parametrize(
    "name",
    [
        "consultations_diagnosiscode",
        "consultations_interactionrule",
        "consultations_notetemplate",
        "emr_patientallergy",
        "emr_patientmedicalhistory",
    ],
)
def test_the_lists_open(back_office, icd_skin, name):
    assert back_office.get(reverse(f"admin:{name}_changelist")).status_code == 200


@override_settings(ADMIN_REQUIRE_2FA=False)
def test_an_interaction_rule_is_edited_in_the_back_office(back_office):
    rule = InteractionRule.objects.get(drug_a="isotretinoin", drug_b="vitamin a")
    response = back_office.get(reverse("admin:consultations_interactionrule_change", args=[rule.pk]))
    assert (
        response.status_code == 200 and "Isotretinoin US prescribing information" in response.content.decode()
    )


@override_settings(ADMIN_REQUIRE_2FA=False)
def test_an_allergy_added_in_the_back_office_goes_through_the_service(back_office, admin_user, patient_a):
    response = back_office.post(
        reverse("admin:emr_patientallergy_add"),
        {
            "patient": str(patient_a.pk),
            "allergen_type": "drug",
            "allergen_name": "Amoxicillin",
            "drug_class": "Penicillin",
            "allergen_code": "",
            "reaction": "rash",
            "severity": "moderate",
            "onset_date": "",
            "notes": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    allergy = PatientAllergy.objects.get()
    assert (allergy.allergen_name, allergy.drug_class, allergy.recorded_by) == (
        "amoxicillin",
        "penicillin",
        admin_user,
    )

    back_office.get(reverse("admin:emr_patientallergy_change", args=[allergy.pk]))
    assert AccessLog.objects.filter(
        record_type="allergy", record_id=str(allergy.pk), reason="back office"
    ).exists()


@override_settings(ADMIN_REQUIRE_2FA=False)
def test_a_duplicate_active_allergy_in_the_back_office_adds_nothing(back_office, patient_a, doctor_a):
    allergy_record(acting_user=doctor_a, patient=patient_a, allergen_type="food", allergen_name="peanut")
    back_office.post(
        reverse("admin:emr_patientallergy_add"),
        {
            "patient": str(patient_a.pk),
            "allergen_type": "food",
            "allergen_name": "Peanut",
            "drug_class": "",
            "allergen_code": "",
            "reaction": "",
            "severity": "mild",
            "onset_date": "",
            "notes": "",
        },
    )
    assert PatientAllergy.objects.count() == 1
