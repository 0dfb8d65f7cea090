"""manage.py anonymize_jsonl: the scorer's contract, with no database."""

import io
import json

from django.core.management import call_command

LINES = [
    {
        "id": "r1",
        "patient": {
            "name": "Rekha Menon",
            "phone": "9789328792",
            "aadhaar": "234123412346",
            "dob": "13/12/1975",
            "address": "flat 221, Green Park Residency, MG Road, Indiranagar, Chennai 117468",
            "relatives": [{"name": "Mary Menon", "relation": "wife", "phone": "8384019161"}],
        },
        "transcript": "Speaker 1: I am Rekha Menon, 9,789,328,792. My wife Mary. BP 130/80.\n",
    },
    {"id": "r2", "patient": {"name": "Tarun Verma"}, "transcript": "Speaker 0: Hello taran ji. Pulse 78."},
    {"id": "r3", "patient": {}, "transcript": ""},
]


def test_reads_json_lines_and_writes_text_and_spans_without_a_database():
    stdin = io.StringIO("".join(json.dumps(line) + "\n" for line in LINES) + "\n")
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("anonymize_jsonl", stdin=stdin, stdout=stdout, stderr=stderr)
    out = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert [o["id"] for o in out] == ["r1", "r2", "r3"]
    first = LINES[0]["transcript"]
    assert [(first[s:e], kind) for s, e, kind in out[0]["spans"]] == [
        ("Rekha Menon", "name"),
        ("9,789,328,792", "phone"),
        ("Mary", "name"),
    ]
    assert out[0]["text"].endswith("My wife [PERSON_1]. BP 130/80.\n")
    assert "Rekha" not in out[0]["text"] and "9,789" not in out[0]["text"]
    second = LINES[1]["transcript"]
    assert [(second[s:e], kind) for s, e, kind in out[1]["spans"]] == [("taran", "name")]
    assert out[2] == {"id": "r3", "text": "", "spans": []}
    assert "words/s" in stderr.getvalue()
