"""Local anonymization speed and recall (issue 5): no database, the built-in detector defaults.

    .venv/bin/python bench/anonymize.py [--data ../shared/data/pii_dev.jsonl] [--words 3000] [--repeat 30]

Speed: consultations of about --words words (transcripts of the labelled set joined, the first
record's patient as the known identifiers, built afresh each time as a real run does); prints the
median time to anonymize one and the words per second. Recall: every labelled identifier span of the
set fully masked (letters and digits), leaks (an identifier still readable in the output), and
clinical tokens kept, scored as ../shared/tools/pii_score.py does.
Goals: >= 30,000 words/s (a 3,000-word consultation in <= 100 ms), recall >= 0.995, no leak,
clinical tokens kept >= 0.99. Last line: the figures; exit status 1 when a goal is missed.
"""

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from django.conf import settings  # noqa: E402

settings.configure(USE_TZ=True, TIME_ZONE="Asia/Kolkata")  # the detectors read the clock; nothing else

from voice.privacy import KnownIdentifiers, anonymize  # noqa: E402
from voice.privacy.patterns import default_config  # noqa: E402

GOAL_WORDS_PER_SECOND = 30_000
GOAL_RECALL = 0.995
GOAL_KEPT = 0.99
NUMBER_WORDS = {
    *[
        "zero",
        "oh",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "double",
        "triple",
        "plus",
    ],
    *[
        "shunya",
        "ek",
        "do",
        "teen",
        "chaar",
        "char",
        "paanch",
        "panch",
        "chhe",
        "chhah",
        "saat",
        "aath",
        "nau",
    ],
}


def run(record: dict, transcript: str | None = None):
    config = default_config()
    known = KnownIdentifiers.from_dict(record.get("patient") or {})
    return anonymize(
        transcript if transcript is not None else record["transcript"],
        known,
        enabled=config.enabled,
        patterns=config.regexes,
        replacements=config.replacements,
    )


def score(data: list[dict]) -> tuple[float, int, float]:
    """(recall, leaks, clinical tokens kept), as shared/tools/pii_score.py counts them."""
    caught = total = leaks = kept = keep_total = 0
    for record in data:
        text = record["transcript"]
        result = run(record)
        covered = {i for s in result.spans for i in range(max(0, s.start), min(len(text), s.end))}
        gold = {i for s, e, _ in record["spans"] for i in range(s, e)}
        outside = re.sub(r"\s+", " ", "".join(ch for i, ch in enumerate(text) if i not in gold))
        for s, e, _kind in record["spans"]:
            total += 1
            caught += all(i in covered for i in range(s, e) if text[i].isalnum())
            span = re.sub(r"\s+", " ", text[s:e])
            numeric = any(c.isdigit() for c in span) or all(
                w.strip(",.").lower() in NUMBER_WORDS for w in span.split()
            )
            for n in [span] if numeric else re.findall(r"[A-Za-z']{3,}", span):
                pattern = re.escape(n) if numeric else r"(?<![A-Za-z])" + re.escape(n) + r"(?![A-Za-z])"
                leaks += bool(re.search(pattern, result.text, re.I) and not re.search(pattern, outside, re.I))
        for s, e in record.get("keep", ()):
            keep_total += 1
            kept += not any(i in covered for i in range(s, e)) and text[s:e] in result.text
    return caught / total, leaks, (kept / keep_total if keep_total else 1.0)


def consultations(data: list[dict], words: int, count: int) -> list[tuple[dict, str]]:
    """`count` consultations of about `words` words, each starting at a different record."""
    out = []
    for start in range(count):
        parts, n, i = [], 0, start
        while n < words:
            transcript = data[i % len(data)]["transcript"]
            parts.append(transcript)
            n += len(transcript.split())
            i += 1
        out.append((data[start % len(data)], "\n".join(parts)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "pii_dev.jsonl"))
    parser.add_argument("--words", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    data = [
        json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines() if line.strip()
    ]

    samples = consultations(data, args.words, args.repeat)
    run(*samples[0])  # warm-up: regexes and word lists load once per process
    times = []
    for record, transcript in samples:
        started = time.perf_counter()
        run(record, transcript)
        times.append(time.perf_counter() - started)
    median_s = statistics.median(times)
    words = statistics.median(len(t.split()) for _, t in samples)
    rate = words / median_s

    recall, leaks, kept = score(data)
    ok = rate >= GOAL_WORDS_PER_SECOND and recall >= GOAL_RECALL and leaks == 0 and kept >= GOAL_KEPT
    print(f"{len(samples)} consultations of ~{words:.0f} words: median {median_s * 1000:.1f} ms")
    print(f"labelled set: {len(data)} records, recall {recall:.4f}, leaks {leaks}, clinical kept {kept:.4f}")
    print(
        f"words={words:.0f} median_ms={median_s * 1000:.1f} words_per_s={rate:,.0f} recall={recall:.4f} "
        f"leaks={leaks} kept={kept:.4f} goal: words_per_s>={GOAL_WORDS_PER_SECOND:,} recall>={GOAL_RECALL} "
        f"leaks=0 kept>={GOAL_KEPT} {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
