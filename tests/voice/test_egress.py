"""The egress guard: refuses a payload holding an identifier of the session, logs no identifier."""

import hashlib
import json
import logging

import pytest
from django.db import DatabaseError, transaction

from tests.voice.helpers import DEFAULTS
from voice.models import EgressLog, EgressOutcome
from voice.privacy import KnownIdentifiers, anonymize
from voice.privacy import patterns as pattern_store
from voice.privacy.egress import EgressRefused, egress_check_and_log, egress_scan


@pytest.fixture(autouse=True)
def _fresh_cache():
    pattern_store.clear_cache()
    yield
    pattern_store.clear_cache()


@pytest.fixture
def known():
    return KnownIdentifiers.from_dict(
        {
            "name": "Ramesh Kumar",
            "phone": "+91 98450 12345",
            "aadhaar": "234123412346",
            "email": "ramesh.k@gmail.com",
            "dob": "13/12/1975",
            "address": "12, 100 Feet Road, Indiranagar, Bengaluru 560038",
            "relatives": [{"name": "Sunita Kumar", "relation": "wife", "phone": "8384019161"}],
        },
        session_token="PATIENT_A7X9K2",
    )


def test_a_spaced_phone_of_the_patient_is_refused_and_the_log_holds_no_identifier(db, known, caplog):
    prompt = "Summarise: PATIENT_A7X9K2 has acne. Call back on 98 450 123 45 if worse."
    with (
        caplog.at_level(logging.WARNING, logger="voice.privacy.egress"),
        pytest.raises(EgressRefused) as refused,
    ):
        egress_check_and_log(provider="anthropic", purpose="soap_draft", payload=prompt, known=known)
    assert refused.value.counts == {"phone": 1}
    assert "98" not in str(refused.value)
    row = EgressLog.objects.get()
    assert row.outcome == EgressOutcome.REFUSED
    assert row.provider == "anthropic" and row.purpose == "soap_draft"
    assert row.payload_bytes == len(prompt.encode())
    assert row.payload_sha256 == ""  # a hash of a short identifier could be reversed
    assert row.refusal_counts == {"phone": 1}
    assert row.redaction_counts == {"patient": 1}
    stored = json.dumps([row.provider, row.purpose, row.redaction_counts, row.refusal_counts, str(row)])
    logged = caplog.text
    assert "egress refused" in logged and "phone:1" in logged
    for text in (stored, logged):
        digits = "".join(ch for ch in text if ch.isdigit())
        assert "9845012345" not in digits and "98450" not in text and "12345" not in text
        assert "Ramesh" not in text and "Call back" not in text


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ("Note for ramesh: rash improving", "name"),
        ("RAMESH-JI said the cream burns", "name"),
        ({"keyterms": ["Isotretinoin", "Sunita"]}, "name"),
        (b"aadhaar 2341-2341-2346", "aadhaar"),
        ("nine eight four five zero one two three four five", "phone"),
        ("mail ramesh.k@gmail.com", "email"),
        ("born 13th December 1975", "dob"),
        ("lives off 100 Feet Road", "address"),
        ("unknown caller 9123456789", "phone"),  # not the patient's, still a phone
        ("PAN ABCPV1234K", "pan"),
    ],
)
def test_every_form_of_an_identifier_is_refused(db, known, payload, kind):
    with pytest.raises(EgressRefused) as refused:
        egress_check_and_log(provider="deepgram", purpose="keyterms", payload=payload, known=known)
    assert kind in refused.value.counts
    assert EgressLog.objects.get().outcome == EgressOutcome.REFUSED


def test_an_anonymized_transcript_passes_and_the_ledger_keeps_hash_and_counts(db, known):
    said = (
        "Speaker 1: I am Ramesh Kumar, my number is nine eight four five zero one two three four five.\n"
        "Speaker 1: My wife Sunita has the rash too. Aadhaar 2341 2341 2346.\n"
        "Speaker 0: BP 130/80, pulse 78. Isotretinoin 20 mg 1-0-1 for 8 weeks.\n"
    )
    result = anonymize(said, known, enabled=DEFAULTS.enabled, patterns=DEFAULTS.regexes)
    payload = {"model": "claude", "messages": [{"role": "user", "content": result.text}]}
    digest = egress_check_and_log(
        provider="anthropic", purpose="soap_draft", payload=payload, known=known, consultation_id=None
    )
    row = EgressLog.objects.get()
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert digest == row.payload_sha256 == hashlib.sha256(canonical).hexdigest()
    assert row.outcome == EgressOutcome.SENT
    assert row.redaction_counts == {"patient": 1, "phone": 1, "name": 1, "aadhaar": 1}
    assert row.refusal_counts == {}


def test_clinical_text_is_not_refused(db, known):
    text = "Acne grade 3. BP 130/85, sugar 142, SpO2 98%. Doxycycline 100 mg BD for 14 days, 1-0-1. Das din."
    assert not egress_scan(text, known)


def test_the_ledger_is_append_only(db, known):
    egress_check_and_log(provider="anthropic", purpose="soap_draft", payload="nothing personal", known=known)
    with pytest.raises(DatabaseError), transaction.atomic():
        EgressLog.objects.update(provider="other")
    with pytest.raises(DatabaseError), transaction.atomic():
        EgressLog.objects.all().delete()
