"""PIIRedactionPattern: seeded by migration 0002 as the code's defaults; detect() obeys the table."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from voice.models import PIIRedactionPattern
from voice.privacy import DETECTOR_NAMES, KnownIdentifiers, detect
from voice.privacy import patterns as pattern_store


@pytest.fixture(autouse=True)
def _fresh_cache():
    pattern_store.clear_cache()
    yield
    pattern_store.clear_cache()


def test_the_migration_seeds_the_seed_regexes_and_every_detector(db):
    rows = PIIRedactionPattern.objects.all()
    assert {r.detector for r in rows if r.detector} == set(DETECTOR_NAMES)
    seeded = {
        (r.pattern_name, r.pattern_type, r.regex_pattern, r.replacement_template, r.priority)
        for r in rows
        if not r.detector
    }
    assert seeded == set(pattern_store.SEED_REGEXES)
    by_detector = {
        r.detector: (r.pattern_type, r.replacement_template, r.priority) for r in rows if r.detector
    }
    assert by_detector == {d: (t, rep, p) for d, t, _, rep, p in pattern_store.DETECTOR_ROWS}
    config = pattern_store.active_config()
    defaults = pattern_store.default_config()
    assert config.enabled == defaults.enabled
    assert {p.regex.pattern for p in config.regexes} == {p.regex.pattern for p in defaults.regexes}


def test_detect_reads_the_table_a_disabled_detector_stops_and_an_added_regex_runs(db):
    text = "PAN is ABCPV 1234 K, member id MEM-00042."
    assert ("pan", "pan") in {(s.type, s.source) for s in detect(text, KnownIdentifiers())}
    PIIRedactionPattern.objects.filter(detector="pan").update(is_active=False)
    PIIRedactionPattern.objects.create(
        pattern_name="Member id",
        pattern_type="member_id",
        regex_pattern=r"MEM-\d{5}",
        replacement_template="[MEMBER_REDACTED]",
    )
    pattern_store.clear_cache()
    found = {text[s.start : s.end]: s.type for s in detect(text, KnownIdentifiers())}
    assert found == {"MEM-00042": "member_id"}  # spaced PAN: only the disabled detector knew it


def test_a_pattern_is_a_regex_or_a_detector_and_the_regex_must_compile(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        PIIRedactionPattern.objects.create(pattern_name="empty", pattern_type="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        PIIRedactionPattern.objects.create(
            pattern_name="both", pattern_type="x", detector="pan", regex_pattern="x"
        )
    bad = PIIRedactionPattern(pattern_name="bad", pattern_type="x", regex_pattern="(unclosed")
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "regex_pattern" in error.value.message_dict


def test_admin_lists_patterns_and_the_egress_ledger_is_read_only(admin_user):
    from django.test import Client

    client = Client()
    client.force_login(admin_user)
    listing = client.get("/admin/voice/piiredactionpattern/")
    assert listing.status_code == 200
    assert b"Detector: person name" in listing.content
    detector = PIIRedactionPattern.objects.get(detector="phone")
    page = client.get(f"/admin/voice/piiredactionpattern/{detector.pk}/change/")
    assert page.status_code == 200
    assert b'name="regex_pattern"' not in page.content  # a built-in detector cannot become a regex
    assert client.get("/admin/voice/egresslog/add/").status_code == 403
