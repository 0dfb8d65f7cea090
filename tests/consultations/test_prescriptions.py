"""The prescription builder: complete items only, Indian frequency presets and computed quantities,
allergy and interaction warnings that block until overridden with a reason (recorded), finalized
prescriptions immutable, amendments as new versions."""

import pytest
from django.core.exceptions import ValidationError

from consultations import dosing
from consultations.models import (
    InteractionRule,
    Prescription,
    PrescriptionItem,
    PrescriptionStatus,
    PrescriptionWarningOverride,
)
from consultations.services.prescriptions import (
    PrescriptionNotEditable,
    PrescriptionWarnings,
    items_hash,
    prescription_amend,
    prescription_finalize,
    prescription_get_or_create_draft,
    prescription_item_add,
    prescription_item_remove,
    prescription_item_update,
)
from emr.services import allergy_record, medical_history_record
from tests.consultations.conftest import item_data


@pytest.fixture
def draft(consultation_a, doctor_a):
    return prescription_get_or_create_draft(acting_user=doctor_a, consultation=consultation_a)


def add(draft, user, data, **kwargs):
    return prescription_item_add(acting_user=user, prescription=draft, data=data, **kwargs)


# --- Complete items, presets, quantities -------------------------------------------------------------


@pytest.mark.parametrize(
    ("missing", "field", "message"),
    [
        ({"dosage": ""}, "dosage", "Enter the dose"),
        ({"frequency": ""}, "frequency", "Choose how often"),
        ({"frequency": "sometimes"}, "frequency", "'sometimes' is not a frequency we know"),
        ({"duration_value": None}, "duration_value", "Enter for how long"),
        ({"duration_value": 0}, "duration_value", "Enter for how long"),
    ],
)
def test_an_item_without_dose_frequency_or_duration_is_refused(
    draft, doctor_a, medicines, missing, field, message
):
    with pytest.raises(ValidationError) as refused:
        add(draft, doctor_a, item_data(medicines["cetirizine"], **missing))
    assert message in refused.value.message_dict[field][0]
    assert not PrescriptionItem.objects.exists()


def test_an_external_medicine_needs_a_name_and_cannot_be_dispensed_here(draft, doctor_a):
    with pytest.raises(ValidationError) as refused:
        add(draft, doctor_a, item_data())
    assert "type its name" in refused.value.message_dict["medicine_name"][0]
    with pytest.raises(ValidationError):
        add(draft, doctor_a, item_data(medicine_name="Sebamed cleanser", is_in_house=True))
    item = add(
        draft, doctor_a, item_data(medicine_name="Sebamed Clear Face gel", dosage="apply", route="topical")
    )
    assert (item.medicine_id, item.generic_name, item.quantity) == (None, "", None)


@pytest.mark.parametrize(
    ("given", "normal", "per_day"),
    [
        ("bd", "BD", 2),
        ("1 - 0 - 1", "1-0-1", 2),
        ("TDS", "TDS", 3),
        ("qid", "QID", 4),
        ("HS", "HS", 1),
        ("prn", "SOS", None),
        ("1-1-1-1", "1-1-1-1", 4),
        ("½-0-½", "½-0-½", 1),
        ("OD", "OD", 1),
    ],
)
def test_frequency_presets_in_indian_notation(given, normal, per_day):
    assert dosing.frequency_normalize(given) == normal
    assert dosing.doses_per_day(normal) == per_day


def test_quantity_is_computed_where_it_can_be(draft, doctor_a, medicines):
    doxy = add(
        draft,
        doctor_a,
        item_data(
            medicines["doxycycline"],
            dosage="1 capsule",
            frequency="1-0-1",
            duration_value=2,
            duration_unit="weeks",
        ),
    )
    assert doxy.quantity == 28 and doxy.route == "oral" and doxy.timing == ""
    cream = add(draft, doctor_a, item_data(medicines["tretinoin"], dosage="pea-sized amount", frequency="HS"))
    assert cream.quantity is None and cream.route == "topical"
    sos = add(draft, doctor_a, item_data(medicines["cetirizine"], frequency="SOS"))
    assert sos.quantity is None and sos.is_sos
    taper = add(
        draft,
        doctor_a,
        item_data(
            medicine_name="Prednisolone 10 mg tablet",
            generic_name="prednisolone",
            dosage="2 tablets",
            frequency="OD",
            duration_value=5,
            taper_schedule=[
                {"dosage": "1 tablet", "frequency": "OD", "duration_value": 5, "duration_unit": "days"},
                {"dosage": "½ tablet", "frequency": "OD", "duration_value": 4, "duration_unit": "days"},
            ],
        ),
    )
    assert taper.is_tapering and taper.quantity == 10 + 5 + 2
    given = add(
        draft, doctor_a, item_data(medicines["amoxiclav"], frequency="BD", duration_value=5, quantity=12)
    )
    assert given.quantity == 12


def test_a_retried_add_with_the_same_client_id_adds_once(draft, doctor_a, medicines):
    import uuid

    item_id = uuid.uuid4()
    first = add(draft, doctor_a, item_data(medicines["cetirizine"]), item_id=item_id)
    second = add(draft, doctor_a, item_data(medicines["cetirizine"]), item_id=item_id)
    assert first.pk == second.pk == item_id
    assert draft.items.count() == 1


# --- Allergy and interaction warnings ------------------------------------------------------------------


def test_an_allergy_by_generic_name_blocks_until_overridden_with_a_reason(
    draft, doctor_a, patient_a, medicines, nurse_a
):
    allergy = allergy_record(
        acting_user=nurse_a,
        patient=patient_a,
        allergen_type="drug",
        allergen_name="Cetirizine",
        reaction="urticaria",
        severity="moderate",
    )
    with pytest.raises(PrescriptionWarnings) as refused:
        add(draft, doctor_a, item_data(medicines["cetirizine"]))
    (warning,) = refused.value.extra["warnings"]
    assert warning["key"] == f"allergy:{allergy.pk}" and warning["kind"] == "allergy"
    assert warning["message"] == (
        "Allergy: the patient is allergic to cetirizine (urticaria), moderate; "
        "Cetirizine 10 mg tablet (Cetzine) contains cetirizine."
    )
    assert not PrescriptionItem.objects.exists()

    with pytest.raises(ValidationError, match="Give a reason"):
        add(draft, doctor_a, item_data(medicines["cetirizine"]), overrides={warning["key"]: "  "})

    item = add(
        draft,
        doctor_a,
        item_data(medicines["cetirizine"]),
        overrides={warning["key"]: "Tolerated levocetirizine last year; observe 30 minutes"},
    )
    override = PrescriptionWarningOverride.objects.get()
    assert (override.item, override.warning_key, override.kind, override.allergy, override.overridden_by) == (
        item,
        warning["key"],
        "allergy",
        allergy,
        doctor_a,
    )
    assert override.reason == "Tolerated levocetirizine last year; observe 30 minutes"
    assert override.message == warning["message"] and override.overridden_at is not None


def test_an_allergy_to_a_drug_class_warns_for_every_member(draft, doctor_a, patient_a, medicines):
    allergy_record(
        acting_user=doctor_a,
        patient=patient_a,
        allergen_type="drug",
        allergen_name="ampicillin",
        drug_class="Penicillin",
        reaction="anaphylaxis",
        severity="life_threatening",
    )
    with pytest.raises(PrescriptionWarnings) as refused:
        add(draft, doctor_a, item_data(medicines["amoxiclav"]))
    (warning,) = refused.value.extra["warnings"]
    assert warning["severity"] == "contraindicated"
    assert "is in the same class (penicillin)" in warning["message"]


def test_an_inactive_allergy_does_not_warn(draft, doctor_a, patient_a, medicines):
    from emr.services import allergy_set_status

    allergy = allergy_record(
        acting_user=doctor_a, patient=patient_a, allergen_type="drug", allergen_name="cetirizine"
    )
    allergy_set_status(
        acting_user=doctor_a, allergy=allergy, status="inactive", reason="Negative challenge test"
    )
    add(draft, doctor_a, item_data(medicines["cetirizine"]))


def test_the_starter_rules_warn_of_isotretinoin_with_a_tetracycline(draft, doctor_a, medicines):
    add(draft, doctor_a, item_data(medicines["isotretinoin"], dosage="1 capsule"))
    with pytest.raises(PrescriptionWarnings) as refused:
        add(draft, doctor_a, item_data(medicines["doxycycline"], dosage="1 capsule", frequency="BD"))
    (warning,) = refused.value.extra["warnings"]
    rule = InteractionRule.objects.get(drug_a="isotretinoin", drug_b_kind="class", drug_b="tetracycline")
    assert warning["key"].startswith(f"interaction:{rule.pk}:item:")
    assert warning["severity"] == "contraindicated"
    assert "pseudotumor cerebri" in warning["message"]
    assert warning["source"] == (
        "Isotretinoin US prescribing information (e.g. Absorica, Claravis), Warnings and Precautions: "
        "Pseudotumor cerebri"
    )
    item = add(
        draft,
        doctor_a,
        item_data(medicines["doxycycline"], dosage="1 capsule", frequency="BD"),
        overrides={warning["key"]: "Isotretinoin to be stopped today; doxycycline bridge"},
    )
    assert PrescriptionWarningOverride.objects.get(item=item).rule == rule


def test_interactions_with_what_the_patient_already_takes(draft, doctor_a, patient_a, medicines):
    statin = medical_history_record(
        acting_user=doctor_a,
        patient=patient_a,
        condition_type="medication",
        condition_name="Simvastatin 20 mg",
    )
    statin.condition_name = "simvastatin"
    statin.save()
    with pytest.raises(PrescriptionWarnings) as refused:
        add(draft, doctor_a, item_data(medicines["itraconazole"], dosage="1 capsule", frequency="BD"))
    (warning,) = refused.value.extra["warnings"]
    assert warning["key"].endswith(f":medication:{statin.pk}")
    assert "which the patient already takes" in warning["message"]
    assert warning["other_medication_id"] == str(statin.pk)


def test_rules_for_drugs_in_the_blood_skip_shampoos_and_creams(draft, doctor_a, patient_a, medicines):
    medical_history_record(
        acting_user=doctor_a, patient=patient_a, condition_type="medication", condition_name="simvastatin"
    )
    item = add(draft, doctor_a, item_data(medicines["ketoconazole"], dosage="apply", frequency="ALT"))
    assert item.route == "scalp"


def test_a_change_is_checked_again(draft, doctor_a, medicines):
    add(draft, doctor_a, item_data(medicines["isotretinoin"], dosage="1 capsule"))
    item = add(draft, doctor_a, item_data(medicines["cetirizine"]))
    with pytest.raises(PrescriptionWarnings):
        prescription_item_update(acting_user=doctor_a, item=item, data={"medicine": medicines["doxycycline"]})
    assert PrescriptionItem.objects.get(pk=item.pk).medicine == medicines["cetirizine"]
    updated = prescription_item_update(acting_user=doctor_a, item=item, data={"duration_value": 5})
    assert updated.quantity == 5


# --- Finalized is final; amendments -----------------------------------------------------------------------


@pytest.fixture
def finalized(draft, doctor_a, medicines):
    add(draft, doctor_a, item_data(medicines["cetirizine"]))
    return prescription_finalize(acting_user=doctor_a, prescription=draft)


def test_finalizing_fixes_the_time_the_signer_and_the_fingerprint(finalized, doctor_a):
    assert finalized.status == PrescriptionStatus.FINALIZED
    assert finalized.finalized_by == doctor_a and finalized.finalized_at is not None
    assert finalized.items_hash == items_hash(finalized) and len(finalized.items_hash) == 64
    assert finalized.number.startswith("RX-BLR-")


def test_a_finalized_prescription_cannot_change(finalized, doctor_a, medicines):
    item = finalized.items.get()
    snapshot = (finalized.items_hash, list(PrescriptionItem.objects.values_list("id", "dosage", "frequency")))
    with pytest.raises(PrescriptionNotEditable, match="is finalized and cannot change"):
        add(finalized, doctor_a, item_data(medicines["tretinoin"], dosage="apply"))
    with pytest.raises(PrescriptionNotEditable, match="is finalized"):
        prescription_item_update(acting_user=doctor_a, item=item, data={"dosage": "2 tablets"})
    with pytest.raises(PrescriptionNotEditable, match="is finalized"):
        prescription_item_remove(acting_user=doctor_a, item=item)
    with pytest.raises(PrescriptionNotEditable, match="was already finalized on"):
        prescription_finalize(acting_user=doctor_a, prescription=finalized)
    finalized.refresh_from_db()
    assert (
        finalized.items_hash,
        list(PrescriptionItem.objects.values_list("id", "dosage", "frequency")),
    ) == snapshot


def test_an_allergy_recorded_after_the_item_is_caught_at_finalizing(draft, doctor_a, patient_a, medicines):
    add(draft, doctor_a, item_data(medicines["cetirizine"]))
    allergy_record(acting_user=doctor_a, patient=patient_a, allergen_type="drug", allergen_name="cetirizine")
    with pytest.raises(PrescriptionWarnings, match="not overridden"):
        prescription_finalize(acting_user=doctor_a, prescription=draft)
    assert Prescription.objects.get(pk=draft.pk).status == PrescriptionStatus.DRAFT


def test_an_empty_draft_cannot_be_finalized(draft, doctor_a):
    with pytest.raises(ValidationError, match="at least one medicine"):
        prescription_finalize(acting_user=doctor_a, prescription=draft)


def test_an_amendment_is_a_new_version_pointing_at_the_old_one(finalized, doctor_a, patient_a, medicines):
    allergy = allergy_record(
        acting_user=doctor_a, patient=patient_a, allergen_type="drug", allergen_name="tretinoin"
    )
    with pytest.raises(ValidationError, match="Say why"):
        prescription_amend(acting_user=doctor_a, prescription=finalized, reason="")
    v2 = prescription_amend(acting_user=doctor_a, prescription=finalized, reason="Add a cream")
    assert (v2.number, v2.version, v2.amends, v2.status) == (
        finalized.number,
        2,
        finalized,
        PrescriptionStatus.DRAFT,
    )
    assert v2.verification_token != finalized.verification_token
    assert list(v2.items.values_list("medicine_name", flat=True)) == ["Cetirizine 10 mg tablet (Cetzine)"]
    assert prescription_amend(acting_user=doctor_a, prescription=finalized, reason="again").pk == v2.pk

    add(
        v2,
        doctor_a,
        item_data(medicines["tretinoin"], dosage="apply"),
        overrides={f"allergy:{allergy.pk}": "Patch-tested"},
    )
    finalized.refresh_from_db()
    assert finalized.status == PrescriptionStatus.FINALIZED  # valid until the amendment is signed
    prescription_finalize(acting_user=doctor_a, prescription=v2)
    finalized.refresh_from_db()
    assert finalized.status == PrescriptionStatus.AMENDED
    assert finalized.amended_by == v2
    with pytest.raises(PrescriptionNotEditable, match="already amended by"):
        prescription_amend(acting_user=doctor_a, prescription=finalized, reason="once more")


def test_overrides_are_carried_into_the_amendment(draft, doctor_a, patient_a, medicines):
    allergy = allergy_record(
        acting_user=doctor_a, patient=patient_a, allergen_type="drug", allergen_name="cetirizine"
    )
    add(
        draft,
        doctor_a,
        item_data(medicines["cetirizine"]),
        overrides={f"allergy:{allergy.pk}": "Tolerated before"},
    )
    prescription_finalize(acting_user=doctor_a, prescription=draft)
    v2 = prescription_amend(acting_user=doctor_a, prescription=draft, reason="Longer course")
    prescription_item_update(acting_user=doctor_a, item=v2.items.get(), data={"duration_value": 20})
    prescription_finalize(acting_user=doctor_a, prescription=v2)
    assert v2.overrides.get().reason == "Tolerated before"
