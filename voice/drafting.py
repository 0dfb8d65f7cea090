"""The notes draft, without the database: the prompt (improved from seed 5.7), the JSON schema the
model must answer in, and the local checks of what comes back (every item's evidence quoted from
its utterance; medicines said but missing from the prescriptions).

The model sees only anonymized utterances. Evidence is checked against that same text; names are
put back afterwards (voice.privacy.restore) for the doctor.
"""

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import jsonschema

SECTIONS = (
    "chief_complaint",
    "history_of_present_illness",
    "subjective",
    "objective",
    "assessment",
    "plan",
)

_EVIDENCE = {
    "type": "array",
    "description": "Where this comes from: utterance ids and short quotes copied word for word.",
    "items": {
        "type": "object",
        "properties": {
            "utterance_id": {"type": "string", "description": "e.g. u12"},
            "quote": {"type": "string", "description": "5-15 words copied exactly from that utterance"},
        },
        "required": ["utterance_id", "quote"],
        "additionalProperties": False,
    },
}
_STATEMENT = {
    "type": "object",
    "properties": {"text": {"type": "string"}, "evidence": _EVIDENCE},
    "required": ["text", "evidence"],
    "additionalProperties": False,
}
_PRESCRIPTION = {
    "type": "object",
    "properties": {
        "medicine": {"type": "string", "description": "Name as prescribed, spelled correctly"},
        "dosage": {
            "type": "string",
            "description": "Strength and amount, e.g. '5 mg, 1 tablet'; '' if not said",
        },
        "frequency": {"type": "string", "description": "e.g. 'twice daily', '1-0-1'; '' if not said"},
        "duration": {"type": "string", "description": "e.g. '10 days'; '' if not said"},
        "instructions": {"type": "string", "description": "Route, site, timing, food; '' if not said"},
        "evidence": _EVIDENCE,
    },
    "required": ["medicine", "dosage", "frequency", "duration", "instructions", "evidence"],
    "additionalProperties": False,
}
_ALLERGY = {
    "type": "object",
    "properties": {
        "substance": {"type": "string"},
        "reaction": {"type": "string", "description": "'' if not said"},
        "evidence": _EVIDENCE,
    },
    "required": ["substance", "reaction", "evidence"],
    "additionalProperties": False,
}
_FOLLOW_UP = {
    "type": "object",
    "properties": {
        "recommended": {"type": "boolean"},
        "in_days": {"type": ["integer", "null"]},
        "instructions": {"type": "string"},
        "evidence": _EVIDENCE,
    },
    "required": ["recommended", "in_days", "instructions", "evidence"],
    "additionalProperties": False,
}
DRAFT_SCHEMA = {
    "type": "object",
    "properties": {
        **{name: {"type": "array", "items": _STATEMENT} for name in SECTIONS},
        "prescriptions": {"type": "array", "items": _PRESCRIPTION},
        "allergies_mentioned": {"type": "array", "items": _ALLERGY},
        "follow_up": _FOLLOW_UP,
    },
    "required": [*SECTIONS, "prescriptions", "allergies_mentioned", "follow_up"],
    "additionalProperties": False,
}

SYSTEM_PROMPT = """\
You are a clinical documentation assistant for a dermatology clinic in India. From the transcript of
a doctor-patient consultation you draft structured clinical notes. The doctor reviews and corrects
every line before anything is saved, so an honest gap is better than a confident guess.

About the transcript:
- Each line is one utterance: [u<n>] Speaker <k>: <what was said>. Speaker numbers come from speech
  recognition; work out from the content who is the doctor and who is the patient or companion.
- Identities are masked. The patient is written as a token like PATIENT_A7X9K2, other people as
  [PERSON_1], [PERSON_2], and identifiers as markers such as [PHONE_REDACTED]. Copy these exactly
  where you need them; never guess a name, number, address or any other identifier.
- People may mix Hindi and English. Write the notes in clear English.
- Speech recognition makes mistakes. Spell a medicine correctly when the intended drug is clear;
  when it is not, write what was heard.

Rules:
1. Record only what was said. Add no diagnosis, medicine, dose, finding or advice that is not in
   the transcript, even if it would be usual. A section with nothing to say is an empty list.
2. Every statement and every item carries evidence: the id of each utterance it comes from and a
   quote of 5 to 15 words copied character for character from that utterance (the quote is checked
   by a program; a paraphrase counts as unsupported).
3. One clinical fact per statement, in short standard medical language.
4. Sections: chief_complaint (the main problem, one statement); history_of_present_illness (onset,
   duration, course, triggers, treatments tried); subjective (other symptoms, relevant history and
   concerns the patient reported); objective (examination findings and measurements the doctor
   stated: sites, morphology, vitals); assessment (the doctor's stated impression or diagnosis);
   plan (investigations, procedures, advice and how to use the treatment; each medicine in detail
   goes in prescriptions).
5. prescriptions: every medicine the doctor prescribed, continued or changed, with dosage,
   frequency (as said: "twice daily", "1-0-1", "at night"), duration and instructions (route, site,
   timing, with food). A field not said is "" - never fill it from typical practice.
6. allergies_mentioned: every drug or other allergy mentioned by anyone, with the reaction if said.
7. follow_up: whether a review visit was asked for, after how many days if said, and instructions.
"""


def build_prompt(lines: Sequence[tuple[str, int | None, str]]) -> str:
    """lines: (utterance id, speaker, anonymized text)."""
    body = "\n".join(
        f"[{uid}] Speaker {speaker if speaker is not None else '?'}: {text}" for uid, speaker, text in lines
    )
    return f"Consultation transcript ({len(lines)} utterances):\n\n{body}\n\nDraft the clinical notes."


class DraftInvalid(ValueError):
    """The reply is not a draft in the schema."""


def parse_draft(text: str) -> dict:
    try:
        draft = json.loads(text)
    except ValueError as exc:
        raise DraftInvalid("The reply is not JSON.") from exc
    try:
        jsonschema.validate(draft, DRAFT_SCHEMA)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "the draft"
        raise DraftInvalid(f"The reply does not follow the notes schema at {where}.") from exc
    return draft


# ------------------------------------------------------------------ evidence


def normalize(text: str) -> str:
    """For comparing quotes: case, accents, punctuation and spacing do not matter; placeholders do."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9_\[\]%.]+", " ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)  # full stops go, decimal points stay
    return " ".join(text.split())


def _items(draft: Mapping) -> Iterable[tuple[str, dict]]:
    for name in SECTIONS:
        for statement in draft.get(name) or ():
            yield name, statement
    for item in draft.get("prescriptions") or ():
        yield "prescriptions", item
    for item in draft.get("allergies_mentioned") or ():
        yield "allergies_mentioned", item
    follow_up = draft.get("follow_up")
    if follow_up and follow_up.get("recommended"):
        yield "follow_up", follow_up


def check_evidence(draft: dict, utterances: Mapping[str, str]) -> int:
    """Mark each item `supported` (every quote found in its utterance, and at least one quote) and
    list its `problems`. utterances: id -> the text the model saw. Returns the unsupported count."""
    normalized = {uid: normalize(text) for uid, text in utterances.items()}
    unsupported = 0
    for _section, item in _items(draft):
        problems = []
        evidence = item.get("evidence") or []
        if not evidence:
            problems.append("no evidence")
        for link in evidence:
            uid = str(link.get("utterance_id", "")).strip()
            quote = normalize(str(link.get("quote", "")))
            if uid not in normalized:
                problems.append(f"{uid or '(no id)'}: no such utterance")
            elif not quote:
                problems.append(f"{uid}: empty quote")
            elif quote not in normalized[uid]:
                problems.append(f"{uid}: quote not found")
        item["supported"] = not problems
        item["problems"] = problems
        unsupported += bool(problems)
    return unsupported


# ------------------------------------------------------------------ medicines


@dataclass(frozen=True)
class MedicineNames:
    """One medicine of the clinic's list and the names it goes by (generic parts, brand)."""

    label: str
    names: tuple[str, ...]


def medicine_names(generic: str, brand: str = "") -> MedicineNames:
    names: list[str] = []
    for part in re.split(r"\s*\+\s*", generic or ""):
        part = part.strip()
        if not part:
            continue
        names.append(part)
        first = part.split()[0]
        if len(first) >= 6 and first.lower() not in ("sodium", "potassium", "calcium", "liquid", "vitamin"):
            names.append(first)  # "Clindamycin phosphate" is said "clindamycin"
    if brand and brand.strip():
        names.append(brand.strip())
    unique = tuple(dict.fromkeys(n for n in names if len(n) >= 3))
    return MedicineNames(label=brand.strip() or generic.strip(), names=unique)


def _name_pattern(name: str) -> re.Pattern:
    words = [re.escape(w) for w in re.split(r"[\s-]+", name.lower()) if w]
    return re.compile(r"(?<![a-z0-9])" + r"[\s-]*".join(words) + r"(?![a-z0-9])")


def possible_omissions(
    draft: dict, utterances: Sequence[tuple[str, str]], medicines: Iterable[MedicineNames]
) -> list[dict]:
    """Medicines of the clinic's list said in the transcript but named in no prescription of the
    draft: [{"medicine", "utterance_ids"}]. utterances: (id, text) as said (names and all)."""
    prescribed = " | ".join(
        str(item.get("medicine", "")) for item in draft.get("prescriptions") or ()
    ).lower()
    found: dict[str, dict] = {}
    lowered = [(uid, text.lower()) for uid, text in utterances]
    for medicine in medicines:
        patterns = [_name_pattern(name) for name in medicine.names]
        if any(p.search(prescribed) for p in patterns):
            continue
        said_in = [uid for uid, text in lowered if any(p.search(text) for p in patterns)]
        if said_in:
            entry = found.setdefault(
                medicine.label.lower(), {"medicine": medicine.label, "utterance_ids": []}
            )
            entry["utterance_ids"] = sorted(set(entry["utterance_ids"]) | set(said_in), key=_uid_order)
    return sorted(found.values(), key=lambda e: _uid_order(e["utterance_ids"][0]))


def _uid_order(uid: str) -> int:
    return int(uid[1:]) if uid[1:].isdigit() else 0


# ------------------------------------------------------------------ for the consultation's note


def note_sections(draft: Mapping) -> dict[str, list[dict]]:
    """The draft's sections as the consultations app takes them: {section: [{"text", "evidence"}]}.
    Prescriptions, allergies and follow-up go to their own screens; the plan keeps a line each."""
    sections: dict[str, list[dict]] = {}
    for name in SECTIONS:
        kept = [
            {"text": s["text"], "evidence": [dict(e) for e in s.get("evidence") or ()]}
            for s in draft.get(name) or ()
            if str(s.get("text", "")).strip()
        ]
        if kept:
            sections[name] = kept
    return sections
