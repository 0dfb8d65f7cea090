"""The demo drafter: a few rules over the transcript lines (no model, nothing leaves the building),
so the console's generate-review-verify flow works offline. Labelled as a demo in the console."""

import json
import re

from voice.providers.base import NotesDrafter, NotesReply

LINE = re.compile(r"^\[(u\d+)\] Speaker (\S+): (.*)$", re.MULTILINE)
RX = re.compile(
    r"\b(?:start|take|apply|use|continue)\s+(?P<medicine>[A-Za-z][\w-]+)\s*(?P<dose>[\d.]+\s*(?:mg|%|ml|g|mcg))?"
    r"(?P<rest>.*?)(?:\s+for\s+(?P<duration>\d+\s+(?:days?|weeks?|months?)))?(?P<tail>\s+(?:on|at|after)\s.*)?[.]?$",
    re.IGNORECASE,
)
FREQUENCY = re.compile(
    r"\b(once daily|twice daily|thrice daily|once a day|twice a day|at night|\d-\d-\d|every \w+ hours)\b",
    re.I,
)


def _quote(text: str, words: int = 8) -> str:
    return " ".join(text.split()[:words])


def _item(text: str, uid: str, said: str) -> dict:
    return {"text": text, "evidence": [{"utterance_id": uid, "quote": _quote(said)}]}


def _doctor(lines: list[tuple[str, str, str]]) -> str:
    """The speaker who asks and prescribes (speech-to-text numbers voices in order of appearance)."""
    score: dict[str, int] = {}
    for _uid, speaker, said in lines:
        score[speaker] = score.get(speaker, 0) + ("?" in said) + 2 * bool(RX.search(said))
    return max(sorted(score), key=lambda s: (score[s], s == "0")) if score else "0"


def draft_from_lines(lines: list[tuple[str, str, str]]) -> dict:
    doctor = _doctor(lines)
    patient_lines = [line for line in lines if line[1] != doctor]
    draft: dict = {
        "chief_complaint": [],
        "history_of_present_illness": [],
        "subjective": [],
        "objective": [],
        "assessment": [],
        "plan": [],
        "prescriptions": [],
        "allergies_mentioned": [],
        "follow_up": {"recommended": False, "in_days": None, "instructions": "", "evidence": []},
    }
    if patient_lines:
        uid, _, said = patient_lines[0]
        draft["chief_complaint"].append(_item(said.rstrip("."), uid, said))
        draft["history_of_present_illness"] += [_item(s, u, s) for u, _, s in patient_lines[1:3]]
    for uid, speaker, said in lines:
        lowered = said.lower()
        if "allerg" in lowered or "rash with" in lowered:
            if speaker != doctor:
                substance = re.search(r"with ([\w-]+(?: drugs?)?)", said)
                draft["allergies_mentioned"].append(
                    {
                        "substance": substance.group(1) if substance else "not stated",
                        "reaction": "rash" if "rash" in lowered else "",
                        "evidence": [{"utterance_id": uid, "quote": _quote(said)}],
                    }
                )
            continue
        if speaker == doctor and re.search(r"\b(i see|there (?:is|are)|on examination)\b", lowered):
            draft["objective"].append(_item(said.split(". This")[0].rstrip("."), uid, said))
        if speaker == doctor and re.search(r"\b(looks like|this is|suggestive of)\b", lowered):
            diagnosis = re.search(r"(?:looks like|this is|suggestive of) ([\w -]+)", said, re.I)
            if diagnosis:
                quote = said[said.lower().index(diagnosis.group(0).lower()) :].rstrip(".")
                draft["assessment"].append(
                    {
                        "text": diagnosis.group(1).strip().capitalize(),
                        "evidence": [{"utterance_id": uid, "quote": quote}],
                    }
                )
        rx = RX.search(said) if speaker == doctor else None
        if rx and rx.group("medicine").lower() not in ("a", "the"):
            frequency = FREQUENCY.search(said)
            draft["prescriptions"].append(
                {
                    "medicine": rx.group("medicine").capitalize(),
                    "dosage": (rx.group("dose") or "").strip(),
                    "frequency": frequency.group(1) if frequency else "",
                    "duration": rx.group("duration") or "",
                    "instructions": (rx.group("tail") or "").strip(),
                    "evidence": [{"utterance_id": uid, "quote": _quote(said)}],
                }
            )
            draft["plan"].append(_item(said.rstrip("."), uid, said))
        back = re.search(r"come back (?:after|in) (\d+) days", said, re.IGNORECASE)
        if back:
            draft["follow_up"] = {
                "recommended": True,
                "in_days": int(back.group(1)),
                "instructions": "Review the response to treatment.",
                "evidence": [{"utterance_id": uid, "quote": _quote(said)}],
            }
    return draft


class FakeNotes(NotesDrafter):
    name = "fake"
    is_demo = True

    def draft(self, *, system: str, prompt: str, schema: dict, max_tokens: int) -> NotesReply:
        lines = [(m.group(1), m.group(2), m.group(3)) for m in LINE.finditer(prompt)]
        return NotesReply(
            text=json.dumps(draft_from_lines(lines)), model="demo-rules", stop_reason="end_turn"
        )
