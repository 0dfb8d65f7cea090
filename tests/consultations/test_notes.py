"""SOAP notes: per-section saves, templates, the AI draft with per-sentence evidence, verification
(who, when), and edits after verification kept in history."""

import pytest
from django.core.exceptions import ValidationError

from clinic.api_errors import Conflict
from consultations.models import ConsultationNote, NoteTemplate
from consultations.services.common import StaleEdit
from consultations.services.notes import (
    note_accept_ai_draft,
    note_apply_template,
    note_save_sections,
    note_verify,
)

DRAFT = {
    "draft_id": "2b0c0a1e-5f5e-4c7e-9d57-3f1d2a7c9e11",
    "confidence": 0.87,
    "sections": {
        "subjective": [
            {
                "text": "Pimples on the face for three months.",
                "evidence": [{"utterance_id": "u3", "quote": "these pimples started three months back"}],
            },
            {
                "text": "Worse before periods.",
                "evidence": [{"utterance_id": "u7", "quote": "more before my periods"}],
            },
        ],
        "assessment": [{"text": "Acne vulgaris, grade 2.", "evidence": []}],
        "plan": [
            {
                "text": "Start adapalene gel at night.",
                "evidence": [{"utterance_id": "u12", "quote": "adapalene"}],
            }
        ],
    },
}


def test_sections_save_one_at_a_time_and_a_repeat_writes_nothing(consultation_a, doctor_a):
    note = note_save_sections(
        acting_user=doctor_a, consultation=consultation_a, sections={"subjective": "Itchy scalp"}
    )
    note = note_save_sections(
        acting_user=doctor_a, consultation=consultation_a, sections={"plan": "Ketoconazole shampoo"}
    )
    assert (note.subjective, note.plan, note.source) == ("Itchy scalp", "Ketoconazole shampoo", "manual")
    assert note.section_sources == {"subjective": "manual", "plan": "manual"}
    count = note.history.count()
    note_save_sections(
        acting_user=doctor_a, consultation=consultation_a, sections={"plan": "Ketoconazole shampoo "}
    )
    assert note.history.count() == count


def test_an_unknown_section_is_refused(consultation_a, doctor_a):
    with pytest.raises(ValidationError) as refused:
        note_save_sections(acting_user=doctor_a, consultation=consultation_a, sections={"gossip": "x"})
    assert "Not a note section" in refused.value.message_dict["gossip"][0]


def test_a_template_fills_only_the_empty_sections(consultation_a, doctor_a):
    template = NoteTemplate.objects.get(consultation_type="initial")  # from migration 0003
    note_save_sections(acting_user=doctor_a, consultation=consultation_a, sections={"plan": "My own plan"})
    note = note_apply_template(acting_user=doctor_a, consultation=consultation_a, template=template)
    assert note.plan == "My own plan"
    assert note.history_of_present_illness.startswith("Onset:")
    assert note.template == template


def test_the_ai_draft_is_stored_with_its_evidence_and_keeps_what_the_doctor_wrote(consultation_a, doctor_a):
    note_save_sections(
        acting_user=doctor_a, consultation=consultation_a, sections={"plan": "Doctor's own plan"}
    )
    note = note_accept_ai_draft(acting_user=doctor_a, consultation=consultation_a, draft=DRAFT)

    assert note.subjective == "Pimples on the face for three months. Worse before periods."
    assert note.plan == "Doctor's own plan"
    assert note.source == "ai_draft" and str(note.ai_draft_id) == DRAFT["draft_id"]
    assert str(note.ai_confidence_score) == "0.87"
    assert note.section_sources == {"plan": "manual", "subjective": "ai_draft", "assessment": "ai_draft"}
    assert note.evidence["subjective"][0] == {
        "text": "Pimples on the face for three months.",
        "evidence": [{"utterance_id": "u3", "quote": "these pimples started three months back"}],
    }
    assert "plan" not in note.evidence
    assert note.verified_at is None
    consultation_a.refresh_from_db()
    assert consultation_a.voice_assisted

    edited = note_save_sections(
        acting_user=doctor_a, consultation=consultation_a, sections={"assessment": "Acne vulgaris, grade 3."}
    )
    assert edited.section_sources["assessment"] == "ai_edited"


@pytest.mark.parametrize(
    "draft",
    [
        {"sections": {"subjective": [{"text": "", "evidence": []}]}},
        {"sections": {"subjective": [{"text": "x", "evidence": [{"quote": "no id"}]}]}},
        {"sections": {"nonsense": [{"text": "x"}]}},
        {"sections": "text"},
        {"sections": {"plan": [{"text": "x"}]}, "confidence": 7},
    ],
)
def test_a_malformed_draft_is_refused_and_nothing_is_written(consultation_a, doctor_a, draft):
    with pytest.raises(ValidationError):
        note_accept_ai_draft(acting_user=doctor_a, consultation=consultation_a, draft=draft)
    assert not ConsultationNote.objects.exists()


def test_verification_records_who_and_when_and_later_edits_keep_history(consultation_a, doctor_a):
    note_accept_ai_draft(acting_user=doctor_a, consultation=consultation_a, draft=DRAFT)
    note = note_verify(acting_user=doctor_a, consultation=consultation_a)
    assert note.verified_by == doctor_a and note.verified_at is not None

    edited = note_save_sections(
        acting_user=doctor_a,
        consultation=consultation_a,
        sections={"plan": "Adapalene 0.1% gel at night; sunscreen"},
    )
    assert edited.edited_after_verification and edited.verified_by == doctor_a
    versions = list(
        edited.history.order_by("history_date").values_list("plan", "history_change_reason", "history_user")
    )
    assert versions[-2][0] == "Start adapalene gel at night."
    assert versions[-1] == (
        "Adapalene 0.1% gel at night; sunscreen",
        "edited after verification: plan",
        doctor_a.pk,
    )

    with pytest.raises(Conflict, match="verified"):
        note_accept_ai_draft(acting_user=doctor_a, consultation=consultation_a, draft=DRAFT)


def test_nothing_to_verify_is_refused(consultation_a, doctor_a):
    with pytest.raises(ValidationError, match="nothing to verify"):
        note_verify(acting_user=doctor_a, consultation=consultation_a)


def test_an_edit_from_an_old_copy_is_a_conflict(consultation_a, doctor_a):
    note = note_save_sections(acting_user=doctor_a, consultation=consultation_a, sections={"plan": "one"})
    seen = note.updated_at
    note_save_sections(acting_user=doctor_a, consultation=consultation_a, sections={"plan": "two"})
    with pytest.raises(StaleEdit):
        note_save_sections(
            acting_user=doctor_a,
            consultation=consultation_a,
            sections={"plan": "three"},
            expected_updated_at=seen,
        )
    assert ConsultationNote.objects.get().plan == "two"
