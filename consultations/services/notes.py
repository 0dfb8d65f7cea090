"""SOAP notes: typed by hand (optionally from a template), or accepted from the voice pipeline's
draft with each sentence's evidence from the transcript; then verified by the doctor.

Each section saves on its own, so the tablet can save as it goes; saving the same text again
writes nothing. Every change, including any made after verification, keeps a history row.
"""

import datetime
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic.api_errors import Conflict
from consultations.models import (
    NOTE_SECTIONS,
    Consultation,
    ConsultationNote,
    NoteSource,
    NoteTemplate,
)
from consultations.services.common import check_fresh, lock_consultation, require_open, save_with_history

SECTION_MAX_CHARS = 20_000
AI_EDITED = "ai_edited"


def _unknown_sections(names) -> None:
    unknown = sorted(set(names) - set(NOTE_SECTIONS))
    if unknown:
        raise ValidationError(
            {name: [f"Not a note section. Sections: {', '.join(NOTE_SECTIONS)}."] for name in unknown}
        )


def _note_for_update(consultation: Consultation, acting_user) -> tuple[ConsultationNote, bool]:
    """The consultation's note, locked; created (empty) when there is none yet."""
    note = ConsultationNote.objects.select_for_update().filter(consultation=consultation).first()
    if note is not None:
        return note, False
    note = ConsultationNote(consultation=consultation, created_by=acting_user)
    try:
        with transaction.atomic():
            save_with_history(note, acting_user=acting_user, reason="created")
    except IntegrityError:  # another tab created it first
        return ConsultationNote.objects.select_for_update().get(consultation=consultation), False
    return note, True


def _after_verification(note: ConsultationNote) -> list[str]:
    if note.is_verified and not note.edited_after_verification:
        note.edited_after_verification = True
        return ["edited_after_verification"]
    return []


def _editable(consultation: Consultation) -> Consultation:
    """Notes stay correctable after completion (history shows it); not on a cancelled visit."""
    locked = lock_consultation(consultation)
    if locked.status == "cancelled":
        require_open(locked, "editing the notes")
    return locked


@transaction.atomic
def note_save_sections(
    *,
    acting_user,
    consultation: Consultation,
    sections: dict[str, str],
    expected_updated_at: datetime.datetime | None = None,
) -> ConsultationNote:
    """Save the given sections' text as the doctor typed it."""
    _unknown_sections(sections)
    locked = _editable(consultation)
    note, _ = _note_for_update(locked, acting_user)
    check_fresh(note, expected_updated_at, "note")
    changed = []
    sources = dict(note.section_sources)
    for name, text in sections.items():
        text = (text or "").strip()
        if len(text) > SECTION_MAX_CHARS:
            raise ValidationError({name: [f"Keep a section under {SECTION_MAX_CHARS:,} characters."]})
        if getattr(note, name) == text:
            continue
        setattr(note, name, text)
        changed.append(name)
        sources[name] = (
            AI_EDITED if sources.get(name) in (NoteSource.AI_DRAFT, AI_EDITED) else NoteSource.MANUAL
        )
    if not changed:
        return note
    note.section_sources = sources
    extra = _after_verification(note)
    reason = f"{'edited after verification' if extra or note.is_verified else 'edited'}: {', '.join(changed)}"
    save_with_history(
        note, acting_user=acting_user, reason=reason, fields=[*changed, "section_sources", *extra]
    )
    return note


@transaction.atomic
def note_apply_template(
    *, acting_user, consultation: Consultation, template: NoteTemplate
) -> ConsultationNote:
    """Fill the empty sections from a template; text already written is never replaced."""
    if not template.is_active:
        raise ValidationError({"template": [f"The template '{template.name}' is no longer in use."]})
    _unknown_sections(template.sections)
    locked = _editable(consultation)
    note, _ = _note_for_update(locked, acting_user)
    changed = []
    sources = dict(note.section_sources)
    for name, text in template.sections.items():
        if not getattr(note, name).strip() and (text or "").strip():
            setattr(note, name, text.strip())
            sources[name] = NoteSource.MANUAL
            changed.append(name)
    if not changed and note.template_id == template.pk:
        return note
    note.template = template
    note.section_sources = sources
    extra = _after_verification(note)
    save_with_history(
        note,
        acting_user=acting_user,
        reason=f"template {template.name}"[:100],
        fields=[*changed, "template", "section_sources", *extra],
    )
    return note


def _clean_draft(
    draft: dict[str, Any],
) -> tuple[dict[str, str], dict[str, list[dict]], uuid.UUID | None, Decimal | None]:
    """The voice pipeline's draft: {"draft_id", "confidence", "sections": {section: [{"text",
    "evidence": [{"utterance_id", "quote"}]}]}} -> section texts and per-sentence evidence."""
    if not isinstance(draft, dict) or not isinstance(draft.get("sections"), dict):
        raise ValidationError({"draft": ["A draft has 'sections': {section: [sentences]}."]})
    _unknown_sections(draft["sections"])
    texts, evidence = {}, {}
    for name, sentences in draft["sections"].items():
        if not isinstance(sentences, list):
            raise ValidationError({name: ["A section is a list of sentences."]})
        kept = []
        for n, sentence in enumerate(sentences, 1):
            text = (
                " ".join(str((sentence or {}).get("text", "")).split()) if isinstance(sentence, dict) else ""
            )
            if not text:
                raise ValidationError({name: [f"Sentence {n} has no text."]})
            links = sentence.get("evidence") or []
            if not isinstance(links, list) or not all(
                isinstance(link, dict)
                and str(link.get("utterance_id", "")).strip()
                and isinstance(link.get("quote"), str)
                for link in links
            ):
                raise ValidationError(
                    {name: [f"Sentence {n}: evidence is a list of {{utterance_id, quote}}."]}
                )
            kept.append(
                {
                    "text": text,
                    "evidence": [
                        {"utterance_id": str(link["utterance_id"]), "quote": link["quote"]} for link in links
                    ],
                }
            )
        if kept:
            texts[name] = " ".join(s["text"] for s in kept)
            evidence[name] = kept
    if not texts:
        raise ValidationError({"draft": ["The draft has no text."]})
    draft_id = draft.get("draft_id")
    try:
        draft_id = uuid.UUID(str(draft_id)) if draft_id else None
    except ValueError:
        raise ValidationError({"draft_id": ["Not a valid id."]}) from None
    confidence = draft.get("confidence")
    if confidence is not None:
        try:
            confidence = Decimal(str(confidence)).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise ValidationError({"confidence": ["A number between 0 and 1."]}) from None
        if not Decimal(0) <= confidence <= Decimal(1):
            raise ValidationError({"confidence": ["A number between 0 and 1."]})
    return texts, evidence, draft_id, confidence


@transaction.atomic
def note_accept_ai_draft(
    *, acting_user, consultation: Consultation, draft: dict[str, Any]
) -> ConsultationNote:
    """Put the voice pipeline's draft into the note for the doctor to review. Sections the doctor
    has already written by hand keep the doctor's text. Accepting the same draft again changes
    nothing; a verified note takes no new draft."""
    texts, evidence, draft_id, confidence = _clean_draft(draft)
    locked = _editable(consultation)
    note, _ = _note_for_update(locked, acting_user)
    if note.is_verified:
        raise Conflict(
            "The notes are verified; edit them directly rather than accepting a new draft.",
            code="note_verified",
        )
    sources = dict(note.section_sources)
    changed = []
    all_evidence = dict(note.evidence)
    for name, text in texts.items():
        if sources.get(name) == NoteSource.MANUAL and getattr(note, name).strip():
            continue
        if getattr(note, name) != text or all_evidence.get(name) != evidence[name]:
            setattr(note, name, text)
            all_evidence[name] = evidence[name]
            sources[name] = NoteSource.AI_DRAFT
            changed.append(name)
    if not changed:
        return note
    note.evidence = all_evidence
    note.section_sources = sources
    note.source = NoteSource.AI_DRAFT
    note.ai_draft_id = draft_id
    note.ai_confidence_score = confidence
    save_with_history(
        note,
        acting_user=acting_user,
        reason="AI draft accepted for review",
        fields=[*changed, "evidence", "section_sources", "source", "ai_draft_id", "ai_confidence_score"],
    )
    if not locked.voice_assisted:
        locked.voice_assisted = True
        save_with_history(
            locked, acting_user=acting_user, reason="voice draft used", fields=["voice_assisted"]
        )
    return note


@transaction.atomic
def note_verify(*, acting_user, consultation: Consultation) -> ConsultationNote:
    """The doctor confirms the note as theirs (who, when). Verifying again changes nothing."""
    locked = _editable(consultation)
    note = ConsultationNote.objects.select_for_update().filter(consultation=locked).first()
    if note is None or not note.has_text():
        raise ValidationError("There is nothing to verify yet; write or accept the notes first.")
    if note.is_verified and not note.edited_after_verification:
        return note
    note.verified_by = acting_user
    note.verified_at = timezone.now()
    note.edited_after_verification = False
    save_with_history(
        note,
        acting_user=acting_user,
        reason="verified",
        fields=["verified_by", "verified_at", "edited_after_verification"],
    )
    return note
