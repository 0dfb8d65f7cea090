"""The anonymizer's score, guarded in CI: the shared dev set, this folder's held-out set, and both
again with every person renamed to names no list holds (so the context rules carry them).

The scorer is ../shared/tools/pii_score.py beside the repository (CI lays shared/ there too).
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.voice.heldout import swap_names

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SCORER = SHARED / "tools" / "pii_score.py"
DEV_SET = SHARED / "data" / "pii_dev.jsonl"
HELD_OUT = Path(__file__).resolve().parent / "data" / "pii_heldout.jsonl"

# The scorer and the dev set live in ../shared. CI always lays it beside the repository, so there
# these tests must run (a missing folder fails them); a checkout without it skips them, saying why.
pytestmark = pytest.mark.skipif(
    not DEV_SET.exists() and not os.environ.get("CI"),
    reason="needs ../shared (the scorer and dev set) beside this checkout; CI always has it",
)


def require_shared() -> None:
    if not SCORER.exists() or not DEV_SET.exists():
        pytest.fail(f"{SCORER} or {DEV_SET} is missing: CI lays shared/ beside the repository")


def score(dataset: Path) -> dict[str, float]:
    require_shared()
    command = [
        sys.executable,
        str(SCORER),
        str(dataset),
        "--",
        sys.executable,
        str(REPO / "manage.py"),
        "anonymize_jsonl",
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert run.returncode == 0, run.stderr[-2000:] + run.stdout[-2000:]
    last = run.stdout.strip().splitlines()[-1]
    print(dataset.name, "|", last)
    found = re.fullmatch(r"recall ([\d.]+) leaks (\d+) kept ([\d.]+) precision ([\d.]+)", last)
    assert found, run.stdout
    recall, leaks, kept, precision = found.groups()
    return {"recall": float(recall), "leaks": int(leaks), "kept": float(kept), "precision": float(precision)}


def assert_goal(result: dict[str, float]) -> None:
    assert result["recall"] >= 0.995, result
    assert result["leaks"] == 0, result
    assert result["kept"] >= 0.99, result


def test_dev_set_meets_the_goal():
    assert_goal(score(DEV_SET))


def test_held_out_set_meets_the_goal():
    assert_goal(score(HELD_OUT))


@pytest.mark.parametrize("source", ["dev", "held_out"])
def test_sets_with_unlisted_names_meet_the_goal(source, tmp_path):
    path = DEV_SET if source == "dev" else HELD_OUT
    require_shared()
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    swapped = tmp_path / f"{source}_swapped.jsonl"
    swapped.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in swap_names(records)), encoding="utf-8"
    )
    assert_goal(score(swapped))


def test_held_out_file_is_what_the_generator_writes():
    from tests.voice.heldout import generate

    lines = HELD_OUT.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == generate()


def test_every_anonymized_transcript_passes_the_egress_guard_and_every_raw_one_is_refused():
    """The anonymizer and the guard agree: what one lets out, the other lets through, and the raw
    transcripts (full of identifiers) never pass."""
    from tests.voice.helpers import DEFAULTS
    from voice.privacy import KnownIdentifiers, anonymize
    from voice.privacy.egress import egress_scan

    require_shared()
    records = [
        json.loads(line) for path in (DEV_SET, HELD_OUT) for line in path.read_text("utf-8").splitlines()
    ]
    refused = []
    for record in records:
        known = KnownIdentifiers.from_dict(record["patient"], session_token="PATIENT_ABC123")
        result = anonymize(record["transcript"], known, enabled=DEFAULTS.enabled, patterns=DEFAULTS.regexes)
        prompt = "You are a medical documentation assistant. Draft SOAP notes.\n" + result.text
        if egress_scan(prompt, known, patterns=DEFAULTS.regexes):
            refused.append(record["id"])
        assert egress_scan(record["transcript"], known, patterns=DEFAULTS.regexes), record["id"]
    assert refused == []
