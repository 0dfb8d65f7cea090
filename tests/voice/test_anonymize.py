"""anonymize() and restore(): placeholders, one per person, names back for the doctor, and speed."""

import time

from tests.voice.helpers import DEFAULTS
from voice.privacy import KnownIdentifiers, anonymize, restore

TRANSCRIPT = (
    "Speaker 0: Good morning, Mr. Kumar. Please sit down.\n"
    "Speaker 1: I am Tarun Kumar. My number is nine eight four five zero, one two three four five.\n"
    "Speaker 1: My wife Mary also had the rash, her number is +91 83840 19161.\n"
    "Speaker 0: BP 130/80, pulse 78. Start Isotretinoin 20 mg once daily for 8 weeks, 1-0-1.\n"
    "Speaker 1: Mary says thank you. Dr. Faisal Iyer referred me.\n"
)


def run(text, known, **kwargs):
    return anonymize(text, known, enabled=DEFAULTS.enabled, patterns=DEFAULTS.regexes, **kwargs)


def test_the_patient_becomes_the_session_token_and_others_numbered_placeholders(known_tarun):
    result = run(TRANSCRIPT, known_tarun)
    assert "Mr. PATIENT_A7X9K2." in result.text
    assert "I am PATIENT_A7X9K2." in result.text
    assert result.text.count("[PERSON_1]") == 2  # Mary, twice: one person, one placeholder
    assert "Dr. [PERSON_2] referred me" in result.text
    assert result.text.count("[PHONE_REDACTED]") == 2
    assert "BP 130/80, pulse 78. Start Isotretinoin 20 mg once daily for 8 weeks, 1-0-1." in result.text
    assert result.counts_by_type == {"name": 5, "phone": 2}
    assert result.mapping == {
        "PATIENT_A7X9K2": "Tarun Kumar",
        "[PERSON_1]": "Mary Kumar",
        "[PERSON_2]": "Faisal Iyer",
    }
    for leaked in ("Kumar", "Tarun", "Mary", "Faisal", "9845", "8384"):
        assert leaked not in result.text


def test_spans_are_offsets_into_the_input(known_tarun):
    result = run(TRANSCRIPT, known_tarun)
    surfaces = [TRANSCRIPT[s.start : s.end] for s in result.spans]
    assert surfaces[:3] == ["Kumar", "Tarun Kumar", "nine eight four five zero, one two three four five"]


def test_restore_round_trip_puts_names_back(known_tarun):
    result = run(TRANSCRIPT, known_tarun)
    draft = "PATIENT_A7X9K2 reports a rash; [PERSON_1] (wife) has the same. Referred by [PERSON_2]."
    assert restore(draft, result.mapping) == (
        "Tarun Kumar reports a rash; Mary Kumar (wife) has the same. Referred by Faisal Iyer."
    )
    assert restore("no placeholders", {}) == "no placeholders"


def test_a_later_chunk_keeps_the_placeholders_of_the_session(known_tarun):
    first = run("My neighbour Ojasvi Ketkar told me.", known_tarun)
    later = run("Ojasvi Ketkar also has it. Mary too.", known_tarun, mapping=first.mapping)
    assert first.text == "My neighbour [PERSON_1] told me."
    assert later.text == "[PERSON_1] also has it. [PERSON_2] too."


def test_without_a_session_token_a_fresh_one_is_drawn():
    known = KnownIdentifiers.from_dict({"name": "Tarun Kumar"})
    result = run("I am Tarun Kumar.", known)
    token = next(iter(result.mapping))
    assert token.startswith("PATIENT_") and len(token) == 14
    assert result.text == f"I am {token}."


def test_a_ten_minute_consultation_anonymizes_well_under_a_second(known_tarun):
    """About 1,500 words are spoken in ten minutes; this is 3,000."""
    text = TRANSCRIPT * 45
    words = len(text.split())
    assert words > 3000
    run(text, known_tarun)  # warm the caches, as a running server has them
    started = time.perf_counter()
    result = run(text, known_tarun)
    seconds = time.perf_counter() - started
    assert result.counts_by_type["phone"] == 90
    assert seconds < 0.5, f"{words} words took {seconds:.3f} s ({words / seconds:,.0f} words/s)"


def test_hostile_input_cannot_stall_the_anonymizer(known_tarun):
    """Transcripts are untrusted: no pattern may backtrack exponentially (these once took seconds)."""
    for text in ("a." * 2000 + " at x", "x at " + "a dot " * 2000, "a-" * 3000 + "@b", "Mr. " * 3000):
        started = time.perf_counter()
        run(text, known_tarun)
        assert time.perf_counter() - started < 1.0, text[:20]
