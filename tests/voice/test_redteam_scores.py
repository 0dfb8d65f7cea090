"""The anonymizer on the red team's transcripts (tests/voice/redteam.py): a generator written apart
from the detectors, plus hand-written consultations, scored by ../shared/tools/pii_score.py.

Two fixed seeds, so a change that fits one set of sentences and breaks another shows up. The figures
asserted are the issue's goal for recall and clinical tokens kept. Leaks are held to the few known
misses of decision 0010 (a lowercase pet name or stranger's name said with only a weak context, "is
lucky also using the same towel", "ji guddu"; a name that is also a kin word, "my friend Mami"): a
new kind of miss raises the count past the bound.
"""

import json
import os
from pathlib import Path

import pytest

from tests.voice.redteam import generate, handwritten
from tests.voice.test_scores import DEV_SET, score

pytestmark = pytest.mark.skipif(
    not DEV_SET.exists() and not os.environ.get("CI"),
    reason="needs ../shared (the scorer) beside this checkout; CI always has it",
)

# Known misses measured after round 2 of issue 5: 5 (seed 20261126 with the hand-written set) and
# 7 (seed 7), against 6 and 10 before it, each a token of the kinds named above, in 160 and 150
# consultations.
KNOWN_MISS_BOUND = 7
ROUND_2 = Path(__file__).resolve().parent / "data" / "handwritten_round2.jsonl"


def write(records: list[dict], path: Path) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("seed", "with_handwritten"),
    [(20261126, True), (7, False)],
    ids=["seed-20261126+handwritten", "seed-7"],
)
def test_red_team_set_meets_the_goal(seed, with_handwritten, tmp_path):
    records = generate(150, seed) + (handwritten() if with_handwritten else [])
    result = score(write(records, tmp_path / f"redteam_{seed}.jsonl"))
    assert result["recall"] >= 0.995, result
    assert result["kept"] >= 0.99, result
    assert result["leaks"] <= KNOWN_MISS_BOUND, result


def test_hand_written_consultations_lose_no_identifier(tmp_path):
    """Ten consultations in styles the generator does not write: every identifier but one masked
    (a Mizo name, "Mami", that is also the Hindi word for an aunt), every clinical token kept."""
    result = score(write(handwritten(), tmp_path / "handwritten.jsonl"))
    assert result["recall"] >= 0.98, result
    assert result["leaks"] <= 1, result
    assert result["kept"] == 1.0, result


def test_round_2_hand_written_consultations_lose_no_identifier():
    """Eight consultations written for round 2 of issue 5 (tests/voice/data/handwritten_round2.txt):
    dates and PINs in Hindi numbers, lowercase addresses with no cue, records holding only the name.
    The first five were written before the round-2 rules (0.5758 recall then), the last three after
    them and scored before any further change."""
    result = score(ROUND_2)
    assert result["recall"] == 1.0, result
    assert result["leaks"] == 0, result
    assert result["kept"] == 1.0, result


def test_round_2_file_is_what_its_markup_says():
    from tests.voice import redteam

    source = (ROUND_2.parent / "handwritten_round2.txt").read_text(encoding="utf-8")
    markup = "\n".join(line for line in source.splitlines() if not line.startswith("# "))
    records = redteam.parse_handwritten(markup)
    expected = [{**r, "id": "R2" + r["id"][1:]} for r in records]
    assert [json.loads(line) for line in ROUND_2.read_text(encoding="utf-8").splitlines()] == expected


@pytest.mark.parametrize("seed", [20261126, 7])
def test_red_team_with_only_the_name_on_the_record(seed, tmp_path):
    """Where the record knows only the patient's name, the rules alone carry recall (0.9589 over
    both seeds before round 2 of issue 5, 0.9953 after)."""
    records = [{**r, "patient": {"name": r["patient"]["name"]}} for r in generate(150, seed)]
    result = score(write(records, tmp_path / f"redteam_name_only_{seed}.jsonl"))
    assert result["recall"] >= 0.99, result
    assert result["kept"] >= 0.99, result


def test_generator_is_deterministic_and_labels_real_text():
    first, again = generate(20, 3), generate(20, 3)
    assert first == again
    for record in first + handwritten():
        text = record["transcript"]
        for start, end, kind in record["spans"]:
            assert text[start:end].strip() == text[start:end] and text[start:end], (record["id"], kind)
        for start, end in record["keep"]:
            assert text[start:end].strip(), record["id"]


def test_anonymized_red_team_transcripts_pass_the_egress_guard():
    """What the anonymizer lets out of a red-team consultation, the egress guard lets through; the
    raw transcript is refused."""
    from tests.voice.helpers import DEFAULTS
    from voice.privacy import KnownIdentifiers, anonymize
    from voice.privacy.egress import egress_scan

    refused = []
    for record in generate(60, 11) + handwritten():
        known = KnownIdentifiers.from_dict(record["patient"], session_token="PATIENT_ABC123")
        result = anonymize(record["transcript"], known, enabled=DEFAULTS.enabled, patterns=DEFAULTS.regexes)
        if egress_scan(result.text, known, patterns=DEFAULTS.regexes):
            refused.append(record["id"])
        assert egress_scan(record["transcript"], known, patterns=DEFAULTS.regexes), record["id"]
    assert refused == []
